#include "verdict/desired_state.h"

#include <algorithm>
#include <cstring>

#include "dns/name_match.h"

namespace egress::verdict {
namespace {

struct Prefix {
	const policy::CidrRule* rule;
	uint32_t rule_id;
};

template <typename Key>
Key lpm_key(const policy::Cidr& c) {
	Key k{};
	k.prefixlen = c.prefix;
	std::memcpy(k.addr, c.bytes.data(), sizeof(k.addr));
	return k;
}

// Sorted by (address, prefix length), an LPM table lists every prefix right before the more
// specific prefixes it contains, so a stack of "open" ancestors gives each key the union of the
// ports of every prefix that covers it in O(n log n) (20k service-tag prefixes stay cheap). The
// cluster mark folds the same way: a host inside a clusterCIDR (the kube-dns service IP of
// dnsServers) is still an address of the cluster for the datapath (lib/policy.h cluster_addr).
template <typename Key>
Status fold_into(std::vector<Prefix> prefixes, uint8_t flags,
                 std::vector<std::pair<Key, egress_ports>>& out) {
	std::sort(prefixes.begin(), prefixes.end(), [](const Prefix& a, const Prefix& b) {
		if (a.rule->cidr.bytes != b.rule->cidr.bytes)
			return a.rule->cidr.bytes < b.rule->cidr.bytes;
		return a.rule->cidr.prefix < b.rule->cidr.prefix;
	});
	struct Open {
		const policy::Cidr* cidr;
		std::vector<policy::PortRange> ports; // folded
		bool cluster;                         // folded
	};
	std::vector<Open> stack;
	for (const Prefix& p : prefixes) {
		while (!stack.empty() && !stack.back().cidr->contains(p.rule->cidr))
			stack.pop_back();
		std::vector<policy::PortRange> ports = p.rule->ports;
		if (!stack.empty())
			ports.insert(ports.end(), stack.back().ports.begin(), stack.back().ports.end());
		ports = policy::normalize_ports(std::move(ports));
		bool cluster =
		    p.rule->floor && (p.rule->is_cluster() || (!stack.empty() && stack.back().cluster));
		auto value =
		    kernel_ports(ports, p.rule_id, flags | (cluster ? EGRESS_PORTS_CLUSTER : uint8_t{0}));
		if (!value.ok())
			return std::move(value).error().wrap(p.rule->cidr.to_string());
		out.emplace_back(lpm_key<Key>(p.rule->cidr), *value);
		stack.push_back({&p.rule->cidr, std::move(ports), cluster});
	}
	return ok_status();
}

egress_port_range kernel_range(const policy::PortRange& r) {
	egress_port_range k{};
	k.proto = static_cast<uint8_t>(r.proto);
	k.port_lo = r.lo;
	k.port_hi = r.hi;
	return k;
}

dns::PatternKind pattern_kind(policy::NameKind kind) {
	switch (kind) {
	case policy::NameKind::one_label:
		return dns::PatternKind::wildcard_one;
	case policy::NameKind::many_labels:
		return dns::PatternKind::wildcard_many;
	case policy::NameKind::exact:
		break;
	}
	return dns::PatternKind::exact;
}

} // namespace

Result<egress_ports> kernel_ports(const std::vector<policy::PortRange>& ports, uint32_t rule_id,
                                  uint8_t flags) {
	auto normal = policy::normalize_ports(ports);
	if (normal.size() > EGRESS_MAX_PORT_RANGES)
		return Error("ports " + policy::ports_text(normal) + ": " + std::to_string(normal.size()) +
		                 " port ranges, the datapath holds at most " +
		                 std::to_string(EGRESS_MAX_PORT_RANGES) +
		                 " per destination (merge them into wider ranges)",
		             E2BIG);
	egress_ports out{};
	out.rule_id = rule_id;
	out.flags = flags;
	out.n_ranges = static_cast<uint8_t>(normal.size());
	for (size_t i = 0; i < normal.size(); ++i)
		out.ranges[i] = kernel_range(normal[i]);
	return out;
}

std::vector<policy::PortRange> policy_ports(const egress_ports& ports) {
	std::vector<policy::PortRange> out;
	for (uint8_t i = 0; i < ports.n_ranges && i < EGRESS_MAX_PORT_RANGES; ++i)
		out.push_back({static_cast<Proto>(ports.ranges[i].proto), ports.ranges[i].port_lo,
		               ports.ranges[i].port_hi});
	return out;
}

Result<DesiredState> build_desired_state(const policy::CompiledPolicy& policy, uint64_t name_check_key,
                                         const std::vector<std::string>& query_only_suffixes) {
	DesiredState d;
	d.name_check_key = name_check_key;
	std::vector<Prefix> floor4, floor6, cidr4, cidr6;
	uint32_t id = 0;
	for (const auto& c : policy.cidrs) {
		++id;
		d.rules.push_back(
		    {c.cidr.to_string(), false, c.floor, policy::ports_text(c.ports), c.origins});
		bool v4 = c.cidr.family == Family::v4;
		auto& bucket = c.floor ? (v4 ? floor4 : floor6) : (v4 ? cidr4 : cidr6);
		bucket.push_back({&c, id});
	}
	EGRESS_TRY_CTX(fold_into(std::move(floor4), EGRESS_PORTS_FLOOR, d.floor4), "safety floor (IPv4)");
	EGRESS_TRY_CTX(fold_into(std::move(floor6), EGRESS_PORTS_FLOOR, d.floor6), "safety floor (IPv6)");
	EGRESS_TRY_CTX(fold_into(std::move(cidr4), 0, d.cidr4), "CIDR rules (IPv4)");
	EGRESS_TRY_CTX(fold_into(std::move(cidr6), 0, d.cidr6), "CIDR rules (IPv6)");

	std::vector<dns::NameRuleInput> inputs;
	for (const auto& n : policy.names) {
		++id;
		d.rules.push_back({n.pattern, true, false, policy::ports_text(n.ports), n.origins});
		auto pattern = dns::Pattern::parse(n.pattern);
		if (!pattern.ok())
			return std::move(pattern).error().wrap("name rule " + n.pattern);
		if (pattern->kind() != pattern_kind(n.kind))
			return Error("name rule " + n.pattern + ": kind " +
			             std::string(policy::to_string(n.kind)) + " disagrees with the pattern");
		auto ports = kernel_ports(n.ports, id);
		if (!ports.ok())
			return std::move(ports).error().wrap("name rule " + n.pattern);
		inputs.push_back(
		    {*pattern, id,
		     std::vector<egress_port_range>(ports->ranges, ports->ranges + ports->n_ranges)});
		if (n.kind == policy::NameKind::exact)
			d.exact_names.push_back(n.pattern);
	}
	for (const auto& suffix : query_only_suffixes) {
		for (const std::string& text : {suffix, "**." + suffix}) {
			auto pattern = dns::Pattern::parse(text);
			if (!pattern.ok())
				return std::move(pattern).error().wrap("query-only name " + text);
			++id;
			d.rules.push_back({text, true, false, "", {std::string(kQueryOnlyOrigin)}});
			inputs.push_back({*pattern, id, {}, true});
		}
	}
	auto names = dns::rule_entries(inputs, name_check_key);
	if (!names.ok())
		return std::move(names).error().wrap("name rules");
	d.names = std::move(*names);
	return d;
}

} // namespace egress::verdict
