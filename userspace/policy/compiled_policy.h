// The compiled policy: what the compiler produces from config + catalog + service tags, and what
// every consumer reads (the daemon's desired state, `egressctl render`, the exporters, `check`).
//
// Contract:
//  - plain data, already normalised: names lower case without a trailing dot, CIDRs canonical
//    (host bits clear), port lists sorted and merged, origins sorted and unique;
//  - deterministic: names sorted by pattern, CIDRs by (family, address, prefix); each destination
//    appears once, carrying the union of the ports and origins of every input that produced it;
//  - every rule says where it came from: a catalog row id, `config:allow[N]` (`config:<name>` for
//    an allow rule with a `name`) or `floor:<what>`.
// The types are the datapath's shapes already: a CIDR rule is {family, prefix bytes, prefix length,
// port ranges (IANA proto, lo, hi)}, a name rule {pattern, kind exact/one/many, port ranges}.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/net_types.h"

namespace egress::policy {

// Sorts, merges overlapping or adjacent ranges of one protocol, and drops what an any-protocol
// range already covers ("any" alone absorbs everything).
std::vector<PortRange> normalize_ports(std::vector<PortRange> ports);
bool ports_allow(const std::vector<PortRange>& ports, Proto proto, std::uint16_t port);
std::string ports_text(const std::vector<PortRange>& ports); // "tcp/443,udp/123"

enum class NameKind : std::uint8_t {
	exact,       // "mcr.microsoft.com"
	one_label,   // "*.hcp.eastus.azmk8s.io": exactly one label in front of the domain
	many_labels, // "**.mp.microsoft.com": one or more labels in front of the domain
};
std::string_view to_string(NameKind kind); // "exact" | "one" | "many"

struct NameRule {
	std::string pattern; // "x.y", "*.x.y" or "**.x.y" (lower case, no trailing dot)
	NameKind kind = NameKind::exact;
	std::vector<PortRange> ports;
	std::vector<std::string> origins;

	// The name without its wildcard prefix ("hcp.eastus.azmk8s.io" for "*.hcp.eastus.azmk8s.io").
	std::string_view domain() const;
};

// The origin of the safety floor's clusterCIDRs entries.
inline constexpr std::string_view kClusterCidrsOrigin = "floor:clusterCIDRs";

struct CidrRule {
	Cidr cidr;
	std::vector<PortRange> ports;
	std::vector<std::string> origins;
	bool floor = false; // part of the safety floor (never removed by a policy change)

	bool has_origin(std::string_view origin) const;
	// A clusterCIDRs range: pods, services, nodes — the addresses of the cluster itself.
	bool is_cluster() const { return has_origin(kClusterCidrsOrigin); }
};

// One grant as its input made it, before destinations are merged: what the exporters read, so that
// an Azure Firewall rule can carry the name of its own row and a service tag can stay a tag.
// (The datapath reads the merged `names` and `cidrs`; grants are not part of the JSON.)
struct Grant {
	enum class Kind { name, cidr, service_tag };
	Kind kind = Kind::name;
	std::string origin; // one catalog row id, `config:<id>` or `floor:<what>`
	std::string
	    destination; // a pattern as in NameRule, a CIDR, or a tag name ("AzureCloud.centralfrance")
	std::vector<PortRange> ports; // normalised
	// Exists only on the node (loopback, IMDS, 168.63.129.16, cluster CIDRs, the node's resolvers,
	// platform-local rows): a firewall in front of the cluster never sees it.
	bool node_only = false;
	// service_tag: its prefixes are in `cidrs` (the ServiceTags input had the tag). False for a tag
	// the node could not expand: only an enforcer that knows tags natively can use the grant.
	bool expanded = true;
};

struct PolicyWarning {
	std::string origin; // the catalog row id, config key or floor item it is about
	std::string message;
	auto operator<=>(const PolicyWarning&) const = default;
};

struct CompiledPolicy {
	// The inputs it was compiled for (echoed so that an exported file says what it is).
	std::string cloud;
	std::string location;
	std::string edition;
	bool konnectivity = false;
	bool recommended = false;
	std::vector<std::string> features;
	std::string service_tags;              // "" when no ServiceTags input; otherwise "changeNumber <n>"
	std::vector<std::string> catalog_rows; // ids of the catalog rows that contributed, sorted

	std::vector<NameRule> names;
	std::vector<CidrRule> cidrs;
	std::vector<PolicyWarning> warnings; // sorted, unique
	std::vector<Grant> grants;           // in the order the compiler made them; unique
};

inline constexpr std::string_view kCompiledPolicySchema = "aks-egress-guard/compiled-policy/v1";

// Stable JSON (schema kCompiledPolicySchema, documented in docs/cli.md).
nlohmann::ordered_json to_json(const CompiledPolicy& policy);
// A human table: one line per rule (kind, destination, ports, origins), then the warnings.
std::string to_table(const CompiledPolicy& policy);

} // namespace egress::policy
