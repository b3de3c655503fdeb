// Behaviour of the compiler beyond the goldens: selection, fallbacks, floor, merging, errors.
#include <gtest/gtest.h>

#include <algorithm>

#include "policy/compiler.h"
#include "policy_test_support.h"

namespace egress::policy::test {
namespace {

Config parse(const std::string& yaml) {
	auto r = parse_config(yaml, "test.yaml");
	EXPECT_TRUE(r.ok()) << r.error().to_string();
	return r.ok() ? std::move(r).value() : Config();
}

const std::string kBase = "cloud: AzureCloud\nlocation: eastus\nclusterCIDRs: [10.224.0.0/12]\n";

const CidrRule* find_cidr(const CompiledPolicy& p, const std::string& text) {
	for (const auto& c : p.cidrs)
		if (c.cidr.to_string() == text)
			return &c;
	return nullptr;
}

const NameRule* find_name(const CompiledPolicy& p, const std::string& pattern) {
	for (const auto& n : p.names)
		if (n.pattern == pattern)
			return &n;
	return nullptr;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
	return std::find(v.begin(), v.end(), s) != v.end();
}

bool has_warning(const CompiledPolicy& p, const std::string& origin, const std::string& fragment) {
	return std::any_of(p.warnings.begin(), p.warnings.end(), [&](const PolicyWarning& w) {
		return w.origin == origin && w.message.find(fragment) != std::string::npos;
	});
}

TEST(Compiler, SafetyFloorIsAlwaysThere) {
	auto config = parse(kBase + "dnsServers: [10.0.0.10]\napiServer:\n  ips: [20.0.0.1]\n");
	auto p = compile(config, embedded_catalog(), nullptr);
	ASSERT_TRUE(p.ok()) << p.error().to_string();
	for (const auto& [cidr, origin] :
	     std::vector<std::pair<std::string, std::string>>{{"127.0.0.0/8", "floor:loopback"},
	                                                      {"::1/128", "floor:loopback"},
	                                                      {"169.254.169.254/32", "floor:imds"},
	                                                      {"168.63.129.16/32", "floor:azure-platform"},
	                                                      {"10.224.0.0/12", "floor:clusterCIDRs"},
	                                                      {"10.0.0.10/32", "floor:dnsServers"},
	                                                      {"20.0.0.1/32", "floor:apiServer"}}) {
		const CidrRule* c = find_cidr(*p, cidr);
		ASSERT_NE(c, nullptr) << cidr;
		EXPECT_TRUE(c->floor) << cidr;
		EXPECT_TRUE(has(c->origins, origin)) << cidr;
	}
	EXPECT_EQ(ports_text(find_cidr(*p, "10.0.0.10/32")->ports), "tcp/53,udp/53");
	EXPECT_EQ(ports_text(find_cidr(*p, "127.0.0.0/8")->ports), "any");
}

TEST(Compiler, MergesOriginsOfTheSameDestination) {
	// The platform-local rows and the floor land on 168.63.129.16: one rule, every origin.
	auto p = compile(parse(kBase), embedded_catalog(), nullptr);
	ASSERT_TRUE(p.ok());
	const CidrRule* c = find_cidr(*p, "168.63.129.16/32");
	ASSERT_NE(c, nullptr);
	EXPECT_TRUE(has(c->origins, "floor:azure-platform"));
	EXPECT_TRUE(has(c->origins, "local-azure-dns"));
	EXPECT_TRUE(has(c->origins, "local-wireserver"));
	EXPECT_EQ(std::count_if(p->cidrs.begin(), p->cidrs.end(),
	                        [](const CidrRule& r) { return r.cidr.to_string() == "168.63.129.16/32"; }),
	          1);
	// login.microsoftonline.com is a core row and (here) not yet a feature row.
	const NameRule* login = find_name(*p, "login.microsoftonline.com");
	ASSERT_NE(login, nullptr);
	EXPECT_EQ(login->origins, std::vector<std::string>{"pub-fqdn-entra"});
}

TEST(Compiler, FeatureRowsAddOriginsToSharedNames) {
	auto p =
	    compile(parse(kBase + "features: [monitor, workload-identity]\n"), embedded_catalog(), nullptr);
	ASSERT_TRUE(p.ok());
	const NameRule* login = find_name(*p, "login.microsoftonline.com");
	ASSERT_NE(login, nullptr);
	EXPECT_TRUE(has(login->origins, "pub-fqdn-entra"));
	EXPECT_TRUE(has(login->origins, "mon-pub-06"));
	EXPECT_TRUE(has(login->origins, "wi-login-pub"));
	// {cluster-region-name} filled from location.
	EXPECT_NE(find_name(*p, "eastus.handler.control.monitor.azure.com"), nullptr);
}

TEST(Compiler, ServiceTagAlternativeRowsDoNotWidenThePolicy) {
	// AzureMonitor is in the test ServiceTags file, yet the feature's name rows are what is compiled.
	auto tags = load_case_tags(cloud_cases()[0]);
	auto p = compile(parse(kBase + "features: [monitor]\n"), embedded_catalog(), &tags);
	ASSERT_TRUE(p.ok());
	for (const auto& c : p->cidrs)
		EXPECT_FALSE(has(c.origins, "mon-net-servicetag")) << c.cidr.to_string();
	EXPECT_NE(find_name(*p, "*.ods.opinsights.azure.com"), nullptr);
}

TEST(Compiler, ExpandsLocationAndKeepsTheCatalogWildcardDepth) {
	auto p = compile(parse(kBase), embedded_catalog(), nullptr);
	ASSERT_TRUE(p.ok());
	const NameRule* hcp = find_name(*p, "*.hcp.eastus.azmk8s.io");
	ASSERT_NE(hcp, nullptr);
	EXPECT_EQ(hcp->kind, NameKind::one_label);
	const NameRule* data = find_name(*p, "**.data.mcr.microsoft.com");
	ASSERT_NE(data, nullptr);
	EXPECT_EQ(data->kind, NameKind::many_labels);
	for (const auto& n : p->names)
		EXPECT_EQ(n.pattern.find('{'), std::string::npos) << n.pattern;
}

TEST(Compiler, TunnelRowsWithoutServiceTagsFallBackToApiServerIpsWithAWarning) {
	auto p = compile(parse(kBase + "konnectivity: false\napiServer:\n  ips: [20.0.0.1]\n"),
	                 embedded_catalog(), nullptr);
	ASSERT_TRUE(p.ok());
	const CidrRule* api = find_cidr(*p, "20.0.0.1/32");
	ASSERT_NE(api, nullptr);
	EXPECT_TRUE(has(api->origins, "pub-net-udp1194-tunnel"));
	EXPECT_TRUE(has(api->origins, "pub-net-tcp9000-tunnel"));
	EXPECT_TRUE(has_warning(*p, "pub-net-udp1194-tunnel", "API server IPs only"));
}

TEST(Compiler, TunnelRowsWithOnlyAnApiServerNameBecomeNameRules) {
	auto p = compile(parse(kBase + "konnectivity: false\napiServer:\n  fqdn: x-1.hcp.eastus.azmk8s.io\n"),
	                 embedded_catalog(), nullptr);
	ASSERT_TRUE(p.ok());
	const NameRule* api = find_name(*p, "x-1.hcp.eastus.azmk8s.io");
	ASSERT_NE(api, nullptr);
	// The API server name is always allowed on 443 (safety floor), and here on the tunnel ports.
	EXPECT_EQ(ports_text(api->ports), "tcp/443,tcp/9000,udp/1194");
	EXPECT_EQ(api->kind, NameKind::exact); // resolved actively, like every exact name
	EXPECT_TRUE(has(api->origins, "floor:apiServer"));
	EXPECT_TRUE(has(api->origins, "pub-net-udp1194-tunnel"));
	EXPECT_TRUE(
	    has_warning(*p, "pub-net-udp1194-tunnel", "API server name x-1.hcp.eastus.azmk8s.io only"));
}

TEST(Compiler, TunnelRowsWithNothingKnownWarnAndAllowNothing) {
	auto p = compile(parse(kBase + "konnectivity: false\n"), embedded_catalog(), nullptr);
	ASSERT_TRUE(p.ok());
	EXPECT_TRUE(has_warning(*p, "pub-net-udp1194-tunnel", "cannot be enforced"));
	for (const auto& c : p->cidrs)
		EXPECT_FALSE(ports_allow(c.ports, Proto::udp, 1194) && !c.floor) << c.cidr.to_string();
}

// Enforce mode: a required row that compiles to nothing refuses the policy, naming each row and
// what would satisfy it (audit mode keeps the warnings above and compiles).
TEST(Compiler, EnforceModeRefusesRequiredRowsThatCompileToNothing) {
	auto p = compile(parse(kBase + "konnectivity: false\nmode: enforce\n"), embedded_catalog(), nullptr);
	ASSERT_FALSE(p.ok());
	std::string e = p.error().to_string();
	EXPECT_NE(e.find("pub-net-udp1194-tunnel (required, udp/1194): set serviceTags"), std::string::npos)
	    << e;
	EXPECT_NE(e.find("pub-net-tcp9000-tunnel (required, tcp/9000)"), std::string::npos) << e;
	EXPECT_NE(e.find("or apiServer.ips or apiServer.fqdn"), std::string::npos) << e;
	EXPECT_NE(e.find("or run in mode audit"), std::string::npos) << e;
	// Each way out compiles: a ServiceTags input, the API server's IPs, or its name.
	auto tags = load_case_tags(cloud_cases()[0]);
	EXPECT_TRUE(
	    compile(parse(kBase + "konnectivity: false\nmode: enforce\n"), embedded_catalog(), &tags).ok());
	for (const char* api :
	     {"apiServer:\n  ips: [20.0.0.1]\n", "apiServer:\n  fqdn: a-1.hcp.eastus.azmk8s.io\n"}) {
		auto q = compile(parse(kBase + "konnectivity: false\nmode: enforce\n" + api),
		                 embedded_catalog(), nullptr);
		EXPECT_TRUE(q.ok()) << api << q.error().to_string();
	}
	// konnectivity (the default) has no tunnel rows in the public cloud: nothing is missing.
	EXPECT_TRUE(compile(parse(kBase + "mode: enforce\n"), embedded_catalog(), nullptr).ok());
}

TEST(Compiler, EnforceModeNamesTheSovereignTunnelRowsKeptUnderKonnectivity) {
	// The China table prints no konnectivity exemption: its tunnel rows need a destination.
	auto p = compile(parse("cloud: AzureChinaCloud\nlocation: chinaeast2\nmode: enforce\n"
	                       "clusterCIDRs: [10.224.0.0/12]\n"),
	                 embedded_catalog(), nullptr);
	ASSERT_FALSE(p.ok());
	EXPECT_NE(p.error().to_string().find("cn-net-tcp22-tunnel (required, tcp/22)"), std::string::npos)
	    << p.error().to_string();
}

TEST(Compiler, Enforce2020NeedsADecisionOnTheBlanket443Row) {
	auto p = compile(parse(kBase + "edition: \"2020\"\nmode: enforce\n"), embedded_catalog(), nullptr);
	ASSERT_FALSE(p.ok());
	EXPECT_NE(p.error().to_string().find("legacy-net-tcp443-any (required, tcp/443): an allow rule"),
	          std::string::npos)
	    << p.error().to_string();
}

TEST(Compiler, TheApiServerNameIsAlwaysAllowedOn443) {
	auto p = compile(parse(kBase + "apiServer:\n  fqdn: a-1.hcp.eastus.azmk8s.io\n"), embedded_catalog(),
	                 nullptr);
	ASSERT_TRUE(p.ok());
	const NameRule* api = find_name(*p, "a-1.hcp.eastus.azmk8s.io");
	ASSERT_NE(api, nullptr);
	EXPECT_EQ(api->kind, NameKind::exact);
	EXPECT_EQ(ports_text(api->ports), "tcp/443"); // konnectivity: no tunnel ports
	EXPECT_EQ(api->origins, std::vector<std::string>{"floor:apiServer"});
}

TEST(Compiler, GrantsKeepEachRowAndTheServiceTagByName) {
	auto tags = load_case_tags(cloud_cases()[0]);
	auto config = parse("cloud: AzureCloud\nlocation: francecentral\nkonnectivity: false\n"
	                    "clusterCIDRs: [10.224.0.0/12]\nfeatures: [monitor]\n");
	auto p = compile(config, embedded_catalog(), &tags);
	ASSERT_TRUE(p.ok()) << p.error().to_string();
	auto find = [&](const std::string& origin, Grant::Kind kind) -> const Grant* {
		for (const auto& g : p->grants)
			if (g.origin == origin && g.kind == kind)
				return &g;
		return nullptr;
	};
	const Grant* tunnel = find("pub-net-udp1194-tunnel", Grant::Kind::service_tag);
	ASSERT_NE(tunnel, nullptr);
	EXPECT_EQ(tunnel->destination, "AzureCloud.centralfrance");
	EXPECT_TRUE(tunnel->expanded);
	EXPECT_EQ(ports_text(tunnel->ports), "udp/1194");
	EXPECT_EQ(find("pub-net-udp1194-tunnel", Grant::Kind::cidr), nullptr) << "the tag, not its prefixes";
	const Grant* monitor = find("mon-net-servicetag", Grant::Kind::service_tag);
	ASSERT_NE(monitor, nullptr);
	EXPECT_EQ(monitor->destination, "AzureMonitor");
	EXPECT_FALSE(monitor->expanded); // the node compiles the monitor names instead
	const Grant* cluster = find("floor:clusterCIDRs", Grant::Kind::cidr);
	ASSERT_NE(cluster, nullptr);
	EXPECT_TRUE(cluster->node_only);
	const Grant* wireserver = find("local-wireserver", Grant::Kind::cidr);
	ASSERT_NE(wireserver, nullptr);
	EXPECT_TRUE(wireserver->node_only);
	// Without a ServiceTags input the tag is still named, for exporters, but not expanded.
	auto q = compile(parse("cloud: AzureCloud\nlocation: francecentral\nkonnectivity: false\n"
	                       "apiServer:\n  ips: [20.0.0.1]\n"),
	                 embedded_catalog(), nullptr);
	ASSERT_TRUE(q.ok());
	bool named = std::any_of(q->grants.begin(), q->grants.end(), [](const Grant& g) {
		return g.destination == "AzureCloud.centralfrance" && !g.expanded;
	});
	EXPECT_TRUE(named);
}

TEST(Compiler, ServiceTagsOfAnotherCloudAreAnError) {
	auto tags = load_case_tags(cloud_cases()[1]); // China file
	auto p = compile(parse(kBase + "konnectivity: false\n"), embedded_catalog(), &tags);
	ASSERT_FALSE(p.ok());
	EXPECT_NE(p.error().to_string().find("serviceTags"), std::string::npos) << p.error().to_string();
}

TEST(Compiler, IrregularRegionTagIsFoundByItsRegionField) {
	auto tags = load_case_tags(cloud_cases()[0]);
	auto config = parse("cloud: AzureCloud\nlocation: francecentral\nkonnectivity: false\n");
	auto p = compile(config, embedded_catalog(), &tags);
	ASSERT_TRUE(p.ok()) << p.error().to_string();
	const CidrRule* c = find_cidr(*p, "203.0.113.0/26");
	ASSERT_NE(c, nullptr);
	EXPECT_EQ(ports_text(c->ports), "tcp/9000,udp/1194");
}

TEST(Compiler, AllowRulesCarryTheirConfigOrigin) {
	auto tags = load_case_tags(cloud_cases()[0]);
	auto config = parse(kBase + "serviceTags: tags.json\n" +
	                    "allow:\n"
	                    "  - fqdn: api.example.com\n"
	                    "    ports: [tcp/443, tcp/8443]\n"
	                    "  - name: monitor-tag\n"
	                    "    serviceTag: AzureMonitor\n"
	                    "    ports: [tcp/443]\n"
	                    "  - cidr: 198.18.0.0/15\n"
	                    "    ports: [udp/4789]\n");
	auto p = compile(config, embedded_catalog(), &tags);
	ASSERT_TRUE(p.ok()) << p.error().to_string();
	const NameRule* n = find_name(*p, "api.example.com");
	ASSERT_NE(n, nullptr);
	EXPECT_EQ(n->origins, std::vector<std::string>{"config:allow[0]"});
	EXPECT_EQ(ports_text(n->ports), "tcp/443,tcp/8443");
	const CidrRule* tag = find_cidr(*p, "203.0.113.128/28");
	ASSERT_NE(tag, nullptr);
	EXPECT_TRUE(has(tag->origins, "config:monitor-tag"));
	const CidrRule* c = find_cidr(*p, "198.18.0.0/15");
	ASSERT_NE(c, nullptr);
	EXPECT_EQ(c->origins, std::vector<std::string>{"config:allow[2]"});
	EXPECT_FALSE(c->floor);
}

TEST(Compiler, AllowServiceTagWithoutAServiceTagsInputIsAnError) {
	// --service-tags can be missing at render time even though the config names a file.
	auto config = parse(
	    kBase + "serviceTags: tags.json\nallow:\n  - serviceTag: AzureMonitor\n    ports: [tcp/443]\n");
	auto p = compile(config, embedded_catalog(), nullptr);
	ASSERT_FALSE(p.ok());
	EXPECT_NE(p.error().to_string().find("AzureMonitor"), std::string::npos);
}

TEST(Compiler, LabelGlobRowsAreNeverCompiledSilently) {
	// Observed rows are not selected at all; nothing with a '*' inside a label reaches the policy.
	auto p = compile(parse(kBase + "recommended: true\n"), embedded_catalog(), nullptr);
	ASSERT_TRUE(p.ok());
	for (const auto& n : p->names) {
		auto star = n.pattern.find('*');
		EXPECT_TRUE(star == std::string::npos || star == 0) << n.pattern;
	}
}

TEST(Compiler, Edition2020SelectsTheOldRows) {
	auto p = compile(parse(kBase + "edition: \"2020\"\n"), embedded_catalog(), nullptr);
	ASSERT_TRUE(p.ok()) << p.error().to_string();
	EXPECT_EQ(p->edition, "2020");
	// 2020: *.tun and *.cdn.mscr.io were listed; packages.aks.azure.com was not.
	bool tun = std::any_of(p->names.begin(), p->names.end(), [](const NameRule& n) {
		return n.pattern.find("tun.eastus.azmk8s.io") != std::string::npos;
	});
	EXPECT_TRUE(tun);
	EXPECT_EQ(find_name(*p, "packages.aks.azure.com"), nullptr);
	// The 2020 page's blanket "TCP 443 to anywhere" cannot be a CIDR rule.
	EXPECT_TRUE(has_warning(*p, "legacy-net-tcp443-any", "cannot be enforced as a CIDR"));
}

TEST(Compiler, ExclusionReasonExplainsEachFilter) {
	auto config = parse(kBase);
	const auto& cat = embedded_catalog();
	auto reason = [&](const char* id) {
		const catalog::Entry* e = cat.find(id);
		EXPECT_NE(e, nullptr) << id;
		return e ? exclusion_reason(*e, config) : std::nullopt;
	};
	EXPECT_FALSE(reason("pub-fqdn-mcr").has_value());
	EXPECT_NE(reason("gpu-nvidia-github").value_or("").find("feature gpu"), std::string::npos);
	EXPECT_NE(reason("pub-rec-ubuntu-security").value_or("").find("recommended"), std::string::npos);
	EXPECT_NE(reason("pub-net-udp1194-tunnel").value_or("").find("konnectivity"), std::string::npos);
	EXPECT_NE(reason("cn-net-tcp22-tunnel").value_or("").find("AzureChinaCloud"), std::string::npos);
	EXPECT_NE(reason("wl-mcrprod-reported").value_or("").find("never allowed by default"),
	          std::string::npos);
}

} // namespace
} // namespace egress::policy::test
