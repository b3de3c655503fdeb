#include "policy/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace {

using namespace egress;
using namespace egress::policy;
using namespace std::chrono_literals;

const std::string kMinimal = "cloud: AzureCloud\nlocation: eastus\n";

Config parse_ok(const std::string& text) {
	auto r = parse_config(text, "test.yaml");
	EXPECT_TRUE(r.ok()) << r.error().to_string() << "\n--- input:\n" << text;
	return r.ok() ? *r : Config{};
}

// The full error text ("test.yaml: <path>: <problem>..."), or "" when the text parsed.
std::string parse_err(const std::string& text) {
	auto r = parse_config(text, "test.yaml");
	if (r.ok())
		return "";
	return r.error().to_string();
}

::testing::AssertionResult fails_with(const std::string& text, const std::string& expected) {
	auto err = parse_err(text);
	if (err.empty())
		return ::testing::AssertionFailure() << "parsed, expected an error containing: " << expected;
	if (err.find(expected) == std::string::npos)
		return ::testing::AssertionFailure()
		       << "error \"" << err << "\" lacks \"" << expected << "\"";
	return ::testing::AssertionSuccess();
}

TEST(Config, MinimalGetsEveryDefault) {
	Config c = parse_ok(kMinimal);
	EXPECT_EQ(c.cloud, Cloud::azure_cloud);
	EXPECT_EQ(c.location, "eastus");
	EXPECT_EQ(c.edition, Edition::current);
	EXPECT_EQ(c.mode, Mode::audit);
	EXPECT_EQ(c.fail_mode, FailMode::closed);
	EXPECT_TRUE(c.features.empty());
	EXPECT_FALSE(c.recommended);
	EXPECT_TRUE(c.konnectivity);
	EXPECT_TRUE(c.api_server.fqdn.empty());
	EXPECT_TRUE(c.cluster_cidrs.empty());
	EXPECT_TRUE(c.dns_servers.empty());
	EXPECT_TRUE(c.service_tags.empty());
	EXPECT_TRUE(c.allow.empty());
	EXPECT_EQ(c.deny_log.file, "");
	EXPECT_EQ(c.deny_log.max_size_mb, 100u);
	EXPECT_EQ(c.deny_log.max_files, 5u);
	EXPECT_TRUE(c.deny_log.to_stdout);
	ASSERT_TRUE(c.metrics.listen.has_value());
	EXPECT_EQ(c.metrics.listen->to_string(), "127.0.0.1:9464");
	EXPECT_EQ(c.dns.min_ttl, 60s);
	EXPECT_EQ(c.dns.max_ttl, 86400s);
	EXPECT_EQ(c.dns.grace, 30s);
	EXPECT_EQ(c.cgroup_path, "");
	EXPECT_EQ(c.pin_path, "/sys/fs/bpf/aks-egress-guard");
	EXPECT_EQ(c.control_socket, "/run/aks-egress-guard/egressd.sock");
	EXPECT_EQ(c.uplink, "");
}

