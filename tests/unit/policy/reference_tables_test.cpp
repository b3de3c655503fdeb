// Acceptance: the compiled policy of each cloud agrees with the current core tables of
// ../shared/reference/aks-egress-requirements.md §2.3 (transcribed here independently of the
// catalog file, so a catalog or compiler slip shows up as a missing row).
#include <gtest/gtest.h>

#include <algorithm>

#include "policy/compiled_policy.h"
#include "policy/compiler.h"
#include "policy_test_support.h"

namespace egress::policy::test {
namespace {

struct NameRow {
	std::string documented; // as the table prints it, {location} filled
	std::vector<PortRange> ports;
};

PortRange tcp(std::uint16_t p) {
	return PortRange{Proto::tcp, p, p};
}
PortRange udp(std::uint16_t p) {
	return PortRange{Proto::udp, p, p};
}

// The FQDN rows of §2.3 (all HTTPS 443).
std::vector<NameRow> table_names(const std::string& cloud, const std::string& loc) {
	auto https = std::vector<PortRange>{tcp(443)};
	if (cloud == "AzureCloud")
		return {{"*.hcp." + loc + ".azmk8s.io", https}, {"mcr.microsoft.com", https},
		        {"*.data.mcr.microsoft.com", https},    {"mcr-0001.mcr-msedge.net", https},
		        {"management.azure.com", https},        {"login.microsoftonline.com", https},
		        {"packages.microsoft.com", https},      {"acs-mirror.azureedge.net", https},
		        {"packages.aks.azure.com", https},      {"ntp.ubuntu.com", {udp(123)}}};
	if (cloud == "AzureChinaCloud")
		return {{"*.hcp." + loc + ".cx.prod.service.azk8s.cn", https},
		        {"*.tun." + loc + ".cx.prod.service.azk8s.cn", https},
		        {"mcr.microsoft.com", https},
		        {"*.data.mcr.microsoft.com", https},
		        {"management.chinacloudapi.cn", https},
		        {"login.chinacloudapi.cn", https},
		        {"packages.microsoft.com", https},
		        {"*.azk8s.cn", https},
		        {"mcr.azure.cn", https},
		        {"*.data.mcr.azure.cn", https},
		        {"ntp.ubuntu.com", {udp(123)}}};
	return {{"*.hcp." + loc + ".cx.aks.containerservice.azure.us", https},
	        {"mcr.microsoft.com", https},
	        {"*.data.mcr.microsoft.com", https},
	        {"management.usgovcloudapi.net", https},
	        {"login.microsoftonline.us", https},
	        {"packages.microsoft.com", https},
	        {"acs-mirror.azureedge.net", https},
	        {"packages.aks.azure.com", https},
	        {"ntp.ubuntu.com", {udp(123)}}};
}

// The tunnel ports of §2.3 ("*" / AzureCloud.<Region> / RegionCIDRs / APIServerPublicIP).
std::vector<PortRange> table_tunnel_ports(const std::string& cloud) {
	if (cloud == "AzureChinaCloud")
		return {udp(1194), tcp(9000), tcp(22)};
	return {udp(1194), tcp(9000)};
}

// A documented `*.x` is satisfied by our `*.x` or `**.x` (the catalog decides the depth).
const NameRule* find_name(const CompiledPolicy& p, const std::string& documented) {
	for (const auto& n : p.names) {
		if (documented.starts_with("*.")) {
			if (n.kind != NameKind::exact && n.domain() == documented.substr(2))
				return &n;
		} else if (n.kind == NameKind::exact && n.pattern == documented) {
			return &n;
		}
	}
	return nullptr;
}

bool allows(const std::vector<PortRange>& have, const PortRange& want) {
	return ports_allow(have, want.proto, want.lo);
}

TEST(ReferenceTables, EveryCurrentFqdnRowOfEachCloudIsCompiled) {
	for (const auto& c : cloud_cases()) {
		for (const auto& v : variants()) {
			SCOPED_TRACE(c.cloud + "/" + v.name);
			auto policy = compile_variant(c, v);
			for (const auto& row : table_names(c.cloud, c.location)) {
				const NameRule* n = find_name(policy, row.documented);
				ASSERT_NE(n, nullptr) << row.documented << " missing";
				for (const auto& p : row.ports)
					EXPECT_TRUE(allows(n->ports, p))
					    << row.documented << " lacks " << p.to_string();
			}
		}
	}
}

TEST(ReferenceTables, TunnelRowsUseTheRegionTagCidrsWithoutKonnectivity) {
	for (const auto& c : cloud_cases()) {
		SCOPED_TRACE(c.cloud);
		auto policy = compile_variant(c, variants()[1]); // tunnel-servicetags
		auto tags = load_case_tags(c);
		auto region = region_tag(tags, load_case_config(c).cloud, c.location);
		ASSERT_TRUE(region.ok()) << region.error().to_string();
		for (const auto& prefix : (*region)->prefixes) {
			auto it = std::find_if(policy.cidrs.begin(), policy.cidrs.end(),
			                       [&](const CidrRule& r) { return r.cidr == prefix; });
			ASSERT_NE(it, policy.cidrs.end()) << prefix.to_string();
			for (const auto& p : table_tunnel_ports(c.cloud))
				EXPECT_TRUE(allows(it->ports, p))
				    << prefix.to_string() << " lacks " << p.to_string();
			EXPECT_FALSE(allows(it->ports, tcp(443)))
			    << "only the tunnel ports go to the whole region";
		}
	}
}

TEST(ReferenceTables, ApiServerIpGetsTcp443AndCustomDnsGetsUdp53) {
	for (const auto& c : cloud_cases()) {
		SCOPED_TRACE(c.cloud);
		auto config = load_case_config(c);
		auto policy = compile_variant(c, variants()[0]);
		for (const auto& ip : config.api_server.ips) {
			auto it = std::find_if(policy.cidrs.begin(), policy.cidrs.end(),
			                       [&](const CidrRule& r) { return r.cidr.contains(ip); });
			ASSERT_NE(it, policy.cidrs.end());
			EXPECT_TRUE(allows(it->ports, tcp(443)));
			bool from_row =
			    std::any_of(it->origins.begin(), it->origins.end(), [](const std::string& o) {
				    return o.ends_with("-net-tcp443-apiserver-ip");
			    });
			EXPECT_TRUE(from_row) << "the APIServerPublicIP:443 row is attributed";
		}
	}
	// The Government test config names a resolver outside the cluster: custom DNS.
	const auto& gov = cloud_cases()[2];
	auto policy = compile_variant(gov, variants()[0]);
	auto it = std::find_if(policy.cidrs.begin(), policy.cidrs.end(),
	                       [](const CidrRule& r) { return r.cidr.to_string() == "10.1.0.4/32"; });
	ASSERT_NE(it, policy.cidrs.end());
	EXPECT_TRUE(allows(it->ports, udp(53)));
	EXPECT_NE(std::find(it->origins.begin(), it->origins.end(), "gov-net-udp53-customdns"),
	          it->origins.end());
}

TEST(ReferenceTables, KonnectivityDropsThePublicTunnelRowsOnly) {
	for (const auto& c : cloud_cases()) {
		SCOPED_TRACE(c.cloud);
		auto policy = compile_variant(c, variants()[0]); // konnectivity, no service tags
		bool tunnel_rule = false;
		for (const auto& r : policy.cidrs)
			for (const auto& o : r.origins)
				tunnel_rule = tunnel_rule || o.find("tunnel") != std::string::npos;
		for (const auto& r : policy.names)
			for (const auto& o : r.origins)
				tunnel_rule = tunnel_rule || o.find("tunnel") != std::string::npos;
		// §2.2: only the public table prints the konnectivity exemption.
		EXPECT_EQ(tunnel_rule, c.cloud != "AzureCloud");
	}
}

TEST(ReferenceTables, RecommendedAndFeatureRowsFollowTheConfig) {
	const auto& pub = cloud_cases()[0];
	auto plain = compile_variant(pub, variants()[0]);
	auto full = compile_variant(pub, variants()[2]);
	for (const std::string name :
	     {"security.ubuntu.com", "azure.archive.ubuntu.com", "changelogs.ubuntu.com"}) {
		EXPECT_EQ(find_name(plain, name), nullptr) << name;
		const NameRule* n = find_name(full, name);
		ASSERT_NE(n, nullptr) << name;
		EXPECT_TRUE(allows(n->ports, tcp(80))) << name;
	}
	ASSERT_NE(find_name(full, "snapshot.ubuntu.com"), nullptr);
	// §2.4: GPU, Windows (HTTP 80 names), Key Vault CSI, Azure Monitor.
	for (const std::string name :
	     {"nvidia.github.io", "us.download.nvidia.com", "download.docker.com", "onegetcdn.azureedge.net",
	      "go.microsoft.com", "*.mp.microsoft.com", "www.msftconnecttest.com", "ctldl.windowsupdate.com",
	      "vault.azure.net", "*.ods.opinsights.azure.com", "*.oms.opinsights.azure.com",
	      "dc.services.visualstudio.com", "global.handler.control.monitor.azure.com",
	      "eastus.handler.control.monitor.azure.com", "*.ingest.monitor.azure.com"}) {
		EXPECT_EQ(find_name(plain, name), nullptr) << name;
		EXPECT_NE(find_name(full, name), nullptr) << name;
	}
	EXPECT_TRUE(allows(find_name(full, "*.mp.microsoft.com")->ports, tcp(80)));
}

// The 2019/2020 editions print the tunnel ports on the API server (*.hcp) and tunnel-end (*.tun)
// names of each cloud (seed-000/001: HTTPS:443, TCP:22, TCP:9000, UDP:1194). A 2020 render gives
// each of those names exactly these ports, whichever rows they come from.
TEST(ReferenceTables, Edition2020GivesEachTunnelNameTheSeedPorts) {
	const std::vector<PortRange> seed_ports = {tcp(22), tcp(443), tcp(9000), udp(1194)};
	for (const auto& c : cloud_cases()) {
		SCOPED_TRACE(c.cloud);
		Config config = load_case_config(c);
		config.edition = Edition::v2020;
		config.konnectivity = false;
		auto policy = compile(config, embedded_catalog(), nullptr);
		ASSERT_TRUE(policy.ok()) << policy.error().to_string();
		std::string suffix = c.cloud == "AzureCloud"        ? ".azmk8s.io"
		                     : c.cloud == "AzureChinaCloud" ? ".cx.prod.service.azk8s.cn"
		                                                    : ".cx.aks.containerservice.azure.us";
		for (const std::string host : {"hcp", "tun"}) {
			std::string domain = host + "." + c.location + suffix;
			SCOPED_TRACE(domain);
			std::vector<PortRange> have;
			for (const auto& n : policy->names)
				if (n.kind == NameKind::one_label && n.domain() == domain)
					have.insert(have.end(), n.ports.begin(), n.ports.end());
			ASSERT_FALSE(have.empty()) << "*." << domain << " missing";
			for (const auto& p : seed_ports)
				EXPECT_TRUE(allows(have, p)) << "*." << domain << " lacks " << p.to_string();
			for (const auto& p : have)
				EXPECT_NE(std::find(seed_ports.begin(), seed_ports.end(), p), seed_ports.end())
				    << "*." << domain << " has " << p.to_string() << ", which the seeds do not print";
		}
	}
}

} // namespace
} // namespace egress::policy::test
