#include "policy/compiled_policy.h"

#include <algorithm>
#include <array>
#include <sstream>

namespace egress::policy {

namespace {

std::string join(const std::vector<std::string>& items, std::string_view sep) {
	std::string out;
	for (size_t i = 0; i < items.size(); ++i) {
		if (i)
			out += sep;
		out += items[i];
	}
	return out;
}

nlohmann::ordered_json ports_json(const std::vector<PortRange>& ports) {
	auto out = nlohmann::ordered_json::array();
	for (const auto& p : ports)
		out.push_back(p.to_string());
	return out;
}

} // namespace

std::vector<PortRange> normalize_ports(std::vector<PortRange> ports) {
	std::sort(ports.begin(), ports.end());
	std::vector<PortRange> merged;
	for (const auto& p : ports) {
		if (!merged.empty() && merged.back().proto == p.proto &&
		    std::uint32_t(p.lo) <= std::uint32_t(merged.back().hi) + 1) {
			merged.back().hi = std::max(merged.back().hi, p.hi);
			continue;
		}
		merged.push_back(p);
	}
	// Proto::any sorts first; whatever one of its ranges covers adds nothing.
	std::vector<PortRange> any;
	for (const auto& p : merged)
		if (p.proto == Proto::any)
			any.push_back(p);
	std::erase_if(merged, [&](const PortRange& p) {
		return p.proto != Proto::any && std::any_of(any.begin(), any.end(), [&](const PortRange& a) {
			       return a.lo <= p.lo && a.hi >= p.hi;
		       });
	});
	return merged;
}

bool ports_allow(const std::vector<PortRange>& ports, Proto proto, std::uint16_t port) {
	return std::any_of(ports.begin(), ports.end(), [&](const PortRange& p) {
		return (p.proto == Proto::any || p.proto == proto) && port >= p.lo && port <= p.hi;
	});
}

std::string ports_text(const std::vector<PortRange>& ports) {
	std::vector<std::string> parts;
	for (const auto& p : ports)
		parts.push_back(p.to_string());
	return join(parts, ",");
}

std::string_view to_string(NameKind kind) {
	switch (kind) {
	case NameKind::exact:
		return "exact";
	case NameKind::one_label:
		return "one";
	case NameKind::many_labels:
		return "many";
	}
	return "exact";
}

bool CidrRule::has_origin(std::string_view origin) const {
	return std::find(origins.begin(), origins.end(), origin) != origins.end();
}

std::string_view NameRule::domain() const {
	std::string_view p = pattern;
	if (kind == NameKind::one_label && p.starts_with("*."))
		p.remove_prefix(2);
	else if (kind == NameKind::many_labels && p.starts_with("**."))
		p.remove_prefix(3);
	return p;
}

nlohmann::ordered_json to_json(const CompiledPolicy& policy) {
	nlohmann::ordered_json j;
	j["schema"] = kCompiledPolicySchema;
	j["cloud"] = policy.cloud;
	j["location"] = policy.location;
	j["edition"] = policy.edition;
	j["konnectivity"] = policy.konnectivity;
	j["recommended"] = policy.recommended;
	j["features"] = policy.features;
	j["serviceTags"] = policy.service_tags;
	j["catalogRows"] = policy.catalog_rows;
	auto names = nlohmann::ordered_json::array();
	for (const auto& n : policy.names) {
		nlohmann::ordered_json r;
		r["pattern"] = n.pattern;
		r["kind"] = to_string(n.kind);
		r["ports"] = ports_json(n.ports);
		r["origins"] = n.origins;
		names.push_back(std::move(r));
	}
	j["names"] = std::move(names);
	auto cidrs = nlohmann::ordered_json::array();
	for (const auto& c : policy.cidrs) {
		nlohmann::ordered_json r;
		r["cidr"] = c.cidr.to_string();
		r["family"] = family_name(c.cidr.family);
		r["ports"] = ports_json(c.ports);
		r["origins"] = c.origins;
		r["floor"] = c.floor;
		cidrs.push_back(std::move(r));
	}
	j["cidrs"] = std::move(cidrs);
	auto warnings = nlohmann::ordered_json::array();
	for (const auto& w : policy.warnings) {
		nlohmann::ordered_json r;
		r["origin"] = w.origin;
		r["message"] = w.message;
		warnings.push_back(std::move(r));
	}
	j["warnings"] = std::move(warnings);
	return j;
}

std::string to_table(const CompiledPolicy& policy) {
	std::vector<std::array<std::string, 4>> rows;
	rows.push_back({"KIND", "DESTINATION", "PORTS", "ORIGINS"});
	for (const auto& n : policy.names)
		rows.push_back({n.kind == NameKind::exact ? "name" : "pattern", n.pattern,
		                ports_text(n.ports), join(n.origins, ",")});
	for (const auto& c : policy.cidrs)
		rows.push_back({c.floor ? "cidr/floor" : "cidr", c.cidr.to_string(), ports_text(c.ports),
		                join(c.origins, ",")});
	std::array<size_t, 3> width{};
	for (const auto& r : rows)
		for (size_t i = 0; i < width.size(); ++i)
			width[i] = std::max(width[i], r[i].size());
	std::ostringstream out;
	out << "# cloud=" << policy.cloud << " location=" << policy.location << " edition=" << policy.edition
	    << " konnectivity=" << (policy.konnectivity ? "true" : "false")
	    << " recommended=" << (policy.recommended ? "true" : "false")
	    << " features=" << join(policy.features, ",") << "\n";
	for (const auto& r : rows) {
		for (size_t i = 0; i < width.size(); ++i)
			out << r[i] << std::string(width[i] - r[i].size() + 2, ' ');
		out << r[3] << "\n";
	}
	out << "# " << policy.names.size() << " name rules, " << policy.cidrs.size() << " CIDR rules, "
	    << policy.warnings.size() << " warnings\n";
	for (const auto& w : policy.warnings)
		out << "warning: " << w.origin << ": " << w.message << "\n";
	return out.str();
}

} // namespace egress::policy