TEST(Config, EveryKeySet) {
	Config c = parse_ok(R"(
cloud: AzureUSGovernment
location: usgovvirginia
edition: "2020"
mode: enforce
failMode: open
features: [windows, gpu, azure-monitor, gpu]
recommended: true
konnectivity: true
apiServer:
  fqdn: MyAks.HCP.usgovvirginia.cx.aks.containerservice.azure.us.
  ips: [52.127.1.10, "2001:db8::10"]
clusterCIDRs: [10.224.0.0/16, "fd00:10::/64", 10.224.0.0/16]
dnsServers: [10.0.0.10, 168.63.129.16]
serviceTags: /etc/aks-egress-guard/servicetags.json
allow:
  - name: github
    comment: source downloads
    fqdn: "**.GitHub.com."
    ports: [tcp/443, tcp/80, tcp/443]
  - cidr: 10.50.0.0/24
    ports: ["udp/1000-2000", any]
  - serviceTag: AzureMonitor
denyLog:
  file: /var/log/egress/deny.log
  maxSizeMB: 10
  maxFiles: 2
  stdout: false
metrics:
  listen: "[::]:9100"
dns:
  minTTL: 5
  maxTTL: 1h30m
  grace: 2m
cgroupPath: /sys/fs/cgroup/test.slice
pinPath: /sys/fs/bpf/test-pins
controlSocket: /tmp/egressd.sock
uplink: eth0
)");
	EXPECT_EQ(c.cloud, Cloud::azure_us_government);
	EXPECT_EQ(c.edition, Edition::v2020);
	EXPECT_EQ(c.mode, Mode::enforce);
	EXPECT_EQ(c.fail_mode, FailMode::open);
	EXPECT_EQ(c.features,
	          (std::vector<std::string>{"gpu", "monitor", "windows"})); // aliases resolved, sorted
	EXPECT_TRUE(c.has_feature("monitor"));
	EXPECT_TRUE(c.has_feature("azure-monitor"));
	EXPECT_FALSE(c.has_feature("defender"));
	EXPECT_TRUE(c.recommended);
	EXPECT_TRUE(c.konnectivity); // explicit beats the 2020 default
	EXPECT_EQ(c.api_server.fqdn, "myaks.hcp.usgovvirginia.cx.aks.containerservice.azure.us");
	ASSERT_EQ(c.api_server.ips.size(), 2u);
	EXPECT_EQ(c.api_server.ips[1].to_string(), "2001:db8::10");
	ASSERT_EQ(c.cluster_cidrs.size(), 2u); // duplicate dropped
	EXPECT_EQ(c.cluster_cidrs[1].to_string(), "fd00:10::/64");
	ASSERT_EQ(c.dns_servers.size(), 2u);
	EXPECT_EQ(c.service_tags, "/etc/aks-egress-guard/servicetags.json");
	ASSERT_EQ(c.allow.size(), 3u);
	EXPECT_EQ(c.allow[0].id, "github");
	EXPECT_EQ(c.allow[0].comment, "source downloads");
	EXPECT_EQ(c.allow[0].kind, AllowRule::Kind::fqdn);
	EXPECT_EQ(c.allow[0].fqdn, "**.github.com");
	ASSERT_EQ(c.allow[0].ports.size(), 2u); // sorted, duplicate dropped
	EXPECT_EQ(c.allow[0].ports[0].to_string(), "tcp/80");
	EXPECT_EQ(c.allow[0].ports[1].to_string(), "tcp/443");
	EXPECT_EQ(c.allow[1].id, "allow[1]");
	EXPECT_EQ(c.allow[1].kind, AllowRule::Kind::cidr);
	EXPECT_EQ(c.allow[1].cidr.to_string(), "10.50.0.0/24");
	EXPECT_EQ(c.allow[1].ports.size(), 2u);
	EXPECT_EQ(c.allow[2].kind, AllowRule::Kind::service_tag);
	EXPECT_EQ(c.allow[2].service_tag, "AzureMonitor");
	ASSERT_EQ(c.allow[2].ports.size(), 1u);
	EXPECT_EQ(c.allow[2].ports[0].to_string(), "tcp/443"); // the default
	EXPECT_EQ(c.deny_log.file, "/var/log/egress/deny.log");
	EXPECT_EQ(c.deny_log.max_size_mb, 10u);
	EXPECT_EQ(c.deny_log.max_files, 2u);
	EXPECT_FALSE(c.deny_log.to_stdout);
	ASSERT_TRUE(c.metrics.listen);
	EXPECT_EQ(c.metrics.listen->host, "::");
	EXPECT_EQ(c.metrics.listen->port, 9100);
	EXPECT_EQ(c.dns.min_ttl, 5s);
	EXPECT_EQ(c.dns.max_ttl, 5400s);
	EXPECT_EQ(c.dns.grace, 120s);
	EXPECT_EQ(c.cgroup_path, "/sys/fs/cgroup/test.slice");
	EXPECT_EQ(c.pin_path, "/sys/fs/bpf/test-pins");
	EXPECT_EQ(c.control_socket, "/tmp/egressd.sock");
	EXPECT_EQ(c.uplink, "eth0");
}

TEST(Config, DnsQueryPolicyAndClusterDomain) {
	Config d = parse_ok(kMinimal);
	EXPECT_EQ(d.dns.query_policy, QueryPolicy::allowed) << "tunnelling is closed by default";
	EXPECT_EQ(d.dns.cluster_domain, "cluster.local");
	Config c = parse_ok(kMinimal + "dns:\n  queryPolicy: any\n  clusterDomain: Corp.Cluster.\n");
	EXPECT_EQ(c.dns.query_policy, QueryPolicy::any);
	EXPECT_EQ(c.dns.cluster_domain, "corp.cluster") << "normalized like every name";
	EXPECT_TRUE(fails_with(kMinimal + "dns:\n  queryPolicy: none\n", "dns.queryPolicy"));
	EXPECT_TRUE(fails_with(kMinimal + "dns:\n  clusterDomain: \"bad name!\"\n", "dns.clusterDomain"));
}

TEST(Config, KonnectivityDefaultFollowsEdition) {
	EXPECT_TRUE(parse_ok(kMinimal + "edition: current\n").konnectivity);
	EXPECT_FALSE(parse_ok(kMinimal + "edition: 2020\n").konnectivity);
	EXPECT_FALSE(parse_ok(kMinimal + "konnectivity: false\n").konnectivity);
}

TEST(Config, MissingRequiredKeys) {
	EXPECT_TRUE(fails_with("location: eastus\n", "test.yaml: cloud: missing"));
	EXPECT_TRUE(fails_with("cloud: AzureCloud\n", "test.yaml: location: missing"));
	EXPECT_TRUE(fails_with("", "empty config"));
	EXPECT_TRUE(fails_with("# only a comment\n", "empty config"));
	EXPECT_TRUE(fails_with("- cloud\n", "(top level): expected a map of keys, got a list"));
	EXPECT_TRUE(fails_with("just text\n", "expected a map of keys, got a scalar"));
}

TEST(Config, UnknownKeysNameTheirPath) {
	EXPECT_TRUE(fails_with(kMinimal + "colud: x\n",
	                       "test.yaml: colud: unknown key (known keys: cloud, location"));
	EXPECT_TRUE(
	    fails_with(kMinimal + "failmode: open\n", "failmode: unknown key (did you mean failMode?)"));
	EXPECT_TRUE(fails_with(kMinimal + "denyLog:\n  maxSize: 3\n", "denyLog.maxSize: unknown key"));
	EXPECT_TRUE(fails_with(kMinimal + "dns:\n  ttl: 3\n", "dns.ttl: unknown key"));
	EXPECT_TRUE(fails_with(kMinimal + "apiServer:\n  ip: 1.2.3.4\n", "apiServer.ip: unknown key"));
	EXPECT_TRUE(fails_with(kMinimal + "metrics:\n  port: 9\n", "metrics.port: unknown key"));
	EXPECT_TRUE(fails_with(
	    kMinimal + "allow:\n  - fqdn: a.example.com\n  - fqdn: b.example.com\n    port: tcp/1\n",
	    "allow[1].port: unknown key"));
}

