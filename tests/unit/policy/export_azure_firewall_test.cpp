// The Azure Firewall export, rule by rule: every grant a firewall can see (not node-only) is in a rule
// of its own row that grants exactly its ports (or is listed as not expressible, with a reason),
// service tags stay tags, and nothing node-only reaches the firewall.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "policy/compiler.h"
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

bool contains(const std::vector<std::string>& v, const std::string& s) {
	return std::find(v.begin(), v.end(), s) != v.end();
}

bool contains_protocol(const FirewallRule& r, const std::string& proto, uint16_t port) {
	return std::find(r.protocols.begin(), r.protocols.end(), std::make_pair(proto, port)) !=
	       r.protocols.end();
}

std::vector<const FirewallRule*> all_rules(const FirewallExport& fw) {
	std::vector<const FirewallRule*> out;
	for (const auto& col : fw.collections)
		for (const auto& r : col.rules)
			out.push_back(&r);
	return out;
}

// The rules made from one grant's origin: their description starts with "from <origin>".
bool from(const FirewallRule& r, const std::string& origin) {
	std::string head = "from " + origin;
	return r.description == head || r.description.starts_with(head + ";");
}

// An origin as an Azure resource name: other characters become '-', runs of '-' one, no '-' at the
// end ("config:allow[1]" -> "config-allow-1").
std::string sanitized(const std::string& origin) {
	std::string out;
	for (char c : origin) {
		char ch = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ? c : '-';
		if (ch != '-' || (!out.empty() && out.back() != '-'))
			out += ch;
	}
	while (!out.empty() && out.back() == '-')
		out.pop_back();
	return out;
}

std::string fw_destination(const Grant& g) {
	if (g.kind == Grant::Kind::name && g.destination.starts_with("**."))
		return g.destination.substr(1);
	return g.destination;
}

// Rule by rule: every port of every grant a firewall can see is granted by a rule of the grant's own
// row, holding the grant's destination; and that rule carries the row's name.
void expect_every_grant_has_its_rule(const CompiledPolicy& policy, const FirewallExport& fw) {
	EXPECT_FALSE(all_rules(fw).empty());
	for (const auto& g : policy.grants) {
		if (g.node_only)
			continue;
		std::string dest = fw_destination(g);
		for (const auto& p : g.ports) {
			bool covered = false;
			bool app = g.kind == Grant::Kind::name && p.proto == Proto::tcp && p.lo == p.hi &&
			           (p.lo == 443 || p.lo == 80);
			for (const auto* r : all_rules(fw)) {
				if (!from(*r, g.origin))
					continue;
				EXPECT_TRUE(r->name == sanitized(g.origin) ||
				            r->name.starts_with(sanitized(g.origin) + "-"))
				    << r->name << " is not named after " << g.origin;
				if (app)
					covered =
					    covered ||
					    (r->type == FirewallRule::Type::application &&
					     contains(r->target_fqdns, dest) &&
					     contains_protocol(*r, p.lo == 443 ? "Https" : "Http", p.lo));
				else if (g.kind == Grant::Kind::name)
					covered = covered || (contains(r->destination_fqdns, dest) &&
					                      contains(r->ip_protocols, fw_proto(p.proto)) &&
					                      contains(r->destination_ports, fw_port(p)));
				else
					covered = covered || (contains(r->destination_addresses, dest) &&
					                      contains(r->ip_protocols, fw_proto(p.proto)) &&
					                      contains(r->destination_ports, fw_port(p)));
			}
			if (!covered && g.destination.find('*') != std::string::npos && !app)
				for (const auto& u : fw.unexpressible)
					covered = covered || u.starts_with(g.destination + " ");
			EXPECT_TRUE(covered) << g.origin << ": " << g.destination << " " << p.to_string();
		}
	}
}

// No rule grants a (destination, protocol, port) its row was not granted: no widening by grouping
// (only the documented *.-depth widening of application rules).
void expect_no_widening(const CompiledPolicy& policy, const FirewallExport& fw) {
	for (const auto* r : all_rules(fw)) {
		if (r->type != FirewallRule::Type::network)
			continue;
		std::vector<std::string> dests = r->destination_addresses;
		dests.insert(dests.end(), r->destination_fqdns.begin(), r->destination_fqdns.end());
		for (const auto& dest : dests)
			for (const auto& proto : r->ip_protocols)
				for (const auto& port : r->destination_ports) {
					bool granted = std::any_of(
					    policy.grants.begin(), policy.grants.end(), [&](const Grant& g) {
						    return !g.node_only && from(*r, g.origin) &&
						           fw_destination(g) == dest &&
						           std::any_of(g.ports.begin(), g.ports.end(),
						                       [&](const PortRange& p) {
							                       return fw_port(p) == port &&
							                              fw_proto(p.proto) ==
							                                  proto;
						                       });
					    });
					EXPECT_TRUE(granted)
					    << r->name << ": " << dest << " " << proto << "/" << port;
				}
	}
}

