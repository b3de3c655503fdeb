// The node-level end-to-end suite: egressd (the built binary) enforcing on a simulated AKS node
// (sim_node.h), judged by real connections from a pod cgroup to hosts that dnsmasq resolves. The
// rows come from the catalog (catalog_probes.h): every current core row of a cloud must be
// reachable, every legacy-only row denied, the tunnel ports open only towards the region's
// service-tag prefixes and the API server, features and `recommended` add and remove their rows
// on reload, and a custom DNS server is the only resolver the node trusts.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>

#include "catalog_probes.h"
#include "root.h"
#include "sim_node.h"
#include "system.h"

namespace {

using namespace egress;
using namespace egress::e2e;
using namespace egress::e2e::node;
using namespace std::chrono_literals;
using catalog::Cloud;
using catalog::Condition;
using catalog::Protocol;
using catalog::Status;

std::string join(const std::vector<std::string>& lines) {
	std::string out;
	for (const auto& l : lines)
		out += "  " + l + "\n";
	return out;
}

std::string errno_text(int err) {
	return err == 0 ? "ok" : std::string(strerrordesc_np(err));
}

// Documentation-range prefixes stand in for the region's AzureCloud.<region> tag.
void write_service_tags(const std::string& path, const std::string& cloud, const std::string& region,
                        const std::vector<std::string>& prefixes) {
	nlohmann::json j = {{"changeNumber", 1}, {"cloud", cloud}, {"values", nlohmann::json::array()}};
	j["values"].push_back({{"name", "AzureCloud." + region},
	                       {"id", "AzureCloud." + region},
	                       {"properties",
	                        {{"changeNumber", 1},
	                         {"region", region},
	                         {"regionId", 1},
	                         {"platform", "Azure"},
	                         {"systemService", ""},
	                         {"addressPrefixes", prefixes},
	                         {"networkFeatures", nullptr}}}});
	testlib::write_file(path, j.dump(2));
}

class NodeE2e : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		auto cat = catalog::Catalog::load_embedded();
		ASSERT_TRUE(cat.ok()) << cat.error().to_string();
		catalog_ = std::make_unique<catalog::Catalog>(std::move(*cat));
		node_ = std::make_unique<SimNode>();
	}
	void TearDown() override {
		if (node_ && HasFailure())
			std::cerr << "---- egressd log (last 4000 bytes) ----\n"
			          << tail(node_->egressd_log(), 4000) << "---- end ----\n";
		node_.reset();
	}
	static std::string tail(const std::string& s, size_t n) {
		return s.size() > n ? s.substr(s.size() - n) : s;
	}

	// Registers every probe's name (and `extra` names) as an internet host, starts the default
	// resolver, writes the config and starts egressd.
	void boot(const NodeConfig& config, const std::vector<std::vector<Probe>>& probe_sets,
	          const std::vector<std::string>& extra = {}) {
		for (const auto& set : probe_sets)
			for (const auto& p : set)
				node_->add_host(p.name);
		for (const auto& name : extra)
			node_->add_host(name);
		node_->start_resolver(SimNode::default_resolver());
		node_->publish_config(node_->render(config));
		node_->start_egressd();
	}

	// One attempt: resolve from the pod, then connect. 0 (reached) or an errno.
	int attempt(const Probe& p, const std::string& server) const {
		int err = 0;
		std::string addr = node_->resolve(p.name, server, &err);
		if (addr.empty())
			return err ? err : ENOENT;
		int rc = p.proto == Protocol::tcp ? node_->tcp(addr, p.port) : node_->udp(addr, p.port);
		// A refused connection reached the host: the policy let it through.
		return rc == ECONNREFUSED ? 0 : rc;
	}

	// Probes that never got through within `patience` (exact names are resolved by egressd's own
	// thread right after start or a reload, so an allowed row may take a moment).
	std::vector<std::string> unreachable(const std::vector<Probe>& probes,
	                                     const std::string& server = SimNode::default_resolver(),
	                                     std::chrono::milliseconds patience = 8s) const {
		std::vector<std::string> bad;
		auto deadline = std::chrono::steady_clock::now() + patience;
		for (const auto& p : probes) {
			int rc = attempt(p, server);
			while (rc != 0 && std::chrono::steady_clock::now() < deadline) {
				std::this_thread::sleep_for(200ms);
				rc = attempt(p, server);
			}
			if (rc != 0)
				bad.push_back(p.text() + ": " + errno_text(rc));
		}
		return bad;
	}

	// Probes whose connection was not refused with EPERM by the policy.
	std::vector<std::string> not_denied(const std::vector<Probe>& probes,
	                                    const std::string& server = SimNode::default_resolver()) const {
		std::vector<std::string> bad;
		for (const auto& p : probes) {
			int rc = attempt(p, server);
			if (rc != EPERM)
				bad.push_back(p.text() + ": " + errno_text(rc));
		}
		return bad;
	}

	std::vector<Probe> probes(Cloud cloud, Status status, const std::string& category,
	                          const std::string& location,
	                          const std::vector<Condition>& facts = {}) const {
		return name_probes(rows(*catalog_, cloud, status, category, facts), location);
	}

	// Legacy-only probes: legacy rows whose name/port no current probe still allows.
	static std::vector<Probe> legacy_only(const std::vector<Probe>& legacy,
	                                      const std::vector<Probe>& current) {
		std::vector<Probe> out;
		for (const auto& p : legacy)
			if (!covered(p, current))
				out.push_back(p);
		return out;
	}

	// Checks the core rows of a cloud end to end: current rows reachable, legacy-only rows denied,
	// and a name outside the policy denied.
	void core_rows(const NodeConfig& config, const std::vector<Condition>& facts) {
		Cloud cloud = *catalog::parse_cloud(config.cloud);
		auto current = probes(cloud, Status::current, "required", config.location, facts);
		auto legacy =
		    legacy_only(probes(cloud, Status::legacy, "required", config.location), current);
		ASSERT_GE(current.size(), 6u) << "the catalog should list the core names of " << config.cloud;
		ASSERT_GE(legacy.size(), 1u) << "the catalog should list legacy rows of " << config.cloud;
		Probe outside{"(none)", "example.org", "example.org", Protocol::tcp, 443};
		// `*.` spans exactly one label: a name one label deeper is not covered.
		std::vector<Probe> too_deep;
		for (const auto& p : current)
			if (p.pattern.rfind("*.", 0) == 0) {
				Probe deep = p;
				deep.name = "deeper." + p.name;
				if (!covered(deep, current))
					too_deep.push_back(deep);
			}
		// (China's `**.azk8s.cn` row covers every deeper name under its *.hcp and *.tun.)
		if (config.cloud != "AzureChinaCloud") {
			ASSERT_GE(too_deep.size(), 1u)
			    << "the core rows of " << config.cloud << " include *.hcp";
		}
		boot(config, {current, legacy, too_deep, {outside}});

		auto bad = unreachable(current);
		EXPECT_TRUE(bad.empty())
		    << bad.size() << " of " << current.size() << " current core rows unreachable:\n"
		    << join(bad);
		bad = not_denied(legacy);
		EXPECT_TRUE(bad.empty())
		    << bad.size() << " of " << legacy.size() << " legacy-only rows not denied:\n"
		    << join(bad);
		for (const auto& p : current)
			std::cout << "  probed, must reach: " << p.text() << "\n";
		for (const auto& p : legacy)
			std::cout << "  probed, must be denied: " << p.text() << "\n";
		bad = not_denied(too_deep);
		EXPECT_TRUE(bad.empty()) << "names one label deeper than a *. row not denied:\n" << join(bad);
		bad = not_denied({outside});
		EXPECT_TRUE(bad.empty()) << join(bad);
		std::cout << config.cloud << "/" << config.location << ": " << current.size()
		          << " current probes reachable, " << legacy.size() << " legacy-only and "
		          << too_deep.size() << " too-deep probes denied\n";
	}

	std::unique_ptr<catalog::Catalog> catalog_;
	std::unique_ptr<SimNode> node_;
};

