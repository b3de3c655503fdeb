// Export of a compiled policy as Azure Firewall Policy rules (the reference implementation the AKS
// docs are written for): one rule collection group holding a network rule collection and an
// application rule collection, rendered as `az network firewall policy ...` commands or as an ARM
// template. Pure: builds text, calls nothing.
//
// Mapping: the policy's grants (CompiledPolicy::grants, each one row's destination and ports), every
// one landing somewhere; what cannot be expressed is listed, never dropped:
//  - grants of what exists only on the node (loopback, IMDS, 168.63.129.16, cluster CIDRs, the
//    node's resolvers, platform-local rows) are left out: a firewall in front of the cluster never
//    sees that traffic;
//  - every rule is named after its row or config rule (`pub-net-udp1194-tunnel`, `config:github` ->
//    `config-github`), and holds only that row's grants; a row with several network rules gets a
//    suffix naming the destination kind and protocols (`...-fqdn-udp`);
//  - a name on tcp/443 or tcp/80 -> application rule, protocols Https:443 / Http:80 (matched by
//    SNI / Host); `*.x` and `**.x` both become `*.x`, which in Azure Firewall spans ANY depth: for
//    our one-label `*.` rows this widens the rule (said in the rule's description);
//  - a name on other ports -> network rule with destinationFqdns (exact names only; Azure Firewall
//    resolves them through its DNS proxy, which must be enabled);
//  - a wildcard name on other ports -> not expressible (network rules take no wildcards): listed in
//    `unexpressible` and printed as a comment / template metadata;
//  - a service tag (the tunnel rows' AzureCloud.<region>, an `allow` serviceTag, the AzureMonitor
//    row) -> network rule with the tag as destination address: the firewall knows its tags, so no
//    ServiceTags file is needed and no prefix list goes stale;
//  - a CIDR -> network rule with the address;
//  - per rule one port list, with the protocols that share it, so that a protocol/port pair never
//    widens to a destination it was not granted for.
// The az CLI script needs the `azure-firewall` CLI extension (the script adds it); the ARM template
// needs nothing.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/compiled_policy.h"

namespace egress::policy {

struct AzureFirewallOptions {
	std::string resource_group = "$RESOURCE_GROUP";
	std::string policy_name = "$FIREWALL_POLICY";
	std::string group_name = "aks-egress-guard";
	int group_priority = 200;
	std::vector<std::string> source_addresses = {"*"};
};

struct FirewallRule {
	enum class Type { application, network };
	Type type = Type::network;
	std::string name;
	std::string description;
	// application rules
	std::vector<std::pair<std::string, uint16_t>> protocols; // {"Https", 443}
	std::vector<std::string> target_fqdns;
	// network rules
	std::vector<std::string> ip_protocols; // "TCP", "UDP", "Any"
	std::vector<std::string> destination_addresses;
	std::vector<std::string> destination_fqdns;
	std::vector<std::string> destination_ports; // "443", "8000-8999", "*"
};

struct FirewallCollection {
	std::string name;
	int priority = 0;
	FirewallRule::Type type = FirewallRule::Type::network;
	std::vector<FirewallRule> rules;
};

struct FirewallExport {
	std::vector<FirewallCollection> collections;
	std::vector<std::string> unexpressible; // "<destination> <ports>: <why>"
};

FirewallExport build_azure_firewall(const CompiledPolicy& policy, const AzureFirewallOptions& options = {});

// A bash script of az CLI commands (rule-collection-group create, collection add-filter-collection,
// collection rule add).
std::string render_az_cli(const CompiledPolicy& policy, const FirewallExport& fw,
                          const AzureFirewallOptions& options = {});
// An ARM deployment template with one Microsoft.Network/firewallPolicies/ruleCollectionGroups resource.
nlohmann::ordered_json render_arm(const CompiledPolicy& policy, const FirewallExport& fw,
                                  const AzureFirewallOptions& options = {});

} // namespace egress::policy