TEST(Config, ErrorsCarryLineAndColumn) {
	EXPECT_TRUE(fails_with(
	    kMinimal + "allow:\n  - fqdn: a.example.com\n    ports: [tcp/443, tcp/99999]\n",
	    "test.yaml: allow[0].ports[1]: \"tcp/99999\": port out of range 1-65535 (line 5, column 22)"));
}

TEST(Config, DuplicateKeys) {
	EXPECT_TRUE(fails_with(kMinimal + "mode: audit\nmode: enforce\n", "mode: duplicate key"));
}

TEST(Config, WrongTypes) {
	EXPECT_TRUE(fails_with(kMinimal + "features: gpu\n", "features: expected a list, got a scalar"));
	EXPECT_TRUE(
	    fails_with(kMinimal + "features: [[gpu]]\n", "features[0]: expected a string, got a list"));
	EXPECT_TRUE(
	    fails_with(kMinimal + "recommended: yes\n", "recommended: \"yes\": expected true or false"));
	EXPECT_TRUE(fails_with(kMinimal + "recommended: [true]\n",
	                       "recommended: expected true or false, got a list"));
	EXPECT_TRUE(fails_with(kMinimal + "apiServer: x\n", "apiServer: expected a map, got a scalar"));
	EXPECT_TRUE(fails_with(kMinimal + "denyLog:\n  maxFiles: three\n",
	                       "denyLog.maxFiles: \"three\": expected a whole number"));
	EXPECT_TRUE(fails_with(kMinimal + "denyLog:\n  maxFiles: -1\n", "expected a whole number"));
	EXPECT_TRUE(fails_with(kMinimal + "denyLog:\n  maxFiles: 0\n",
	                       "denyLog.maxFiles: \"0\": out of range 1-100"));
	EXPECT_TRUE(fails_with(kMinimal + "denyLog:\n  maxSizeMB: 20000\n", "out of range 1-10240"));
	EXPECT_TRUE(fails_with(kMinimal + "cloud2: {a: 1}\n", "cloud2: unknown key"));
	EXPECT_TRUE(fails_with(kMinimal + "mode:\n", "mode: expected a string, got no value"));
	EXPECT_TRUE(
	    fails_with("cloud: [AzureCloud]\nlocation: eastus\n", "cloud: expected a string, got a list"));
	EXPECT_TRUE(fails_with(kMinimal + "{x: 1}: 2\n", "a key must be a string"));
}

TEST(Config, EnumValues) {
	EXPECT_TRUE(
	    fails_with("cloud: Azure\nlocation: eastus\n",
	               "cloud: \"Azure\": expected AzureCloud, AzureChinaCloud or AzureUSGovernment"));
	EXPECT_TRUE(fails_with(kMinimal + "edition: 2019\n", "edition: \"2019\": expected current or 2020"));
	EXPECT_TRUE(fails_with(kMinimal + "mode: Enforce\n", "mode: \"Enforce\": expected audit or enforce"));
	EXPECT_TRUE(fails_with(kMinimal + "failMode: shut\n", "failMode: \"shut\": expected closed or open"));
}

TEST(Config, LocationMustBeLowerCaseAndMatchTheCloud) {
	EXPECT_TRUE(fails_with(
	    "cloud: AzureCloud\nlocation: EastUS\n",
	    "location: \"EastUS\": expected a lower-case region name like eastus (did you mean eastus?)"));
	EXPECT_TRUE(fails_with("cloud: AzureCloud\nlocation: East US\n", "(did you mean eastus?)"));
	EXPECT_TRUE(fails_with("cloud: AzureCloud\nlocation: \"\"\n",
	                       "location: \"\": expected a lower-case region"));
	// The location must be one of the cloud's (the cloud table, catalog/cloud.h).
	EXPECT_TRUE(fails_with("cloud: AzureCloud\nlocation: chinaeast2\n",
	                       "location: \"chinaeast2\": a location of AzureChinaCloud, not of AzureCloud; "
	                       "set `cloud` to match"));
	EXPECT_TRUE(fails_with("cloud: AzureChinaCloud\nlocation: eastus\n",
	                       "\"eastus\": a location of AzureCloud, not of AzureChinaCloud"));
	EXPECT_TRUE(fails_with("cloud: AzureUSGovernment\nlocation: eastus\n",
	                       "\"eastus\": a location of AzureCloud, not of AzureUSGovernment"));
	EXPECT_TRUE(fails_with(
	    "cloud: AzureCloud\nlocation: eastuss\n",
	    "location: \"eastuss\": not a location of AzureCloud (did you mean eastus or eastus2"));
	// Microsoft's service-tag region name is not the ARM location.
	EXPECT_TRUE(
	    fails_with("cloud: AzureCloud\nlocation: centralfrance\n", "not a location of AzureCloud"));
	EXPECT_TRUE(fails_with("cloud: AzureUSGovernment\nlocation: usgovmars\n",
	                       "(known: usdodcentral, usdodeast, usgovarizona, usgovtexas, usgovvirginia)"));
	EXPECT_EQ(parse_ok("cloud: AzureCloud\nlocation: germanywestcentral\n").location,
	          "germanywestcentral");
	EXPECT_EQ(parse_ok("cloud: AzureUSGovernment\nlocation: usdodeast\n").location, "usdodeast");
	EXPECT_EQ(parse_ok("cloud: AzureChinaCloud\nlocation: chinanorth3\n").cloud,
	          Cloud::azure_china_cloud);
}

