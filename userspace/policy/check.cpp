#include "policy/check.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "dns/name_match.h"
#include "policy/compiler.h"

namespace egress::policy {

namespace {

Result<std::uint16_t> parse_port(std::string_view text) {
	unsigned v = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
	if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v == 0 || v > 65535)
		return Error("\"" + std::string(text) + "\": port out of range 1-65535");
	return static_cast<std::uint16_t>(v);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
	std::string out;
	for (size_t i = 0; i < items.size(); ++i)
		out += (i ? std::string(sep) : "") + items[i];
	return out;
}

int specificity(const dns::Pattern& p) {
	// exact > longer suffix > shorter; "*." before "**." (NameMatcher's order).
	int kind = p.kind() == dns::PatternKind::exact          ? 2
	           : p.kind() == dns::PatternKind::wildcard_one ? 1
	                                                        : 0;
	return static_cast<int>(p.suffix_labels()) * 4 + kind;
}

void explain_catalog(CheckResult& r, const catalog::Catalog& catalog, const Config& config) {
	auto vars = template_vars(config);
	for (const auto& e : catalog.entries()) {
		if (!e.is_name())
			continue;
		auto expanded = catalog::expand(e.pattern, vars);
		if (!expanded.ok())
			continue;
		auto pattern = dns::Pattern::parse(*expanded);
		if (!pattern.ok() || !pattern->matches(r.query.destination))
			continue;
		auto why = exclusion_reason(e, config);
		if (why)
			r.notes.push_back("catalog row " + e.id + " (" + *expanded + ", " +
			                  catalog::ports_text(e) + ") is left out: " + *why);
	}
}

} // namespace

Result<CheckQuery> parse_check_query(std::string_view dest, Proto proto) {
	CheckQuery q;
	q.proto = proto;
	std::string_view host = dest;
	if (dest.starts_with("[")) {
		auto close = dest.find(']');
		if (close == std::string_view::npos)
			return Error("\"" + std::string(dest) + "\": missing ']'");
		host = dest.substr(1, close - 1);
		auto rest = dest.substr(close + 1);
		if (!rest.empty()) {
			if (!rest.starts_with(":"))
				return Error("\"" + std::string(dest) + "\": expected :PORT after ']'");
			auto port = parse_port(rest.substr(1));
			if (!port.ok())
				return std::move(port).error();
			q.port = *port;
		}
	} else if (std::count(dest.begin(), dest.end(), ':') == 1) {
		auto colon = dest.find(':');
		host = dest.substr(0, colon);
		auto port = parse_port(dest.substr(colon + 1));
		if (!port.ok())
			return std::move(port).error();
		q.port = *port;
	}
	if (host.empty())
		return Error("empty destination");
	auto ip = parse_ip(host);
	if (ip.ok()) {
		q.is_address = true;
		q.address = *ip;
		q.destination = ip->to_string();
		return q;
	}
	if (host.find(':') != std::string_view::npos)
		return std::move(ip).error();
	auto name = dns::Pattern::parse(host);
	if (!name.ok() || name->is_wildcard())
		return Error("\"" + std::string(host) + "\": neither an IP address nor a valid DNS name");
	q.destination = name->to_string();
	return q;
}

std::vector<CheckMatch> covering_rules(const CompiledPolicy& policy, const CheckQuery& query) {
	std::vector<CheckMatch> out;
	auto port_ok = [&](const std::vector<PortRange>& ports) {
		if (!query.port)
			return std::any_of(ports.begin(), ports.end(), [&](const PortRange& p) {
				return p.proto == Proto::any || p.proto == query.proto;
			});
		return ports_allow(ports, query.proto, *query.port);
	};
	if (query.is_address) {
		std::vector<const CidrRule*> hits;
		for (const auto& c : policy.cidrs)
			if (c.cidr.contains(query.address))
				hits.push_back(&c);
		std::stable_sort(hits.begin(), hits.end(), [](const CidrRule* a, const CidrRule* b) {
			return a->cidr.prefix > b->cidr.prefix;
		});
		for (const auto* c : hits)
			out.push_back(CheckMatch{c->cidr.to_string(), false, c->ports, c->origins, c->floor,
			                         port_ok(c->ports)});
		return out;
	}
	std::vector<std::pair<dns::Pattern, const NameRule*>> hits;
	for (const auto& n : policy.names) {
		auto p = dns::Pattern::parse(n.pattern);
		if (p.ok() && p->matches(query.destination))
			hits.emplace_back(*p, &n);
	}
	std::stable_sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
		return specificity(a.first) > specificity(b.first);
	});
	for (const auto& [p, n] : hits)
		out.push_back(CheckMatch{n->pattern, true, n->ports, n->origins, false, port_ok(n->ports)});
	return out;
}

