// The kernel's desired state for a compiled policy: the exact contents of the floor and CIDR LPM
// maps and of the name-rule map, plus the rule table that turns a map value's rule_id back into
// the rule it came from. Pure: no libbpf, no clock, same policy gives byte-identical entries.
//
// Folding (why a value carries more ports than its own rule): an LPM lookup returns only the
// longest matching prefix, and the kernel does not walk further up the trie. So the value of every
// key holds the union of its own ports and those of every less specific prefix of the same map that
// contains it (10.0.0.0/8 tcp/443 + 10.1.0.0/16 udp/53 -> the /16 key allows both). The floor and
// the CIDR maps are separate lookups in the kernel (floor first, then learned, then CIDR), so each
// is folded within itself. The name-rule map is folded by dns::rule_entries the same way.
//
// Rule ids: 1-based, CIDR rules first in policy order, then name rules in policy order; 0 is "no
// rule". They are local to one policy generation (a reload renumbers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <egress/abi.h>

#include "common/result.h"
#include "dns/name_rules.h"
#include "policy/compiled_policy.h"

namespace egress::verdict {

struct RuleRef {
	std::string destination; // "10.0.0.0/8" or "*.blob.core.windows.net"
	bool is_name = false;
	bool floor = false;
	std::string ports; // "tcp/443,udp/123"
	std::vector<std::string> origins;
};

struct DesiredState {
	std::vector<std::pair<egress_lpm4_key, egress_ports>> floor4, cidr4;
	std::vector<std::pair<egress_lpm6_key, egress_ports>> floor6, cidr6;
	std::vector<dns::NameRuleEntry> names; // egress_names (hashed with name_check_key)
	uint64_t name_check_key = 0;
	// egress_dns_srv4/6, sorted and unique. Not derived from the policy: the daemon fills it
	// (trusted_resolvers.h) from dnsServers and the node's resolv.conf.
	std::vector<IpAddress> resolvers;
	std::vector<std::string> exact_names; // what the resolver keeps resolved
	std::vector<RuleRef> rules;           // rules[rule_id - 1]

	const RuleRef* rule(uint32_t rule_id) const {
		return rule_id >= 1 && rule_id <= rules.size() ? &rules[rule_id - 1] : nullptr;
	}
};

// Ports of a rule as the kernel stores them. Error: more than EGRESS_MAX_PORT_RANGES ranges after
// normalisation (never truncated: a truncated list would silently deny).
Result<egress_ports> kernel_ports(const std::vector<policy::PortRange>& ports, uint32_t rule_id,
                                  uint8_t flags = 0);
std::vector<policy::PortRange> policy_ports(const egress_ports& ports);

// The origin of the name-rule entries of query_only_suffixes (verdict/query_names.h).
inline constexpr std::string_view kQueryOnlyOrigin = "dns:query-only";

// `name_check_key` is the key of the name-rule map's check hash (include/egress/name_hash.h): the
// one in the kernel's egress_dns_cfg (check_key.h), or the kernel rejects every entry.
// `query_only_suffixes` (query_only_names()) become name-rule entries of their own, each suffix
// exactly and with every name below it, after the policy's rules.
Result<DesiredState> build_desired_state(const policy::CompiledPolicy& policy, uint64_t name_check_key = 0,
                                         const std::vector<std::string>& query_only_suffixes = {});

} // namespace egress::verdict