TEST_F(NodeE2e, AzureCloudCoreRowsReachableAndLegacyRowsDenied) {
	NodeConfig c; // AzureCloud / eastus, edition current, konnectivity (default) true
	core_rows(c, {Condition::konnectivity});
}

TEST_F(NodeE2e, TunnelPortsOnlyTowardsRegionCidrsAndApiServer) {
	const std::string region_host = "192.0.2.77"; // in the synthetic AzureCloud.eastus tag
	const std::string api_server = "203.0.113.5";
	const std::string elsewhere = "198.19.7.7";
	for (const auto& a : {region_host, api_server, elsewhere})
		node_->add_address(a);
	std::string tags = node_->dir() + "/config/ServiceTags_Public_20261116.json";
	write_service_tags(tags, "Public", "eastus", {"192.0.2.0/25", "2001:db8:e0::/48"});
	NodeConfig c;
	c.konnectivity = "false";
	c.service_tags = tags;
	c.api_server_ips = {api_server};
	boot(c, {});

	EXPECT_EQ(node_->udp(region_host, 1194), 0) << "udp/1194 to AzureCloud.eastus";
	EXPECT_EQ(node_->tcp(region_host, 9000), 0) << "tcp/9000 to AzureCloud.eastus";
	EXPECT_EQ(node_->udp(api_server, 1194), 0) << "udp/1194 to the API server";
	EXPECT_EQ(node_->tcp(api_server, 9000), 0) << "tcp/9000 to the API server";
	EXPECT_EQ(node_->udp(elsewhere, 1194), EPERM) << "udp/1194 outside the region";
	EXPECT_EQ(node_->tcp(elsewhere, 9000), EPERM) << "tcp/9000 outside the region";
	// The tag opens the tunnel ports only, not the region.
	EXPECT_EQ(node_->tcp(region_host, 443), EPERM);
	EXPECT_EQ(node_->tcp(region_host, 22), EPERM);

	// konnectivity: true drops the tunnel rows; the API server stays reachable (safety floor).
	c.konnectivity = "true";
	node_->reload(node_->render(c));
	EXPECT_EQ(node_->udp(region_host, 1194), EPERM);
	EXPECT_EQ(node_->tcp(region_host, 9000), EPERM);
	EXPECT_EQ(node_->tcp(api_server, 9000), 0);
}