TEST(Config, Features) {
	EXPECT_TRUE(fails_with(kMinimal + "features: [gpu, istio]\n",
	                       "features[1]: \"istio\": unknown feature (known: gpu, windows, monitor"));
	// Every table entry is reachable by name and alias, and maps to a feature category.
	for (const auto& f : known_features()) {
		EXPECT_EQ(find_feature(f.name), &f);
		if (!f.alias.empty()) {
			EXPECT_EQ(find_feature(f.alias), &f);
		}
		EXPECT_EQ(f.catalog_category.substr(0, 8), "feature:");
		Config c = parse_ok(kMinimal + "features: [" + std::string(f.name) + "]\n");
		EXPECT_EQ(c.features, std::vector<std::string>{std::string(f.name)});
	}
	EXPECT_EQ(find_feature("csi-secrets-store")->catalog_category, "feature:keyvault-csi");
	EXPECT_EQ(find_feature("policy")->catalog_category, "feature:azure-policy");
	EXPECT_EQ(find_feature("nope"), nullptr);
	EXPECT_TRUE(parse_ok(kMinimal + "features: []\n").features.empty());
	EXPECT_TRUE(parse_ok(kMinimal + "features:\n").features.empty());
}

TEST(Config, ApiServer) {
	EXPECT_TRUE(fails_with(kMinimal + "apiServer:\n  fqdn: \"*.hcp.eastus.azmk8s.io\"\n",
	                       "apiServer.fqdn: \"*.hcp.eastus.azmk8s.io\": a wildcard is not allowed here"));
	EXPECT_TRUE(fails_with(kMinimal + "apiServer:\n  ips: [1.2.3]\n",
	                       "apiServer.ips[0]: \"1.2.3\": not an IPv4 address"));
	EXPECT_TRUE(fails_with(kMinimal + "apiServer:\n  ips: 1.2.3.4\n", "apiServer.ips: expected a list"));
	EXPECT_TRUE(parse_ok(kMinimal + "apiServer:\n  fqdn: \"\"\n").api_server.fqdn.empty());
}

TEST(Config, ClusterCidrsAndDnsServers) {
	EXPECT_TRUE(fails_with(
	    kMinimal + "clusterCIDRs: [10.0.0.0/8, 10.244.0.1/16]\n",
	    "clusterCIDRs[1]: \"10.244.0.1/16\": host bits set beyond /16 (did you mean 10.244.0.0/16?)"));
	EXPECT_TRUE(fails_with(kMinimal + "clusterCIDRs: [10.0.0.0/33]\n",
	                       "clusterCIDRs[0]: \"10.0.0.0/33\": bad prefix"));
	EXPECT_TRUE(fails_with(kMinimal + "dnsServers: [10.0.0.10, 10.0.0.0/24]\n",
	                       "dnsServers[1]: \"10.0.0.0/24\": not an IPv4 address"));
	EXPECT_TRUE(fails_with(kMinimal + "dnsServers: [dns.example.com]\n", "dnsServers[0]"));
	EXPECT_EQ(parse_ok(kMinimal + "dnsServers: [\"fd00::53\"]\n").dns_servers[0].family, Family::v6);
}

TEST(Config, EnforceNeedsClusterCidrs) {
	EXPECT_TRUE(fails_with(kMinimal + "mode: enforce\n", "clusterCIDRs: required in enforce mode"));
	EXPECT_EQ(parse_ok(kMinimal + "mode: enforce\nclusterCIDRs: [10.0.0.0/8]\n").mode, Mode::enforce);
}

