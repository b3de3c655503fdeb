// The Azure Firewall export must cover every compiled rule: each name and each CIDR appears in a
// rule that grants exactly its ports (or is listed as not expressible, with a reason).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "policy/export_azure_firewall.h"
#include "policy_test_support.h"

namespace egress::policy::test {
namespace {

std::string fw_port(const PortRange& p) {
	if (p.all_ports())
		return "*";
	return p.lo == p.hi ? std::to_string(p.lo) : std::to_string(p.lo) + "-" + std::to_string(p.hi);
}

std::string fw_proto(Proto p) {
	return p == Proto::tcp ? "TCP" : p == Proto::udp ? "UDP" : "Any";
}

std::string fw_name(const NameRule& n) {
	return n.kind == NameKind::exact ? n.pattern : "*." + std::string(n.domain());
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
	return std::find(v.begin(), v.end(), s) != v.end();
}

// Every (destination, proto, port) the compiled policy grants must be granted by some firewall rule.
void expect_covers(const CompiledPolicy& policy, const FirewallExport& fw) {
	size_t rules_out = 0;
	for (const auto& col : fw.collections)
		rules_out += col.rules.size();
	EXPECT_GT(rules_out, 0u);
	auto rules = [&](FirewallRule::Type t) {
		std::vector<const FirewallRule*> out;
		for (const auto& col : fw.collections)
			for (const auto& r : col.rules)
				if (r.type == t)
					out.push_back(&r);
		return out;
	};
	for (const auto& n : policy.names) {
		for (const auto& p : n.ports) {
			bool covered = false;
			if (p.proto == Proto::tcp && p.lo == p.hi && (p.lo == 443 || p.lo == 80)) {
				std::string proto = p.lo == 443 ? "Https" : "Http";
				for (const auto* r : rules(FirewallRule::Type::application))
					covered =
					    covered ||
					    (contains(r->target_fqdns, fw_name(n)) &&
					     std::find(r->protocols.begin(), r->protocols.end(),
					               std::make_pair(proto, p.lo)) != r->protocols.end());
			} else if (n.kind == NameKind::exact) {
				for (const auto* r : rules(FirewallRule::Type::network))
					covered = covered || (contains(r->destination_fqdns, n.pattern) &&
					                      contains(r->ip_protocols, fw_proto(p.proto)) &&
					                      contains(r->destination_ports, fw_port(p)));
			} else {
				for (const auto& u : fw.unexpressible)
					covered = covered || u.starts_with(n.pattern + " ");
			}
			EXPECT_TRUE(covered) << n.pattern << " " << p.to_string();
		}
	}
	for (const auto& c : policy.cidrs) {
		for (const auto& p : c.ports) {
			bool covered = false;
			for (const auto* r : rules(FirewallRule::Type::network))
				covered =
				    covered || (contains(r->destination_addresses, c.cidr.to_string()) &&
				                contains(r->ip_protocols, fw_proto(p.proto)) &&
				                contains(r->destination_ports, fw_port(p)));
			EXPECT_TRUE(covered) << c.cidr.to_string() << " " << p.to_string();
		}
	}
}

// No rule may grant a port to a destination the policy does not grant it to (no widening by
// grouping); only the documented *.-depth widening is allowed.
void expect_no_port_widening(const CompiledPolicy& policy, const FirewallExport& fw) {
	for (const auto& col : fw.collections) {
		for (const auto& r : col.rules) {
			if (r.type != FirewallRule::Type::network)
				continue;
			for (const auto& addr : r.destination_addresses) {
				auto it = std::find_if(
				    policy.cidrs.begin(), policy.cidrs.end(),
				    [&](const CidrRule& c) { return c.cidr.to_string() == addr; });
				ASSERT_NE(it, policy.cidrs.end()) << addr;
				for (const auto& port : r.destination_ports) {
					bool granted = std::any_of(
					    it->ports.begin(), it->ports.end(), [&](const PortRange& p) {
						    return fw_port(p) == port &&
						           contains(r.ip_protocols, fw_proto(p.proto));
					    });
					EXPECT_TRUE(granted) << addr << " " << port;
				}
			}
		}
	}
}

TEST(AzureFirewallExport, CoversEveryCompiledRuleOfEveryGoldenVariant) {
	for (const auto& c : cloud_cases()) {
		for (const auto& v : variants()) {
			SCOPED_TRACE(c.cloud + "/" + v.name);
			auto policy = compile_variant(c, v);
			auto fw = build_azure_firewall(policy);
			expect_covers(policy, fw);
			expect_no_port_widening(policy, fw);
		}
	}
}

TEST(AzureFirewallExport, RuleNamesAreUniqueAndValid) {
	auto fw = build_azure_firewall(compile_variant(cloud_cases()[0], variants()[2]));
	for (const auto& col : fw.collections) {
		std::set<std::string> names;
		for (const auto& r : col.rules) {
			EXPECT_TRUE(names.insert(r.name).second) << r.name;
			EXPECT_LE(r.name.size(), 80u);
			for (char ch : r.name)
				EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' ||
				            ch == '_' || ch == '.')
				    << r.name;
		}
	}
}

TEST(AzureFirewallExport, OneLabelWildcardsAreMarkedAsWidened) {
	auto fw = build_azure_firewall(compile_variant(cloud_cases()[0], variants()[0]));
	bool found = false;
	for (const auto& col : fw.collections)
		for (const auto& r : col.rules)
			if (contains(r.target_fqdns, "*.hcp.eastus.azmk8s.io")) {
				found = true;
				EXPECT_NE(r.description.find("widened"), std::string::npos);
				EXPECT_EQ(r.protocols,
				          (std::vector<std::pair<std::string, uint16_t>>{{"Https", 443}}));
			}
	EXPECT_TRUE(found);
}

TEST(AzureFirewallExport, WildcardOnANonHttpPortIsListedAsNotExpressible) {
	CompiledPolicy p;
	p.names.push_back(
	    NameRule{"*.tun.example.com", NameKind::one_label, {PortRange{Proto::tcp, 22, 22}}, {"row"}});
	auto fw = build_azure_firewall(p);
	ASSERT_EQ(fw.unexpressible.size(), 1u);
	EXPECT_NE(fw.unexpressible[0].find("*.tun.example.com tcp/22"), std::string::npos);
	auto script = render_az_cli(p, fw);
	EXPECT_NE(script.find("# NOT EXPRESSIBLE: *.tun.example.com"), std::string::npos);
}

TEST(AzureFirewallExport, ArmTemplateHoldsTheSameRules) {
	auto policy = compile_variant(cloud_cases()[0], variants()[1]);
	auto fw = build_azure_firewall(policy);
	auto arm = render_arm(policy, fw);
	ASSERT_EQ(arm["resources"].size(), 1u);
	const auto& res = arm["resources"][0];
	EXPECT_EQ(res["type"], "Microsoft.Network/firewallPolicies/ruleCollectionGroups");
	const auto& cols = res["properties"]["ruleCollections"];
	ASSERT_EQ(cols.size(), fw.collections.size());
	size_t n = 0;
	for (size_t i = 0; i < cols.size(); ++i) {
		EXPECT_EQ(cols[i]["ruleCollectionType"], "FirewallPolicyFilterRuleCollection");
		EXPECT_EQ(cols[i]["action"]["type"], "Allow");
		EXPECT_EQ(cols[i]["rules"].size(), fw.collections[i].rules.size());
		for (const auto& r : cols[i]["rules"]) {
			++n;
			if (r["ruleType"] == "ApplicationRule") {
				EXPECT_FALSE(r["targetFqdns"].empty());
				EXPECT_FALSE(r["protocols"].empty());
			} else {
				EXPECT_EQ(r["ruleType"], "NetworkRule");
				EXPECT_FALSE(r["destinationPorts"].empty());
				EXPECT_TRUE(!r["destinationAddresses"].empty() ||
				            !r["destinationFqdns"].empty());
			}
		}
	}
	EXPECT_GT(n, 0u);
	// The region's service-tag prefixes are in a network rule with the tunnel ports.
	std::string text = arm.dump();
	EXPECT_NE(text.find("198.51.100.0/24"), std::string::npos);
}

TEST(AzureFirewallExport, AzCliScriptHasOneCommandPerRule) {
	auto policy = compile_variant(cloud_cases()[0], variants()[2]);
	auto fw = build_azure_firewall(policy);
	auto script = render_az_cli(policy, fw);
	size_t rules = 0;
	for (const auto& col : fw.collections)
		rules += col.rules.size();
	auto count = [&](const std::string& needle) {
		size_t n = 0;
		for (auto pos = script.find(needle); pos != std::string::npos;
		     pos = script.find(needle, pos + 1))
			++n;
		return n;
	};
	EXPECT_EQ(count("collection add-filter-collection"), fw.collections.size());
	EXPECT_EQ(count("collection add-filter-collection") + count("collection rule add"), rules);
	EXPECT_EQ(count("rule-collection-group create"), 1u);
	EXPECT_NE(script.find("--protocols Https=443"), std::string::npos);
	EXPECT_NE(script.find("--target-fqdns 'mcr.microsoft.com'"), std::string::npos);
	EXPECT_NE(script.find("--resource-group \"$RESOURCE_GROUP\""), std::string::npos);
}

} // namespace
} // namespace egress::policy::test