TEST_F(NodeE2e, FeaturesSwitchTheirRowsOnAndOff) {
	auto gpu = probes(Cloud::azure_cloud, Status::current, "feature:gpu", "eastus");
	auto windows = probes(Cloud::azure_cloud, Status::current, "feature:windows", "eastus");
	ASSERT_GE(gpu.size(), 1u);
	ASSERT_GE(windows.size(), 1u);
	bool windows_http = false;
	for (const auto& p : windows)
		windows_http |= p.port == 80;
	EXPECT_TRUE(windows_http) << "the windows rows include HTTP 80";
	std::vector<Probe> both = gpu;
	both.insert(both.end(), windows.begin(), windows.end());

	NodeConfig c;
	boot(c, {both});
	auto bad = not_denied(both);
	EXPECT_TRUE(bad.empty()) << "feature rows reachable without the feature:\n" << join(bad);

	c.features = {"gpu", "windows"};
	node_->reload(node_->render(c));
	bad = unreachable(both);
	EXPECT_TRUE(bad.empty()) << "feature rows unreachable with features [gpu, windows]:\n" << join(bad);

	c.features = {"gpu"};
	node_->reload(node_->render(c));
	bad = unreachable(gpu);
	EXPECT_TRUE(bad.empty()) << "gpu rows unreachable with features [gpu]:\n" << join(bad);
	bad = not_denied(windows);
	EXPECT_TRUE(bad.empty()) << "windows rows still reachable after the feature was removed:\n"
	                         << join(bad);
}

TEST_F(NodeE2e, RecommendedHostsOnHttp80) {
	auto rec = probes(Cloud::azure_cloud, Status::current, "recommended", "eastus");
	std::vector<Probe> http;
	for (const auto& p : rec)
		if (p.port == 80)
			http.push_back(p);
	ASSERT_GE(http.size(), 2u) << "the recommended rows include the Ubuntu mirrors on HTTP 80";

	NodeConfig c;
	boot(c, {rec});
	auto bad = not_denied(rec);
	EXPECT_TRUE(bad.empty()) << "recommended rows reachable with recommended: false:\n" << join(bad);

	c.recommended = true;
	node_->reload(node_->render(c));
	bad = unreachable(rec);
	EXPECT_TRUE(bad.empty()) << "recommended rows unreachable with recommended: true:\n" << join(bad);
	// HTTP 80 only for these names: HTTPS to an HTTP-only mirror stays closed.
	for (const auto& p : http) {
		Probe https = p;
		https.port = 443;
		if (!covered(https, rec)) {
			EXPECT_EQ(attempt(https, SimNode::default_resolver()), EPERM) << https.text();
		}
	}
}

