#include "catalog_probes.h"

#include <map>

namespace egress::e2e::node {

namespace {

// A concrete name for a pattern: a wildcard's first label becomes a cluster-like label.
std::string concrete(const std::string& pattern) {
	if (pattern.rfind("**.", 0) == 0)
		return "e2e-any." + pattern.substr(3);
	if (pattern.rfind("*.", 0) == 0)
		return "aks-e2e-6f1c2d3e." + pattern.substr(2);
	return pattern;
}

bool matches(const std::string& pattern, const std::string& name) {
	auto ends_with = [&](const std::string& suffix) {
		return name.size() > suffix.size() + 1 &&
		       name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
		       name[name.size() - suffix.size() - 1] == '.';
	};
	if (pattern.rfind("**.", 0) == 0)
		return ends_with(pattern.substr(3));
	if (pattern.rfind("*.", 0) == 0) {
		std::string suffix = pattern.substr(2);
		return ends_with(suffix) &&
		       name.substr(0, name.size() - suffix.size() - 1).find('.') == std::string::npos;
	}
	return pattern == name;
}

void add(std::vector<Probe>& out, const catalog::Entry& e, const std::string& tmpl,
         const std::string& location) {
	auto pattern = catalog::expand(tmpl, {{"location", location}, {"region", location}});
	if (!pattern.ok())
		return;
	for (auto proto : e.protocols)
		for (auto port : e.ports)
			out.push_back({e.id, *pattern, concrete(*pattern), proto, port});
}

} // namespace

std::string Probe::text() const {
	return row + " " + name + " " + std::string(catalog::to_string(proto)) + "/" + std::to_string(port);
}

std::vector<catalog::Entry> rows(const catalog::Catalog& cat, catalog::Cloud cloud, catalog::Status status,
                                 const std::string& category, const std::vector<catalog::Condition>& facts) {
	catalog::Filter f;
	f.cloud = cloud;
	f.status = status;
	f.categories = {category};
	if (status == catalog::Status::current)
		f.edition = catalog::Edition::current;
	std::vector<catalog::Entry> out;
	for (auto& e : cat.select(f))
		if (e.needed(facts))
			out.push_back(std::move(e));
	return out;
}

std::vector<Probe> name_probes(const std::vector<catalog::Entry>& rows, const std::string& location) {
	std::vector<Probe> out;
	for (const auto& e : rows) {
		if (e.is_name()) {
			if (e.wildcard != catalog::WildcardDepth::label_glob)
				add(out, e, e.pattern, location);
			continue;
		}
		for (const auto& alt : e.alternatives)
			if (alt.type == catalog::AlternativeType::fqdn_hosts ||
			    alt.type == catalog::AlternativeType::fqdn_network_rule)
				for (const auto& p : alt.patterns)
					add(out, e, p, location);
	}
	return out;
}

bool covered(const Probe& probe, const std::vector<Probe>& allowed) {
	for (const auto& a : allowed)
		if (a.proto == probe.proto && a.port == probe.port && matches(a.pattern, probe.name))
			return true;
	return false;
}

} // namespace egress::e2e::node