TEST(Config, AllowRules) {
	auto allow = [](const std::string& body) { return kMinimal + "allow:\n" + body; };
	EXPECT_TRUE(
	    fails_with(allow("  - ports: [tcp/443]\n"), "allow[0]: needs one of fqdn, cidr or serviceTag"));
	EXPECT_TRUE(fails_with(allow("  - fqdn: a.example.com\n    cidr: 10.0.0.0/8\n"),
	                       "allow[0].cidr: a rule has one destination, and this one already has fqdn"));
	EXPECT_TRUE(fails_with(allow("  - a.example.com\n"),
	                       "allow[0]: expected a map with fqdn, cidr or serviceTag, got a scalar"));
	EXPECT_TRUE(
	    fails_with(allow("  - fqdn: a.example.com\n    ports: []\n"), "allow[0].ports: empty list"));
	EXPECT_TRUE(fails_with(allow("  - fqdn: a.example.com\n    ports: tcp/443\n"),
	                       "allow[0].ports: expected a list"));
	EXPECT_TRUE(fails_with(allow("  - fqdn: a.example.com\n  - fqdn: b.example.com\n  - fqdn: "
	                             "c.example.com\n    ports: [tcp/99999]\n"),
	                       "allow[2].ports[0]: \"tcp/99999\": port out of range 1-65535"));
	EXPECT_TRUE(
	    fails_with(allow("  - cidr: 10.0.0.1/8\n"), "allow[0].cidr: \"10.0.0.1/8\": host bits set"));
	EXPECT_TRUE(
	    fails_with(allow("  - serviceTag: AzureMonitor\n"), "allow[0].serviceTag: needs `serviceTags`"));
	EXPECT_TRUE(fails_with(allow("  - serviceTag: \"Azure Monitor\"\n"), "not a service-tag name"));
	EXPECT_TRUE(
	    fails_with(allow("  - name: x\n    fqdn: a.example.com\n  - name: x\n    fqdn: b.example.com\n"),
	               "allow[1].name: \"x\": duplicate rule name"));
	EXPECT_TRUE(fails_with(allow("  - name: \"bad name\"\n    fqdn: a.example.com\n"),
	                       "allow[0].name: \"bad name\": a name is"));
	Config c = parse_ok(allow(
	    "  - fqdn: ntp.ubuntu.com\n    ports: [udp/123]\n  - cidr: 0.0.0.0/0\n    ports: [udp/123]\n"));
	ASSERT_EQ(c.allow.size(), 2u);
	EXPECT_EQ(c.allow[0].id, "allow[0]");
	EXPECT_EQ(c.allow[1].cidr.prefix, 0);
}

TEST(Config, FqdnPatterns) {
	auto fqdn = [](const std::string& name) { return kMinimal + "allow:\n  - fqdn: \"" + name + "\"\n"; };
	EXPECT_EQ(parse_ok(fqdn("MCR.Microsoft.com.")).allow[0].fqdn, "mcr.microsoft.com");
	EXPECT_EQ(parse_ok(fqdn("*.data.mcr.microsoft.com")).allow[0].fqdn, "*.data.mcr.microsoft.com");
	EXPECT_EQ(parse_ok(fqdn("**.mp.microsoft.com")).allow[0].fqdn, "**.mp.microsoft.com");
	EXPECT_EQ(parse_ok(fqdn("_dmarc.example.com")).allow[0].fqdn, "_dmarc.example.com");
	struct Bad {
		const char* name;
		const char* problem;
	};
	for (const Bad& b :
	     {Bad{"md-*.blob.storage.azure.net", "a wildcard must be the whole leading label"},
	      Bad{"a.*.example.com", "a wildcard must be the whole leading label"},
	      Bad{"***.example.com", "a wildcard must be the whole leading label"},
	      Bad{"*", "a wildcard alone would allow every name"},
	      Bad{"*.com", "a wildcard directly over a top-level domain"},
	      Bad{"**.io.", "a wildcard directly over a top-level domain"},
	      Bad{"a..example.com", "empty label"}, Bad{".example.com", "empty label"}, Bad{"", "empty name"},
	      Bad{".", "empty name"}, Bad{"exa mple.com", "bad character in label"},
	      Bad{"ex/ample.com", "bad character"},
	      Bad{"-a.example.com", "label \"-a\" starts or ends with '-'"},
	      Bad{"10.0.0.1", "an IP address, not a name (use `cidr`)"}}) {
		EXPECT_TRUE(
		    fails_with(fqdn(b.name), std::string("allow[0].fqdn: \"") + b.name + "\": " + b.problem))
		    << b.name;
	}
	std::string long_label(64, 'a');
	EXPECT_TRUE(fails_with(fqdn(long_label + ".example.com"), "label longer than 63 bytes"));
	std::string name;
	while (name.size() < 260)
		name += "abcdefghi.";
	name += "com";
	EXPECT_TRUE(fails_with(fqdn(name), "name longer than 253 bytes"));
	EXPECT_TRUE(normalize_fqdn(std::string(63, 'a') + "." + std::string(63, 'b') + "." +
	                           std::string(63, 'c') + "." + std::string(61, 'd'))
	                .ok()); // exactly 253
}

TEST(Config, Durations) {
	auto dns = [](const std::string& body) { return kMinimal + "dns:\n" + body; };
	EXPECT_EQ(parse_ok(dns("  minTTL: 0\n")).dns.min_ttl, 0s);
	EXPECT_EQ(parse_ok(dns("  maxTTL: 1d\n")).dns.max_ttl, 86400s);
	EXPECT_EQ(parse_ok(dns("  grace: 90s\n")).dns.grace, 90s);
	EXPECT_EQ(parse_ok(dns("  grace: 1m30s\n")).dns.grace, 90s);
	EXPECT_TRUE(fails_with(dns("  grace: 2h\n"), "dns.grace: \"2h\": out of range 0s-3600s"));
	EXPECT_TRUE(fails_with(dns("  maxTTL: 0\n"), "dns.maxTTL: \"0\": out of range 1s-604800s"));
	for (const char* bad : {"-5", "5x", "1m30", "m", "1.5s", "", "5 s", "99999999999999999999"})
		EXPECT_TRUE(fails_with(dns(std::string("  grace: \"") + bad + "\"\n"), "dns.grace")) << bad;
	EXPECT_TRUE(
	    fails_with(dns("  minTTL: 10m\n  maxTTL: 5m\n"), "dns.minTTL: 600s is above dns.maxTTL (300s)"));
	EXPECT_TRUE(fails_with(dns("  minTTL: 2d\n"), "is above dns.maxTTL")); // against the default maxTTL
}