TEST_F(NodeE2e, CustomDnsServerIsTheResolverTheNodeTrusts) {
	// A VNet's own DNS server at a non-default address, answering differently from the node's
	// default resolver for mcr.microsoft.com: egressd must learn the custom server's answer.
	const std::string custom = "10.53.0.53";
	const std::string custom_mcr = "198.19.53.10";
	auto current =
	    probes(Cloud::azure_cloud, Status::current, "required", "eastus", {Condition::konnectivity});
	for (const auto& p : current)
		node_->add_host(p.name);
	node_->add_address(custom_mcr);
	node_->start_resolver(SimNode::default_resolver());
	node_->start_resolver(custom, {{"mcr.microsoft.com", custom_mcr}});
	NodeConfig c;
	c.dns_servers = {custom};
	node_->publish_config(node_->render(c));
	node_->start_egressd();

	// Every core row, resolved through the custom server (wildcards learned from its answers).
	auto bad = unreachable(current, custom);
	EXPECT_TRUE(bad.empty()) << "core rows unreachable through custom DNS:\n" << join(bad);
	EXPECT_EQ(node_->resolve("mcr.microsoft.com", custom), custom_mcr);
	EXPECT_EQ(node_->tcp(custom_mcr, 443), 0);
	// The default resolver is not a configured server: port 53 to it is closed, and the address it
	// would give for mcr was never learned.
	EXPECT_EQ(node_->dns_reachable(SimNode::default_resolver()), EPERM);
	EXPECT_EQ(node_->tcp(node_->add_host("mcr.microsoft.com"), 443), EPERM);
}

TEST_F(NodeE2e, AzureChinaCloudCoreRowsAndTcp22Tunnel) {
	const std::string region_host = "198.51.100.70"; // in the synthetic AzureCloud.chinaeast2 tag
	const std::string elsewhere = "198.19.8.8";
	node_->add_address(region_host);
	node_->add_address(elsewhere);
	std::string tags = node_->dir() + "/config/ServiceTags_China_20261116.json";
	write_service_tags(tags, "China", "chinaeast2", {"198.51.100.64/26"});
	NodeConfig c;
	c.cloud = "AzureChinaCloud";
	c.location = "chinaeast2";
	c.konnectivity = "false";
	c.service_tags = tags;
	core_rows(c, {});
	if (HasFatalFailure())
		return;

	bool tun = false;
	for (const auto& p : probes(Cloud::azure_china_cloud, Status::current, "required", "chinaeast2"))
		tun |= p.pattern.rfind("*.tun.chinaeast2.", 0) == 0;
	EXPECT_TRUE(tun) << "the China rows include *.tun (covered by the core probes above)";
	EXPECT_EQ(node_->tcp(region_host, 22), 0) << "tcp/22 to AzureCloud.chinaeast2";
	EXPECT_EQ(node_->tcp(region_host, 9000), 0);
	EXPECT_EQ(node_->udp(region_host, 1194), 0);
	EXPECT_EQ(node_->tcp(elsewhere, 22), EPERM) << "tcp/22 outside the region";
	EXPECT_EQ(node_->tcp(region_host, 443), EPERM);
}

TEST_F(NodeE2e, AzureUSGovernmentCoreRowsAndTunnel) {
	const std::string region_host = "198.51.100.140";
	const std::string elsewhere = "198.19.9.9";
	node_->add_address(region_host);
	node_->add_address(elsewhere);
	std::string tags = node_->dir() + "/config/ServiceTags_AzureGovernment_20261116.json";
	write_service_tags(tags, "AzureGovernment", "usgovvirginia", {"198.51.100.128/26"});
	NodeConfig c;
	c.cloud = "AzureUSGovernment";
	c.location = "usgovvirginia";
	c.konnectivity = "false";
	c.service_tags = tags;
	core_rows(c, {});
	if (HasFatalFailure())
		return;

	EXPECT_EQ(node_->tcp(region_host, 9000), 0) << "tcp/9000 to AzureCloud.usgovvirginia";
	EXPECT_EQ(node_->udp(region_host, 1194), 0);
	EXPECT_EQ(node_->tcp(elsewhere, 9000), EPERM);
	EXPECT_EQ(node_->udp(elsewhere, 1194), EPERM);
}

} // namespace
