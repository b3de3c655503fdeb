#include "policy/compiler.h"

#include <algorithm>
#include <map>
#include <set>

#include "egress/abi.h"

namespace egress::policy {

namespace {

using catalog::AlternativeType;
using catalog::Condition;
using catalog::Entry;

// Accumulates rules keyed by destination, merging ports and origins, then emits them sorted.
class Builder {
public:
	void add_name(const std::string& pattern, const std::vector<PortRange>& ports,
	              const std::string& origin) {
		auto& slot = names_[pattern];
		slot.ports.insert(slot.ports.end(), ports.begin(), ports.end());
		slot.origins.insert(origin);
	}
	void add_cidr(const Cidr& cidr, const std::vector<PortRange>& ports, const std::string& origin,
	              bool floor = false) {
		auto& slot = cidrs_[cidr];
		slot.ports.insert(slot.ports.end(), ports.begin(), ports.end());
		slot.origins.insert(origin);
		slot.floor = slot.floor || floor;
	}
	void warn(std::string origin, std::string message) {
		warnings_.insert(PolicyWarning{std::move(origin), std::move(message)});
	}
	void used(const std::string& row) { rows_.insert(row); }

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
	}

private:
	struct Slot {
		std::vector<PortRange> ports;
		std::set<std::string> origins;
		bool floor = false;
	};

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

// The "any address" fallback chain of a tunnel-style row (see compiler.h).
Status add_any_address_row(Builder& b, const Entry& e, const std::vector<PortRange>& ports,
                           const Config& config, const ServiceTags* tags) {
	bool has_region =
	    std::any_of(e.alternatives.begin(), e.alternatives.end(), [](const catalog::Alternative& a) {
		    return a.type == AlternativeType::region_cidrs ||
		           (a.type == AlternativeType::service_tag && a.value.starts_with("AzureCloud."));
	    });
	if (tags && has_region) {
		auto tag = region_tag(*tags, config.cloud, config.location);
		if (!tag.ok())
			return std::move(tag).error().wrap("serviceTags (needed by " + e.id + ")");
		for (const auto& prefix : (*tag)->prefixes)
			b.add_cidr(prefix, ports, e.id);
		b.used(e.id);
		return ok_status();
	}
	bool has_api =
	    std::any_of(e.alternatives.begin(), e.alternatives.end(), [](const catalog::Alternative& a) {
		    return a.type == AlternativeType::api_server_public_ip;
	    });
	std::string why = has_region ? "no ServiceTags input (serviceTags / --service-tags) for AzureCloud." +
	                                   config.location + ": "
	                             : "";
	if (has_api && !config.api_server.ips.empty()) {
		for (const auto& ip : config.api_server.ips)
			b.add_cidr(host_cidr(ip), ports, e.id);
		b.used(e.id);
		if (has_region)
			b.warn(e.id, why + "allowed to the API server IPs only");
		return ok_status();
	}
	if (has_api && !config.api_server.fqdn.empty()) {
		b.add_name(config.api_server.fqdn, ports, e.id);
		b.used(e.id);
		b.warn(e.id, why + "allowed to the API server name " + config.api_server.fqdn + " only");
		return ok_status();
	}
	if (has_api)
		b.warn(e.id, why +
		                 "'any address' cannot be enforced and {APIServerPublicIP} is unknown (set "
		                 "apiServer.ips or apiServer.fqdn): " +
		                 ports_text(ports) + " not allowed");
	else
		b.warn(e.id, "'any address' cannot be enforced as a CIDR: " + ports_text(ports) +
		                 " not allowed (an allow rule can add the real destinations)");
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
		if (!config.api_server.ips.empty()) {
			for (const auto& ip : config.api_server.ips)
				b.add_cidr(host_cidr(ip), ports, e.id);
			b.used(e.id);
		} else if (!config.api_server.fqdn.empty()) {
			b.add_name(config.api_server.fqdn, ports, e.id);
			b.used(e.id);
			b.warn(e.id, "{APIServerPublicIP} unknown: allowed to the API server name " +
			                 config.api_server.fqdn);
		} else {
			b.warn(e.id, "{APIServerPublicIP} unknown (set apiServer.ips): " + ports_text(ports) +
			                 " not allowed");
		}
		return ok_status();
	}
	// A service tag other than AzureCloud.<region> (AzureMonitor) is the docs' alternative to the name
	// rows of the same feature, which are compiled: expanding the tag too would only widen the policy.
	// An operator who prefers the tag writes `allow: [{serviceTag: AzureMonitor, ...}]`.
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

void add_floor(Builder& b, const Config& config) {
	auto any = std::vector<PortRange>{PortRange{}};
	auto floor_cidr = [&](std::string_view text, const std::string& origin,
	                      const std::vector<PortRange>& ports) {
		auto c = parse_cidr(text);
		if (c.ok())
			b.add_cidr(*c, ports, origin, true);
	};
	floor_cidr("127.0.0.0/8", "floor:loopback", any);
	floor_cidr("::1/128", "floor:loopback", any);
	floor_cidr("169.254.169.254/32", "floor:imds", any);
	floor_cidr("168.63.129.16/32", "floor:azure-platform", any);
	for (const auto& c : config.cluster_cidrs)
		b.add_cidr(c, any, "floor:clusterCIDRs", true);
	std::vector<PortRange> dns = {PortRange{Proto::tcp, 53, 53}, PortRange{Proto::udp, 53, 53}};
	for (const auto& ip : config.dns_servers)
		b.add_cidr(host_cidr(ip), dns, "floor:dnsServers", true);
	for (const auto& ip : config.api_server.ips)
		b.add_cidr(host_cidr(ip), any, "floor:apiServer", true);
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
			for (const auto& prefix : tag->prefixes)
				b.add_cidr(prefix, rule.ports, origin);
			break;
		}
		}
	}
	return ok_status();
}

} // namespace

catalog::Cloud catalog_cloud(Cloud cloud) {
	switch (cloud) {
	case Cloud::azure_cloud:
		return catalog::Cloud::azure_cloud;
	case Cloud::azure_china_cloud:
		return catalog::Cloud::azure_china_cloud;
	case Cloud::azure_us_government:
		return catalog::Cloud::azure_us_government;
	}
	return catalog::Cloud::azure_cloud;
}

catalog::Edition catalog_edition(Edition edition) {
	return edition == Edition::v2020 ? catalog::Edition::v2020 : catalog::Edition::current;
}

std::map<std::string, std::string> template_vars(const Config& config) {
	return {{"location", config.location},
	        {"region", config.location},
	        {"cluster-region-name", config.location}};
}

std::optional<std::string> exclusion_reason(const Entry& e, const Config& config) {
	auto cloud = catalog_cloud(config.cloud);
	if (!e.applies_to(cloud))
		return "the row is for " + std::string(catalog::to_string(e.cloud)) +
		       ", the config's cloud is " + std::string(cloud_name(config.cloud));
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
	out.cloud = std::string(cloud_name(config.cloud));
	out.location = config.location;
	out.edition = std::string(edition_name(config.edition));
	out.konnectivity = config.konnectivity;
	out.recommended = config.recommended;
	out.features = config.features;
	if (tags)
		out.service_tags = tags->cloud + " changeNumber " + std::to_string(tags->change_number);

	Builder b;
	auto vars = template_vars(config);
	for (const auto& e : catalog.entries()) {
		if (exclusion_reason(e, config))
			continue;
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
	EGRESS_TRY_CTX(add_allow_rules(b, config, tags), "allow");
	add_floor(b, config);
	b.finish(out);
	return out;
}

} // namespace egress::policy