TEST(Config, DenyLogMetricsAndPlumbing) {
	EXPECT_TRUE(fails_with(kMinimal + "denyLog:\n  file: deny.log\n",
	                       "denyLog.file: \"deny.log\": expected an absolute path"));
	EXPECT_EQ(parse_ok(kMinimal + "denyLog:\n  file: \"\"\n").deny_log.file, "");
	EXPECT_FALSE(parse_ok(kMinimal + "metrics:\n  listen: \"\"\n").metrics.listen.has_value());
	EXPECT_TRUE(fails_with(kMinimal + "metrics:\n  listen: localhost:9464\n",
	                       "metrics.listen: \"localhost:9464\": host must be an IP"));
	EXPECT_TRUE(fails_with(kMinimal + "metrics:\n  listen: 9464\n",
	                       "metrics.listen: \"9464\": expected HOST:PORT"));
	EXPECT_EQ(parse_ok(kMinimal + "metrics:\n  listen: \":9464\"\n").metrics.listen->host, "");
	EXPECT_TRUE(fails_with(kMinimal + "pinPath: \"\"\n", "pinPath: \"\": expected an absolute path"));
	EXPECT_TRUE(fails_with(kMinimal + "pinPath: relative/pins\n",
	                       "pinPath: \"relative/pins\": expected an absolute path"));
	EXPECT_TRUE(fails_with(kMinimal + "cgroupPath: sys/fs/cgroup\n", "cgroupPath"));
	EXPECT_EQ(parse_ok(kMinimal + "cgroupPath: \"\"\n").cgroup_path, "");
	EXPECT_TRUE(fails_with(kMinimal + "controlSocket: /" + std::string(107, 's') + "\n",
	                       "controlSocket: longer than 107 bytes"));
	EXPECT_EQ(
	    parse_ok(kMinimal + "controlSocket: /" + std::string(106, 's') + "\n").control_socket.size(),
	    107u);
	EXPECT_EQ(parse_ok(kMinimal + "uplink: auto\n").uplink, "auto");
	EXPECT_FALSE(parse_ok(kMinimal + "uplink: auto\n").uplink_enforce);
	for (const char* bad : {"eth0/1", "a-very-long-interface", "eth 0", "eth0:1", ".."})
		EXPECT_TRUE(fails_with(kMinimal + "uplink: \"" + bad + "\"\n", "uplink: \"")) << bad;
}

TEST(Config, UplinkObjectFormSaysWhetherTheBackstopEnforces) {
	Config c = parse_ok(kMinimal + "uplink: {interface: eth0, mode: enforce}\n");
	EXPECT_EQ(c.uplink, "eth0");
	EXPECT_TRUE(c.uplink_enforce);
	Config audit = parse_ok(kMinimal + "uplink:\n  interface: auto\n  mode: audit\n");
	EXPECT_EQ(audit.uplink, "auto");
	EXPECT_FALSE(audit.uplink_enforce);
	EXPECT_TRUE(fails_with(kMinimal + "uplink: {mode: enforce}\n",
	                       "uplink.mode: enforce needs uplink.interface"));
	EXPECT_TRUE(fails_with(kMinimal + "uplink: {interface: eth0, mode: drop}\n",
	                       "uplink.mode: \"drop\": expected audit or enforce"));
	EXPECT_TRUE(fails_with(kMinimal + "uplink: {interface: eth0/1}\n", "uplink.interface: \"eth0/1\""));
	EXPECT_TRUE(fails_with(kMinimal + "uplink: {iface: eth0}\n", "uplink.iface"));
	// to_json writes the object form only for enforce, and both read back.
	EXPECT_EQ(to_json(c)["uplink"]["mode"], "enforce");
	EXPECT_EQ(to_json(audit)["uplink"], "auto");
	auto again = parse_config(to_json(c).dump(), "round-trip");
	ASSERT_TRUE(again.ok()) << again.error().to_string();
	EXPECT_EQ(*again, c);
}

TEST(Config, HostGuard) {
	Config d = parse_ok(kMinimal);
	EXPECT_EQ(d.host_guard.raw_sockets, GuardSwitch::automatic);
	EXPECT_EQ(d.host_guard.objects, GuardSwitch::automatic);
	Config c = parse_ok(kMinimal + "hostGuard:\n  rawSockets: off\n  objects: auto\n  allow: "
	                               "[/system.slice/lldpd.service]\n");
	EXPECT_EQ(c.host_guard.raw_sockets, GuardSwitch::off);
	EXPECT_EQ(c.host_guard.allow, std::vector<std::string>{"/system.slice/lldpd.service"});
	EXPECT_TRUE(fails_with(kMinimal + "hostGuard: {rawSockets: on}\n",
	                       "hostGuard.rawSockets: \"on\": expected auto or off"));
	EXPECT_TRUE(fails_with(kMinimal + "hostGuard: {allow: [system.slice]}\n", "hostGuard.allow[0]"));
	EXPECT_TRUE(fails_with(kMinimal + "hostGuard: {allow: [/a/../b]}\n", "hostGuard.allow[0]"));
	auto again = parse_config(to_json(c).dump(), "round-trip");
	ASSERT_TRUE(again.ok()) << again.error().to_string();
	EXPECT_EQ(*again, c);
}