// What only exists on the node never reaches the firewall.
void expect_no_node_only(const CompiledPolicy& policy, const FirewallExport& fw, const Config& config) {
	std::set<std::string> node_only = {"127.0.0.0/8", "::1/128", "169.254.169.254/32",
	                                   "168.63.129.16/32"};
	for (const auto& c : config.cluster_cidrs)
		node_only.insert(c.to_string());
	for (const auto* r : all_rules(fw)) {
		for (const auto& a : r->destination_addresses)
			EXPECT_FALSE(node_only.count(a)) << r->name << " " << a;
		EXPECT_FALSE(r->description.starts_with("from floor:loopback")) << r->name;
		EXPECT_FALSE(r->description.starts_with("from floor:clusterCIDRs")) << r->name;
		EXPECT_FALSE(r->description.starts_with("from local-")) << r->name;
	}
	(void)policy;
}

TEST(AzureFirewallExport, EveryGrantOfEveryGoldenVariantHasItsOwnRule) {
	for (const auto& c : cloud_cases()) {
		for (const auto& v : variants()) {
			SCOPED_TRACE(c.cloud + "/" + v.name);
			auto policy = compile_variant(c, v);
			auto fw = build_azure_firewall(policy);
			expect_every_grant_has_its_rule(policy, fw);
			expect_no_widening(policy, fw);
			expect_no_node_only(policy, fw, load_case_config(c));
		}
	}
}

TEST(AzureFirewallExport, ServiceTagsStayTagsAndRulesCarryTheirRowsName) {
	auto policy = compile_variant(cloud_cases()[0], variants()[1]); // eastus, tunnel + ServiceTags
	auto fw = build_azure_firewall(policy);
	const FirewallRule* tunnel = nullptr;
	for (const auto* r : all_rules(fw)) {
		if (r->name == "pub-net-udp1194-tunnel-tag-udp" || r->name == "pub-net-udp1194-tunnel")
			if (contains(r->destination_addresses, "AzureCloud.eastus"))
				tunnel = r;
		// Not one prefix of the tag: the firewall expands its own tags.
		EXPECT_FALSE(contains(r->destination_addresses, "198.51.100.0/24")) << r->name;
	}
	ASSERT_NE(tunnel, nullptr);
	EXPECT_EQ(tunnel->destination_addresses, std::vector<std::string>{"AzureCloud.eastus"});
	EXPECT_EQ(tunnel->ip_protocols, std::vector<std::string>{"UDP"});
	EXPECT_EQ(tunnel->destination_ports, std::vector<std::string>{"1194"});
	// Exactly named rows.
	std::set<std::string> names;
	for (const auto* r : all_rules(fw))
		names.insert(r->name);
	EXPECT_TRUE(names.count("pub-fqdn-mcr")) << "application rule of the MCR row";
	EXPECT_TRUE(names.count("floor-apiServer"));
}

TEST(AzureFirewallExport, IrregularRegionAndAzureMonitorUseTheNativeTags) {
	auto config = parse_config("cloud: AzureCloud\nlocation: francecentral\nkonnectivity: false\n"
	                           "features: [monitor]\napiServer:\n  ips: [20.0.0.1]\n",
	                           "test.yaml");
	ASSERT_TRUE(config.ok());
	// No ServiceTags input: the node falls back to the API server, the firewall still gets the tag.
	auto policy = compile(*config, embedded_catalog(), nullptr);
	ASSERT_TRUE(policy.ok()) << policy.error().to_string();
	auto fw = build_azure_firewall(*policy);
	bool region = false, monitor = false;
	for (const auto* r : all_rules(fw)) {
		region = region ||
		         (from(*r, "pub-net-tcp9000-tunnel") &&
		          r->destination_addresses == std::vector<std::string>{"AzureCloud.centralfrance"} &&
		          r->destination_ports == std::vector<std::string>{"9000"});
		monitor = monitor || (r->name == "mon-net-servicetag" &&
		                      r->destination_addresses == std::vector<std::string>{"AzureMonitor"} &&
		                      r->ip_protocols == std::vector<std::string>{"TCP"} &&
		                      r->destination_ports == std::vector<std::string>{"443"});
	}
	EXPECT_TRUE(region);
	EXPECT_TRUE(monitor);
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
	p.grants.push_back(
	    Grant{Grant::Kind::name, "row", "*.tun.example.com", {PortRange{Proto::tcp, 22, 22}}});
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
	// The region's service tag (not its prefixes) is in a network rule with the tunnel ports.
	std::string text = arm.dump();
	EXPECT_NE(text.find("\"AzureCloud.eastus\""), std::string::npos);
	EXPECT_EQ(text.find("198.51.100.0/24"), std::string::npos);
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
	// The commands live in a CLI extension, which the script names and adds.
	EXPECT_NE(script.find("az extension add --upgrade --yes --name azure-firewall\n"), std::string::npos);
	EXPECT_LT(script.find("az extension add"), script.find("\naz network firewall"));
}

} // namespace
} // namespace egress::policy::test
