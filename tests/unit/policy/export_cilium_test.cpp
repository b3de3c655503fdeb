// The Cilium export parses back as YAML and has the shape of a CiliumClusterwideNetworkPolicy:
// every name in toFQDNs, the cluster CIDRs as the `cluster` entity, every other CIDR in toCIDRSet,
// the ports of each, and the DNS rule that toFQDNs needs.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include <yaml-cpp/yaml.h>

#include "policy/export_cilium.h"
#include "policy_test_support.h"

namespace egress::policy::test {
namespace {

std::string port_key(const std::string& proto, const std::string& port, const std::string& end) {
	return proto + "/" + port + (end.empty() ? "" : "-" + end);
}

std::string expected_key(const PortRange& p) {
	std::string proto = p.proto == Proto::tcp ? "TCP" : p.proto == Proto::udp ? "UDP" : "ANY";
	if (p.all_ports())
		return proto + "/0";
	return port_key(proto, std::to_string(p.lo), p.hi == p.lo ? "" : std::to_string(p.hi));
}

std::set<std::string> rule_ports(const YAML::Node& rule) {
	std::set<std::string> out;
	if (!rule["toPorts"])
		return {"any"};
	for (const auto& tp : rule["toPorts"])
		for (const auto& p : tp["ports"])
			out.insert(port_key(p["protocol"].as<std::string>(), p["port"].as<std::string>(),
			                    p["endPort"] ? p["endPort"].as<std::string>() : ""));
	return out;
}

std::set<std::string> expected_ports(const std::vector<PortRange>& ports) {
	if (ports.size() == 1 && ports[0].proto == Proto::any && ports[0].all_ports())
		return {"any"};
	std::set<std::string> out;
	for (const auto& p : ports)
		out.insert(expected_key(p));
	return out;
}

TEST(CiliumExport, ParsesBackWithEveryRuleAndItsPorts) {
	for (const auto& c : cloud_cases()) {
		for (const auto& v : variants()) {
			SCOPED_TRACE(c.cloud + "/" + v.name);
			auto policy = compile_variant(c, v);
			std::string text = render_cilium(policy);
			YAML::Node doc;
			ASSERT_NO_THROW(doc = YAML::Load(text)) << text;
			EXPECT_EQ(doc["apiVersion"].as<std::string>(), "cilium.io/v2");
			EXPECT_EQ(doc["kind"].as<std::string>(), "CiliumClusterwideNetworkPolicy");
			EXPECT_EQ(doc["metadata"]["name"].as<std::string>(), "aks-egress-guard");
			ASSERT_TRUE(doc["spec"]["endpointSelector"].IsMap());
			EXPECT_EQ(doc["spec"]["endpointSelector"].size(), 0u);
			const auto& egress = doc["spec"]["egress"];
			ASSERT_TRUE(egress.IsSequence());

			std::map<std::string, std::set<std::string>> fqdn_ports, cidr_ports;
			bool dns_rule = false;
			int cluster_entity_rules = 0;
			for (const auto& rule : egress) {
				if (rule["toEndpoints"]) {
					auto labels = rule["toEndpoints"][0]["matchLabels"];
					EXPECT_EQ(labels["k8s:k8s-app"].as<std::string>(), "kube-dns");
					EXPECT_EQ(rule["toPorts"][0]["rules"]["dns"][0]["matchPattern"]
					              .as<std::string>(),
					          "*");
					dns_rule = true;
				}
				for (const auto& f : rule["toFQDNs"]) {
					std::string key = f["matchName"]
					                      ? f["matchName"].as<std::string>()
					                      : f["matchPattern"].as<std::string>();
					fqdn_ports[key] = rule_ports(rule);
				}
				if (rule["toEntities"]) {
					EXPECT_EQ(rule["toEntities"].size(), 1u);
					EXPECT_EQ(rule["toEntities"][0].as<std::string>(), "cluster");
					EXPECT_FALSE(rule["toPorts"]) << "every port inside the cluster";
					++cluster_entity_rules;
				}
				for (const auto& cidr : rule["toCIDRSet"])
					cidr_ports[cidr["cidr"].as<std::string>()] = rule_ports(rule);
			}
			EXPECT_TRUE(dns_rule);
			EXPECT_EQ(fqdn_ports.size(), policy.names.size());
			for (const auto& n : policy.names) {
				ASSERT_TRUE(fqdn_ports.count(n.pattern)) << n.pattern;
				EXPECT_EQ(fqdn_ports[n.pattern], expected_ports(n.ports)) << n.pattern;
			}
			// The cluster's own prefixes (and what lies inside them: kube-dns's service IP) are
			// the `cluster` entity, every other CIDR is in toCIDRSet with its ports.
			auto cluster = load_case_config(c).cluster_cidrs;
			ASSERT_FALSE(cluster.empty());
			auto inside = [&](const Cidr& x) {
				return std::any_of(cluster.begin(), cluster.end(),
				                   [&](const Cidr& k) { return k.contains(x); });
			};
			EXPECT_EQ(cluster_entity_rules, 1);
			std::size_t outside = 0;
			for (const auto& r : policy.cidrs) {
				if (inside(r.cidr)) {
					EXPECT_FALSE(cidr_ports.count(r.cidr.to_string()))
					    << r.cidr.to_string();
					continue;
				}
				++outside;
				ASSERT_TRUE(cidr_ports.count(r.cidr.to_string())) << r.cidr.to_string();
				EXPECT_EQ(cidr_ports[r.cidr.to_string()], expected_ports(r.ports))
				    << r.cidr.to_string();
			}
			EXPECT_EQ(cidr_ports.size(), outside);
		}
	}
}

TEST(CiliumExport, ExactNamesUseMatchNameAndWildcardsMatchPattern) {
	CompiledPolicy p;
	p.names.push_back(
	    NameRule{"**.mp.microsoft.com", NameKind::many_labels, {PortRange{Proto::tcp, 80, 80}}, {"a"}});
	p.names.push_back(NameRule{
	    "*.hcp.eastus.azmk8s.io", NameKind::one_label, {PortRange{Proto::tcp, 443, 443}}, {"b"}});
	p.names.push_back(
	    NameRule{"mcr.microsoft.com", NameKind::exact, {PortRange{Proto::tcp, 443, 443}}, {"c"}});
	auto doc = YAML::Load(render_cilium(p));
	std::set<std::string> names, patterns;
	for (const auto& rule : doc["spec"]["egress"])
		for (const auto& f : rule["toFQDNs"]) {
			if (f["matchName"])
				names.insert(f["matchName"].as<std::string>());
			if (f["matchPattern"])
				patterns.insert(f["matchPattern"].as<std::string>());
		}
	EXPECT_EQ(names, std::set<std::string>{"mcr.microsoft.com"});
	EXPECT_EQ(patterns, (std::set<std::string>{"**.mp.microsoft.com", "*.hcp.eastus.azmk8s.io"}));
}

TEST(CiliumExport, PortRangesUseEndPortAndDnsServersGetTheDnsProxyRule) {
	CompiledPolicy p;
	auto cidr = parse_cidr("10.1.0.4/32");
	ASSERT_TRUE(cidr.ok());
	p.cidrs.push_back(CidrRule{*cidr,
	                           {PortRange{Proto::tcp, 53, 53}, PortRange{Proto::udp, 53, 53}},
	                           {"floor:dnsServers"},
	                           true});
	auto wide = parse_cidr("198.18.0.0/15");
	p.cidrs.push_back(CidrRule{*wide, {PortRange{Proto::tcp, 8000, 8999}}, {"config:allow[0]"}, false});
	auto doc = YAML::Load(render_cilium(p));
	bool dns = false, range = false;
	for (const auto& rule : doc["spec"]["egress"]) {
		if (!rule["toCIDRSet"])
			continue;
		std::string c = rule["toCIDRSet"][0]["cidr"].as<std::string>();
		if (c == "10.1.0.4/32")
			dns = rule["toPorts"][0]["rules"]["dns"][0]["matchPattern"].as<std::string>() == "*";
		if (c == "198.18.0.0/15") {
			EXPECT_FALSE(rule["toPorts"][0]["rules"]);
			range = rule["toPorts"][0]["ports"][0]["endPort"].as<int>() == 8999 &&
			        rule["toPorts"][0]["ports"][0]["port"].as<std::string>() == "8000";
		}
	}
	EXPECT_TRUE(dns);
	EXPECT_TRUE(range);
}

} // namespace
} // namespace egress::policy::test