TEST(Config, Json) {
	Config c = parse_ok(R"({"cloud": "AzureChinaCloud", "location": "chinaeast2", "mode": "enforce",
	  "clusterCIDRs": ["10.0.0.0/8"], "recommended": true, "dns": {"minTTL": 10, "grace": "1m"},
	  "allow": [{"fqdn": "*.Example.cn", "ports": ["tcp/443", "udp/53"]}]})");
	EXPECT_EQ(c.cloud, Cloud::azure_china_cloud);
	EXPECT_EQ(c.mode, Mode::enforce);
	EXPECT_TRUE(c.recommended);
	EXPECT_EQ(c.dns.min_ttl, 10s);
	EXPECT_EQ(c.dns.grace, 60s);
	ASSERT_EQ(c.allow.size(), 1u);
	EXPECT_EQ(c.allow[0].fqdn, "*.example.cn");

	EXPECT_TRUE(fails_with(R"({"cloud": "AzureCloud", "location": "eastus", "extra": 1})",
	                       "test.yaml: extra: unknown key"));
	EXPECT_TRUE(fails_with(
	    R"({"cloud": "AzureCloud", "location": "eastus", "allow": [{"fqdn": "a.example.com", "ports": ["tcp/0"]}]})",
	    "allow[0].ports[0]: \"tcp/0\": port out of range 1-65535"));
	EXPECT_TRUE(fails_with(R"({"cloud": "AzureCloud", "location": "eastus", "recommended": 1})",
	                       "recommended: \"1\": expected true or false"));
	EXPECT_TRUE(fails_with(R"({"cloud": "AzureCloud" "location": "eastus"})", "invalid JSON: "));
	EXPECT_TRUE(fails_with(R"({"cloud": "AzureCloud" "location": "eastus"})", "; read as YAML: "));
	// A trailing comma is not JSON, but it is a YAML flow map.
	EXPECT_EQ(parse_ok(R"({"cloud": "AzureCloud", "location": "eastus",})").location, "eastus");
	EXPECT_TRUE(fails_with(R"({"cloud": "AzureCloud", "location": null})",
	                       "location: expected a string, got no value"));
	// A YAML flow map also starts with `{`: it is read as YAML when it is not JSON.
	EXPECT_EQ(
	    parse_ok("{cloud: AzureCloud, location: eastus, mode: enforce, clusterCIDRs: [10.0.0.0/8]}").mode,
	    Mode::enforce);
	std::string deep = "{\"cloud\":" + std::string(100, '[') + std::string(100, ']') + "}";
	EXPECT_TRUE(fails_with(deep, "nested more than 32 levels deep"));
}

TEST(Config, HostileInputIsAnErrorNotACrash) {
	EXPECT_TRUE(fails_with(std::string(200000, '['), "test.yaml: invalid YAML"));
	EXPECT_TRUE(fails_with(std::string(200000, '{'), "invalid JSON"));
	EXPECT_TRUE(fails_with("{\"cloud\": " + std::string(500000, '['), "invalid JSON"));
	EXPECT_TRUE(fails_with("{\"cloud\": " + std::string(100000, '[') + std::string(100000, ']') + "}",
	                       "nested more than 32 levels deep"));
	std::string block_seq;
	for (int i = 0; i < 100000; ++i)
		block_seq += "- ";
	EXPECT_TRUE(fails_with(block_seq + "x\n", "invalid YAML"));
	auto nested_maps = [](int depth) {
		std::string out;
		for (int i = 0; i < depth; ++i)
			out += std::string(i, ' ') + "k:\n";
		return out;
	};
	EXPECT_TRUE(fails_with(nested_maps(300), "test.yaml: k: unknown key"));
	EXPECT_TRUE(
	    fails_with(nested_maps(1400), "test.yaml: ")); // yaml-cpp gives up; what matters is no crash
	EXPECT_TRUE(fails_with(kMinimal + "---\n" + kMinimal, "more than one YAML document"));
	// yaml-cpp 0.7's LoadAll() loops forever on these (found by config_fuzz); they must fail fast.
	for (const char* stray : {"\"\",", "[1], ", "{cloud: AzureCloud, location: eastus},",
	                          "{\"cloud\": \"AzureCloud\"},", "'x',y"})
		EXPECT_TRUE(fails_with(stray, "more than one YAML document, or stray text")) << stray;
	EXPECT_TRUE(fails_with(kMinimal + "mode: \"\xff\xfe\"\n", "not UTF-8 text"));
	EXPECT_TRUE(fails_with(kMinimal + std::string("mode: a\0b\n", 10), "NUL byte"));
	EXPECT_TRUE(fails_with(std::string(kMaxConfigBytes + 1, ' '), "larger than 1048576 bytes"));
	EXPECT_TRUE(fails_with(kMinimal + "allow: &a [*a]\n", "test.yaml: allow"));
	EXPECT_TRUE(fails_with("cloud: AzureCloud\nlocation: eastus\n  bad indent: x\n", "invalid YAML"));
	// Aliases are legal YAML: a shared rule is read twice.
	Config c = parse_ok(kMinimal + "allow:\n  - &r {fqdn: a.example.com}\n  - *r\n");
	EXPECT_EQ(c.allow.size(), 2u);
}

