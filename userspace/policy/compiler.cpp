#include "policy/compiler.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "egress/abi.h"

namespace egress::policy {

namespace {

using catalog::AlternativeType;
using catalog::Condition;
using catalog::Entry;

// Accumulates rules keyed by destination, merging ports and origins, then emits them sorted; and
// keeps each grant as its input made it (CompiledPolicy::grants, what the exporters read).
class Builder {
public:
	void add_name(const std::string& pattern, const std::vector<PortRange>& ports,
	              const std::string& origin, bool node_only = false) {
		auto& slot = names_[pattern];
		slot.ports.insert(slot.ports.end(), ports.begin(), ports.end());
		slot.origins.insert(origin);
		grant(Grant::Kind::name, origin, pattern, ports, node_only, true);
	}
	void add_cidr(const Cidr& cidr, const std::vector<PortRange>& ports, const std::string& origin,
	              bool floor = false, bool node_only = false) {
		merge_cidr(cidr, ports, origin, floor);
		grant(Grant::Kind::cidr, origin, cidr.to_string(), ports, node_only, true);
	}
	// A service tag of the ServiceTags input: its prefixes for the datapath, one grant for exporters.
	void add_tag(const ServiceTag& tag, const std::vector<PortRange>& ports, const std::string& origin) {
		for (const auto& prefix : tag.prefixes)
			merge_cidr(prefix, ports, origin, false);
		grant(Grant::Kind::service_tag, origin, tag.name, ports, false, true);
	}
	// A tag the node does not expand (no ServiceTags input, or a tag the docs offer as an alternative
	// to name rows): nothing for the datapath, a grant for an enforcer that knows tags natively.
	void add_unexpanded_tag(const std::string& name, const std::vector<PortRange>& ports,
	                        const std::string& origin) {
		grant(Grant::Kind::service_tag, origin, name, ports, false, false);
	}
	void warn(std::string origin, std::string message) {
		warnings_.insert(PolicyWarning{std::move(origin), std::move(message)});
	}
	void used(const std::string& row) { rows_.insert(row); }
	bool was_used(const std::string& row) const { return rows_.count(row) != 0; }

	void finish(CompiledPolicy& out) {
		for (auto& [pattern, slot] : names_) {
			NameRule r;
			r.pattern = pattern;
			r.kind = pattern.starts_with("**.")  ? NameKind::many_labels
			         : pattern.starts_with("*.") ? NameKind::one_label
			                                     : NameKind::exact;
			r.ports = normalize_ports(std::move(slot.ports));
			r.origins.assign(slot.origins.begin(), slot.origins.end());
			check_port_budget(r.pattern, r.ports);
			out.names.push_back(std::move(r));
		}
		for (auto& [cidr, slot] : cidrs_) {
			CidrRule r;
			r.cidr = cidr;
			r.ports = normalize_ports(std::move(slot.ports));
			r.origins.assign(slot.origins.begin(), slot.origins.end());
			r.floor = slot.floor;
			check_port_budget(cidr.to_string(), r.ports);
			out.cidrs.push_back(std::move(r));
		}
		out.warnings.assign(warnings_.begin(), warnings_.end());
		out.catalog_rows.assign(rows_.begin(), rows_.end());
		for (auto& g : grants_) {
			g.ports = normalize_ports(std::move(g.ports));
			out.grants.push_back(std::move(g));
		}
	}

private:
	struct Slot {
		std::vector<PortRange> ports;
		std::set<std::string> origins;
		bool floor = false;
	};

	void merge_cidr(const Cidr& cidr, const std::vector<PortRange>& ports, const std::string& origin,
	                bool floor) {
		auto& slot = cidrs_[cidr];
		slot.ports.insert(slot.ports.end(), ports.begin(), ports.end());
		slot.origins.insert(origin);
		slot.floor = slot.floor || floor;
	}

	// One grant per (origin, kind, destination); a repeat adds its ports.
	void grant(Grant::Kind kind, const std::string& origin, const std::string& destination,
	           const std::vector<PortRange>& ports, bool node_only, bool expanded) {
		auto key = std::make_tuple(origin, static_cast<int>(kind), destination);
		auto [it, fresh] = grant_index_.try_emplace(key, grants_.size());
		if (fresh)
			grants_.push_back(Grant{kind, origin, destination, {}, node_only, expanded});
		auto& g = grants_[it->second];
		g.ports.insert(g.ports.end(), ports.begin(), ports.end());
	}