std::vector<std::string> check_notes(const CompiledPolicy& policy, const CheckQuery& query, bool allowed,
                                     const catalog::Catalog* catalog, const Config* config) {
	CheckResult r;
	r.query = query;
	if (query.is_address) {
		if (!allowed && covering_rules(policy, query).empty())
			r.notes.push_back(
			    "addresses learned from allowed DNS names at run time are not known offline; "
			    "ask the node: egressctl check on a running egressd");
		return r.notes;
	}
	// Near misses of wildcards: the bare domain, or more than one label under a `*.` pattern.
	auto covering = covering_rules(policy, query);
	for (const auto& n : policy.names) {
		if (n.kind == NameKind::exact)
			continue;
		std::string domain(n.domain());
		bool hit = std::any_of(covering.begin(), covering.end(),
		                       [&](const CheckMatch& m) { return m.rule == n.pattern; });
		if (domain == query.destination)
			r.notes.push_back(n.pattern + " does not cover the bare name " + query.destination +
			                  " (a wildcard needs at least one label in front)");
		else if (!hit && n.kind == NameKind::one_label && query.destination.ends_with("." + domain))
			r.notes.push_back(n.pattern + " covers exactly one label in front of " + domain +
			                  ", not " + query.destination);
	}
	if (!allowed && catalog && config)
		explain_catalog(r, *catalog, *config);
	return r.notes;
}

nlohmann::ordered_json to_json(const CheckResult& r) {
	nlohmann::ordered_json j;
	j["destination"] = r.query.destination;
	j["type"] = r.query.is_address ? "address" : "name";
	j["proto"] = proto_name(r.query.proto);
	j["port"] = r.query.port ? nlohmann::ordered_json(*r.query.port) : nlohmann::ordered_json(nullptr);
	j["verdict"] = r.allowed ? "allowed" : "denied";
	j["reason"] = r.reason;
	auto matches = nlohmann::ordered_json::array();
	for (const auto& m : r.matches) {
		nlohmann::ordered_json o;
		o["rule"] = m.rule;
		o["type"] = m.is_name ? "name" : "cidr";
		o["ports"] = nlohmann::ordered_json::array();
		for (const auto& p : m.ports)
			o["ports"].push_back(p.to_string());
		o["origins"] = m.origins;
		o["floor"] = m.floor;
		o["portAllowed"] = m.port_allowed;
		matches.push_back(std::move(o));
	}
	j["matches"] = std::move(matches);
	j["notes"] = r.notes;
	return j;
}

std::string to_text(const CheckResult& r) {
	std::ostringstream s;
	std::string what = r.query.destination;
	if (r.query.port)
		what += " " + std::string(proto_name(r.query.proto)) + "/" + std::to_string(*r.query.port);
	else
		what += " (" + std::string(proto_name(r.query.proto)) + ", any port)";
	auto m = std::find_if(r.matches.begin(), r.matches.end(),
	                      [](const CheckMatch& x) { return x.port_allowed; });
	if (r.allowed && m != r.matches.end()) {
		s << "allowed: " << what << " by " << m->rule << " [" << ports_text(m->ports) << "] from "
		  << join(m->origins, ", ") << "\n";
	} else if (r.allowed) {
		s << "allowed: " << what << " (" << r.reason << ")\n";
	} else if (r.reason == "name_not_learnable") {
		s << "denied: " << what << ": the kernel never learns this name\n";
	} else if (r.matches.empty()) {
		s << "denied: " << what << ": no rule covers this "
		  << (r.query.is_address ? "address" : "name") << "\n";
	} else {
		s << "denied: " << what << ": covered, but not on this protocol/port\n";
		for (const auto& m : r.matches)
			s << "  " << m.rule << " allows only " << ports_text(m.ports) << " (from "
			  << join(m.origins, ", ") << ")\n";
	}
	for (const auto& n : r.notes)
		s << "  note: " << n << "\n";
	return s.str();
}

} // namespace egress::policy