TEST(Config, ToJsonRoundTrips) {
	const std::string full = R"(
cloud: AzureCloud
location: westeurope
mode: enforce
features: [policy, monitor]
clusterCIDRs: [10.0.0.0/8, "fd00::/8"]
dnsServers: [10.0.0.10]
serviceTags: tags.json
apiServer: {fqdn: x.hcp.westeurope.azmk8s.io, ips: [20.1.2.3]}
allow:
  - {name: a, comment: "why: because", fqdn: "**.example.com", ports: [tcp/443, udp/1-2, any, icmp]}
  - {cidr: "2001:db8::/32"}
  - {serviceTag: Storage.WestEurope}
metrics: {listen: ""}
dns: {minTTL: 1m, maxTTL: 2h, grace: 0}
uplink: auto
)";
	Config c = parse_ok(full);
	nlohmann::json j = to_json(c);
	EXPECT_EQ(j["mode"], "enforce");
	EXPECT_EQ(j["dns"]["maxTTL"], 7200);
	EXPECT_EQ(j["allow"][0]["ports"][0], "any");
	EXPECT_EQ(j["metrics"]["listen"], "");
	auto again = parse_config(j.dump(), "round-trip");
	ASSERT_TRUE(again.ok()) << again.error().to_string() << "\n" << j.dump(2);
	EXPECT_EQ(*again, c);
	// And for the defaults.
	Config d = parse_ok(kMinimal);
	auto d2 = parse_config(to_json(d).dump(), "round-trip");
	ASSERT_TRUE(d2.ok()) << d2.error().to_string();
	EXPECT_EQ(*d2, d);
	EXPECT_EQ(to_json(d)["metrics"]["listen"], "127.0.0.1:9464");
}

TEST(Config, DefaultConfig) {
	auto r = parse_config(default_config_yaml(), "<default>");
	ASSERT_TRUE(r.ok()) << r.error().to_string();
	EXPECT_EQ(r->cloud, Cloud::azure_cloud);
	EXPECT_EQ(r->location, "eastus");
	EXPECT_EQ(r->mode, Mode::audit);
	EXPECT_FALSE(r->cluster_cidrs.empty());
	EXPECT_EQ(default_config_yaml(), std::string(kDefaultConfigYaml));
	// One set of DNS TTL defaults: the embedded config, a config without `dns`, the kernel's
	// fallback (abi.h) and the resolver agree.
	Config bare;
	EXPECT_EQ(r->dns.min_ttl, bare.dns.min_ttl);
	EXPECT_EQ(r->dns.max_ttl, bare.dns.max_ttl);
	EXPECT_EQ(r->dns.grace, bare.dns.grace);
	EXPECT_EQ(bare.dns.max_ttl.count(), EGRESS_DNS_DEFAULT_MAX_TTL_S);
	EXPECT_EQ(bare.dns.min_ttl.count(), EGRESS_DNS_DEFAULT_MIN_TTL_S);
	EXPECT_EQ(bare.dns.grace.count(), EGRESS_DNS_DEFAULT_GRACE_S);
}

class TempDir {
public:
	TempDir() {
		char tmpl[] = "/tmp/config-test-XXXXXX";
		path_ = mkdtemp(tmpl);
	}
	~TempDir() { std::filesystem::remove_all(path_); }
	const std::string& path() const { return path_; }
	std::string write(const std::string& name, const std::string& text) const {
		std::string p = path_ + "/" + name;
		std::ofstream(p) << text;
		return p;
	}

private:
	std::string path_;
};

TEST(Config, LoadResolvesServiceTagsNextToTheConfig) {
	TempDir dir;
	auto path = dir.write("config.yaml", kMinimal + "serviceTags: tags/eastus.json\n");
	auto c = load_config(path);
	ASSERT_TRUE(c.ok()) << c.error().to_string();
	EXPECT_EQ(c->service_tags, dir.path() + "/tags/eastus.json");

	auto abs = load_config(dir.write("abs.yaml", kMinimal + "serviceTags: /etc/tags.json\n"));
	ASSERT_TRUE(abs.ok());
	EXPECT_EQ(abs->service_tags, "/etc/tags.json");

	auto bad = load_config(dir.write("bad.yaml", kMinimal + "mode: x\n"));
	ASSERT_FALSE(bad.ok());
	EXPECT_EQ(bad.error().to_string().rfind(dir.path() + "/bad.yaml: mode: \"x\"", 0), 0u)
	    << bad.error().to_string();

	auto folder = load_config(dir.path());
	ASSERT_FALSE(folder.ok());
	EXPECT_EQ(folder.error().code(), EISDIR);
	auto endless = load_config("/dev/zero");
	ASSERT_FALSE(endless.ok());
	EXPECT_EQ(endless.error().code(), EFBIG);
	EXPECT_NE(endless.error().to_string().find("reading config /dev/zero: larger than 1048576 bytes"),
	          std::string::npos)
	    << endless.error().to_string();

	auto missing = load_config(dir.path() + "/nope.yaml");
	ASSERT_FALSE(missing.ok());
	EXPECT_EQ(missing.error().code(), ENOENT);
	EXPECT_NE(missing.error().to_string().find("nope.yaml"), std::string::npos);
}

} // namespace