	// The datapath carries at most EGRESS_MAX_PORT_RANGES ranges per destination.
	void check_port_budget(const std::string& what, const std::vector<PortRange>& ports) {
		if (ports.size() > EGRESS_MAX_PORT_RANGES)
			warn(what, std::to_string(ports.size()) + " port ranges; the datapath holds " +
			               std::to_string(EGRESS_MAX_PORT_RANGES) + " per destination");
	}

	std::map<std::string, Slot> names_;
	std::map<Cidr, Slot> cidrs_;
	std::set<PolicyWarning> warnings_;
	std::set<std::string> rows_;
	std::vector<Grant> grants_;
	std::map<std::tuple<std::string, int, std::string>, std::size_t> grant_index_;
};

std::vector<PortRange> entry_ports(const Entry& e) {
	std::vector<PortRange> out;
	for (auto proto : e.protocols)
		for (auto port : e.ports)
			out.push_back(
			    PortRange{proto == catalog::Protocol::tcp ? Proto::tcp : Proto::udp, port, port});
	return out;
}

Cidr host_cidr(const IpAddress& ip) {
	Cidr c;
	c.family = ip.family;
	c.bytes = ip.bytes;
	c.prefix = ip.family == Family::v4 ? 32 : 128;
	return c;
}

bool in_localdns_range(const IpAddress& ip) {
	return ip.family == Family::v4 && ip.bytes[0] == 169 && ip.bytes[1] == 254 && ip.bytes[2] == 10;
}

// Custom DNS: a resolver that is neither Azure DNS, LocalDNS nor inside the cluster (kube-dns).
bool is_custom_dns(const IpAddress& ip, const Config& config) {
	if (ip.to_string() == "168.63.129.16" || in_localdns_range(ip))
		return false;
	return std::none_of(config.cluster_cidrs.begin(), config.cluster_cidrs.end(),
	                    [&](const Cidr& c) { return c.contains(ip); });
}

std::vector<Condition> cluster_facts(const Config& config) {
	std::vector<Condition> facts;
	if (config.konnectivity)
		facts.push_back(Condition::konnectivity);
	auto custom = [&](const IpAddress& ip) { return is_custom_dns(ip, config); };
	if (std::any_of(config.dns_servers.begin(), config.dns_servers.end(), custom))
		facts.push_back(Condition::custom_dns);
	if (!config.api_server.ips.empty())
		facts.push_back(Condition::api_server_by_ip);
	if (std::any_of(config.dns_servers.begin(), config.dns_servers.end(), in_localdns_range))
		facts.push_back(Condition::localdns);
	return facts;
}

std::set<std::string> enabled_categories(const Config& config) {
	std::set<std::string> out;
	for (const auto& f : config.features) {
		if (const Feature* known = find_feature(f))
			out.insert(std::string(known->catalog_category));
		else
			out.insert("feature:" + catalog::canonical_feature(f));
	}
	return out;
}

bool is_tunnel_row(const Entry& e) {
	bool any = false, api = false;
	for (const auto& a : e.alternatives) {
		any = any || a.type == AlternativeType::any;
		api = api || a.type == AlternativeType::api_server_public_ip;
	}
	return e.kind == catalog::Kind::network && any && api;
}

// Name rows and name alternatives: expand templates, normalise, add.
void add_pattern(Builder& b, const std::string& tmpl, const std::vector<PortRange>& ports,
                 const std::string& origin, const std::map<std::string, std::string>& vars) {
	auto expanded = catalog::expand(tmpl, vars);
	if (!expanded.ok()) {
		b.warn(origin, "cannot fill " + tmpl + ": " + expanded.error().to_string());
		return;
	}
	auto name = normalize_fqdn(*expanded, true);
	if (!name.ok()) {
		b.warn(origin, "not a usable name: " + name.error().to_string());
		return;
	}
	b.add_name(*name, ports, origin);
	b.used(origin);
}

bool has_alternative(const Entry& e, AlternativeType t) {
	return std::any_of(e.alternatives.begin(), e.alternatives.end(),
	                   [t](const catalog::Alternative& a) { return a.type == t; });
}

bool has_region_alternative(const Entry& e) {
	return std::any_of(e.alternatives.begin(), e.alternatives.end(), [](const catalog::Alternative& a) {
		return a.type == AlternativeType::region_cidrs ||
		       (a.type == AlternativeType::service_tag && a.value.starts_with("AzureCloud."));
	});
}

// What the config can add so that row `e` compiles to something (warnings, the enforce-mode error).
std::string satisfied_by(const Entry& e) {
	std::vector<std::string> ways;
	if (has_region_alternative(e))
		ways.push_back(
		    "serviceTags: a ServiceTags file or extract holding the region's AzureCloud tag");
	if (has_alternative(e, AlternativeType::api_server_public_ip))
		ways.push_back("apiServer.ips or apiServer.fqdn");
	if (has_alternative(e, AlternativeType::placeholder_ip))
		ways.push_back("dnsServers: the custom DNS servers");
	if (e.wildcard == catalog::WildcardDepth::label_glob)
		ways.push_back("allow rules for the concrete names");
	std::string out;
	for (const auto& w : ways)
		out += (out.empty() ? "set " : ", or ") + w;
	if (out.empty())
		out = "an allow rule for the real destinations on " + ports_text(entry_ports(e)) +
		      " (a cidr rule 0.0.0.0/0 and ::/0 grants what the row literally says)";
	return out;
}

// The API server's addresses and name for a row that names {APIServerPublicIP}; false when the
// config knows neither.
bool add_api_server(Builder& b, const Entry& e, const std::vector<PortRange>& ports, const Config& config) {
	for (const auto& ip : config.api_server.ips)
		b.add_cidr(host_cidr(ip), ports, e.id);
	if (!config.api_server.fqdn.empty())
		b.add_name(config.api_server.fqdn, ports, e.id);
	return !config.api_server.ips.empty() || !config.api_server.fqdn.empty();
}

// A tunnel-style "any address" row (see compiler.h): the AzureCloud.<region> tag when the
// ServiceTags input has it, and the API server's IPs and name when the config knows them.
Status add_any_address_row(Builder& b, const Entry& e, const std::vector<PortRange>& ports,
                           const Config& config, const ServiceTags* tags) {
	bool has_region = has_region_alternative(e);
	bool has_api = has_alternative(e, AlternativeType::api_server_public_ip);
	const catalog::Region* region = catalog::find_region(config.cloud, config.location);
	bool covered = false;
	if (has_region && tags) {
		auto tag = region_tag(*tags, config.cloud, config.location);
		if (!tag.ok())
			return std::move(tag).error().wrap("serviceTags (needed by " + e.id + ")");
		b.add_tag(**tag, ports, e.id);
		covered = true;
	} else if (has_region && region) {
		b.add_unexpanded_tag(catalog::region_tag_name(*region), ports, e.id);
	}
	if (has_api && add_api_server(b, e, ports, config)) {
		bool ips = !config.api_server.ips.empty(), name = !config.api_server.fqdn.empty();
		if (has_region && !tags)
			b.warn(e.id,
			       "no ServiceTags input (serviceTags / --service-tags) for " +
			           (region ? catalog::region_tag_name(*region) : std::string("the region")) +
			           ": allowed to the API server " +
			           (ips && name ? "IPs and name "
			            : ips       ? "IPs "
			                        : "name ") +
			           (name ? config.api_server.fqdn + " " : "") + "only");
		covered = true;
	}
	if (covered) {
		b.used(e.id);
		return ok_status();
	}
	b.warn(e.id, "'any address' cannot be enforced as a CIDR: " + ports_text(ports) + " not allowed (" +
	                 satisfied_by(e) + ")");
	return ok_status();
}

Status add_network_row(Builder& b, const Entry& e, const Config& config, const ServiceTags* tags,
                       const std::map<std::string, std::string>& vars) {
	auto ports = entry_ports(e);
	auto of_type = [&](AlternativeType t) {
		std::vector<const catalog::Alternative*> out;
		for (const auto& a : e.alternatives)
			if (a.type == t)
				out.push_back(&a);
		return out;
	};
	auto literal = [&](AlternativeType t) {
		bool added = false;
		for (const auto* a : of_type(t)) {
			auto text = catalog::expand(a->value, vars);
			if (!text.ok()) {
				b.warn(e.id,
				       "cannot fill " + a->value + " (" + text.error().to_string() + ")");
				continue;
			}
			auto cidr = parse_cidr(*text, HostBits::mask);
			if (!cidr.ok()) {
				b.warn(e.id, "not an address: " + cidr.error().to_string());
				continue;
			}
			b.add_cidr(*cidr, ports, e.id);
			added = true;
		}
		if (added)
			b.used(e.id);
		return added;
	};
	// The narrowest alternative that the config lets us express wins.
	if (literal(AlternativeType::ip) || literal(AlternativeType::cidr))
		return ok_status();
	if (!of_type(AlternativeType::placeholder_ip).empty()) {
		if (config.dns_servers.empty()) {
			b.warn(e.id, "needs the custom DNS servers (dnsServers)");
			return ok_status();
		}
		for (const auto& ip : config.dns_servers)
			if (is_custom_dns(ip, config))
				b.add_cidr(host_cidr(ip), ports, e.id);
		b.used(e.id);
		return ok_status();
	}
	auto names = of_type(AlternativeType::fqdn_network_rule);
	for (const auto* a : of_type(AlternativeType::fqdn_hosts))
		names.push_back(a);
	if (!names.empty()) {
		for (const auto* a : names) {
			if (a->patterns.empty())
				add_pattern(b, a->value, ports, e.id, vars);
			for (const auto& p : a->patterns)
				add_pattern(b, p, ports, e.id, vars);
		}
		return ok_status();
	}
	if (!of_type(AlternativeType::any).empty() || !of_type(AlternativeType::region_cidrs).empty())
		return add_any_address_row(b, e, ports, config, tags);
	if (!of_type(AlternativeType::api_server_public_ip).empty()) {
		if (add_api_server(b, e, ports, config))
			b.used(e.id);
		else
			b.warn(e.id, "{APIServerPublicIP} unknown: " + ports_text(ports) + " not allowed (" +
			                 satisfied_by(e) + ")");
		return ok_status();
	}
	// A service tag other than AzureCloud.<region> (AzureMonitor) is the docs' alternative to the name
	// rows of the same feature, which are compiled: expanding the tag too would only widen the policy.
	// An operator who prefers the tag writes `allow: [{serviceTag: AzureMonitor, ...}]`. The grant
	// stays for exporters to firewalls that know the tag natively.
	for (const auto* a : of_type(AlternativeType::service_tag))
		b.add_unexpanded_tag(a->value, ports, e.id);
	return ok_status();
}

void add_name_row(Builder& b, const Entry& e, const std::map<std::string, std::string>& vars) {
	if (e.wildcard == catalog::WildcardDepth::label_glob) {
		b.warn(e.id, "'" + e.pattern +
		                 "' has a wildcard inside a label, which name rules cannot express; "
		                 "add the concrete names with allow");
		return;
	}
	add_pattern(b, e.pattern, entry_ports(e), e.id, vars);
}

// In enforce mode a row the cluster needs that compiled to nothing would be a silent outage: refuse
// the policy and say, per row, what would satisfy it (audit mode keeps the warnings only).
Status check_nothing_vanished(const Builder& b, const std::vector<const Entry*>& rows) {
	std::string missing;
	for (const Entry* e : rows)
		if (!b.was_used(e->id))
			missing += (missing.empty() ? "" : "; ") + e->id + " (" + e->category + ", " +
			           ports_text(entry_ports(*e)) + "): " + satisfied_by(*e);
	if (missing.empty())
		return ok_status();
	return Error("mode enforce: catalog rows this cluster needs compile to nothing, so their traffic "
	             "would be dropped: " +
	                 missing + " (or run in mode audit)",
	             EINVAL);
}

void add_floor(Builder& b, const Config& config) {
	auto any = std::vector<PortRange>{PortRange{}};
	auto floor_cidr = [&](std::string_view text, const std::string& origin,
	                      const std::vector<PortRange>& ports) {
		auto c = parse_cidr(text);
		if (c.ok())
			b.add_cidr(*c, ports, origin, true, true);
	};
	floor_cidr("127.0.0.0/8", "floor:loopback", any);
	floor_cidr("::1/128", "floor:loopback", any);
	floor_cidr("169.254.169.254/32", "floor:imds", any);
	floor_cidr("168.63.129.16/32", "floor:azure-platform", any);
	for (const auto& c : config.cluster_cidrs)
		b.add_cidr(c, any, std::string(kClusterCidrsOrigin), true, true);
	std::vector<PortRange> dns = {PortRange{Proto::tcp, 53, 53}, PortRange{Proto::udp, 53, 53}};
	for (const auto& ip : config.dns_servers)
		b.add_cidr(host_cidr(ip), dns, "floor:dnsServers", true, true);
	// The API server is reached through the node's own egress, and a firewall in front of the
	// cluster must pass it too (not node-only). Its name is resolved like every exact name.
	for (const auto& ip : config.api_server.ips)
		b.add_cidr(host_cidr(ip), any, "floor:apiServer", true);
	if (!config.api_server.fqdn.empty())
		b.add_name(config.api_server.fqdn, {PortRange{Proto::tcp, 443, 443}}, "floor:apiServer");
}

Status add_allow_rules(Builder& b, const Config& config, const ServiceTags* tags) {
	for (const auto& rule : config.allow) {
		std::string origin = "config:" + rule.id;
		switch (rule.kind) {
		case AllowRule::Kind::fqdn:
			b.add_name(rule.fqdn, rule.ports, origin);
			break;
		case AllowRule::Kind::cidr:
			b.add_cidr(rule.cidr, rule.ports, origin);
			break;
		case AllowRule::Kind::service_tag: {
			if (!tags)
				return Error(
				    "allow rule " + rule.id + " names service tag " + rule.service_tag +
				    ", but there is no ServiceTags input (serviceTags / --service-tags)");
			const ServiceTag* tag = find_tag(*tags, rule.service_tag);
			if (!tag)
				return Error("allow rule " + rule.id + ": service tag " + rule.service_tag +
				             " is not in the ServiceTags input");
			b.add_tag(*tag, rule.ports, origin);
			break;
		}
		}
	}
	return ok_status();
}

} // namespace

catalog::Edition catalog_edition(Edition edition) {
	return edition == Edition::v2020 ? catalog::Edition::v2020 : catalog::Edition::current;
}

std::map<std::string, std::string> template_vars(const Config& config) {
	return {{"location", config.location},
	        {"region", config.location},
	        {"cluster-region-name", config.location}};
}

std::optional<std::string> exclusion_reason(const Entry& e, const Config& config) {
	if (!e.applies_to(config.cloud))
		return "the row is for " + std::string(catalog::to_string(e.cloud)) +
		       ", the config's cloud is " + std::string(catalog::to_string(config.cloud));
	auto edition = catalog_edition(config.edition);
	if (!e.in_edition(edition))
		return "the row is not part of the " + std::string(edition_name(config.edition)) +
		       " edition (status " + std::string(catalog::to_string(e.status)) + ")";
	const std::string& cat = e.category;
	if (cat == "recommended") {
		if (!config.recommended)
			return std::string("a recommended row, and the config has recommended: false");
	} else if (e.is_feature()) {
		if (!enabled_categories(config).count(cat))
			return "feature " + std::string(e.feature_name()) + " is not enabled (features)";
	} else if (cat != "required" && cat != "conditional" && cat != "platform-local") {
		return "category " + cat + " is never allowed by default (add an allow rule)";
	}
	auto facts = cluster_facts(config);
	if (!e.needed(facts)) {
		std::string why;
		for (auto c : e.needed_unless)
			if (std::find(facts.begin(), facts.end(), c) != facts.end())
				why += (why.empty() ? "" : ", ") + std::string(catalog::to_string(c));
		if (!why.empty())
			return "not needed when " + why + " holds";
		std::string need;
		for (auto c : e.needed_only_if)
			need += (need.empty() ? "" : " or ") + std::string(catalog::to_string(c));
		return "needed only with " + need + ", which the config does not state";
	}
	return std::nullopt;
}

Result<CompiledPolicy> compile(const Config& config, const catalog::Catalog& catalog,
                               const ServiceTags* tags) {
	CompiledPolicy out;
	out.cloud = std::string(catalog::to_string(config.cloud));
	out.location = config.location;
	out.edition = std::string(edition_name(config.edition));
	out.konnectivity = config.konnectivity;
	out.recommended = config.recommended;
	out.features = config.features;
	if (tags)
		out.service_tags = tags->cloud + " changeNumber " + std::to_string(tags->change_number);

	Builder b;
	auto vars = template_vars(config);
	std::vector<const Entry*>
	    must_compile; // rows this cluster needs: they may not vanish in enforce mode
	for (const auto& e : catalog.entries()) {
		if (exclusion_reason(e, config))
			continue;
		if (e.category == "required" || e.category == "conditional")
			must_compile.push_back(&e);
		if (config.konnectivity && is_tunnel_row(e) &&
		    std::find(e.needed_unless.begin(), e.needed_unless.end(), Condition::konnectivity) ==
		        e.needed_unless.end())
			b.warn(e.id, "kept although konnectivity is on: the " +
			                 std::string(catalog::to_string(e.cloud)) +
			                 " table prints no konnectivity exemption for this tunnel row");
		if (e.is_name())
			add_name_row(b, e, vars);
		else
			EGRESS_TRY_CTX(add_network_row(b, e, config, tags, vars), "catalog row " + e.id);
	}
	if (config.mode == Mode::enforce)
		EGRESS_TRY(check_nothing_vanished(b, must_compile));
	EGRESS_TRY_CTX(add_allow_rules(b, config, tags), "allow");
	add_floor(b, config);
	b.finish(out);
	for (auto& g : out.grants)
		if (const Entry* e = catalog.find(g.origin); e && e->category == "platform-local")
			g.node_only = true;
	return out;
}

} // namespace egress::policy
