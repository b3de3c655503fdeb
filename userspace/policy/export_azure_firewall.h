// Export of a compiled policy as Azure Firewall Policy rules (the reference implementation the AKS
// docs are written for): one rule collection group holding a network rule collection and an
// application rule collection, rendered as `az network firewall policy ...` commands or as an ARM
// template. Pure: builds text, calls nothing.
//
// Mapping (every compiled rule lands somewhere; what cannot be expressed is listed, never dropped):
//  - a name rule on tcp/443 or tcp/80 -> application rule, protocols Https:443 / Http:80 (matched by
//    SNI / Host); `*.x` and `**.x` both become `*.x`, which in Azure Firewall spans ANY depth: for
//    our one-label `*.` rows this widens the rule (said in the rule's description);
//  - a name rule on other ports -> network rule with destinationFqdns (exact names only; Azure
//    Firewall resolves them through its DNS proxy, which must be enabled);
//  - a wildcard name on other ports -> not expressible (network rules take no wildcards): listed in
//    `unexpressible` and printed as a comment / template metadata;
//  - a CIDR rule -> network rule, one per (origin, protocol, port list), so that a protocol/port pair
//    never widens to an address it was not granted for.
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
