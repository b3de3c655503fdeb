// Filters and edition diffs, checked against the requirements doc (§2.3 tables, §3 differences).
#include <algorithm>
#include <set>

#include "catalog_fixture.h"

namespace egress::catalog {
namespace {

std::set<std::string> ids(const std::vector<Entry>& entries) {
	std::set<std::string> out;
	for (const auto& e : entries)
		out.insert(e.id);
	return out;
}

std::set<std::string> ids(const Diff& d, Change change) {
	std::set<std::string> out;
	for (const auto& item : d.items)
		if (item.change == change)
			out.insert(item.entry.id);
	return out;
}

TEST(CatalogFilter, CurrentRequiredForAzureCloudIsTheDocumentedCoreSet) {
	Filter f;
	f.cloud = Cloud::azure_cloud;
	f.edition = Edition::current;
	f.categories = {"required"};
	// §2.3: 8 FQDN rows (mcr data row holds two names) plus UDP 1194 and TCP 9000.
	EXPECT_EQ(ids(test::embedded().select(f)),
	          (std::set<std::string>{"pub-net-udp1194-tunnel", "pub-net-tcp9000-tunnel", "pub-fqdn-hcp",
	                                 "pub-fqdn-mcr", "pub-fqdn-mcr-data", "pub-fqdn-mcr-0001",
	                                 "pub-fqdn-arm", "pub-fqdn-entra", "pub-fqdn-pmc",
	                                 "pub-fqdn-acs-mirror", "pub-fqdn-packages-aks"}));
}

TEST(CatalogFilter, CloudAllRowsApplyToEveryCloud) {
	for (Cloud c : {Cloud::azure_cloud, Cloud::azure_china_cloud, Cloud::azure_us_government}) {
		Filter f;
		f.cloud = c;
		auto got = ids(test::embedded().select(f));
		EXPECT_TRUE(got.count("pub-rec-ubuntu-security")) << to_string(c);
		EXPECT_TRUE(got.count("local-imds")) << to_string(c);
	}
	Filter cn;
	cn.cloud = Cloud::azure_china_cloud;
	auto got = ids(test::embedded().select(cn));
	EXPECT_TRUE(got.count("cn-net-tcp22-tunnel"));
	EXPECT_FALSE(got.count("pub-fqdn-hcp"));
	EXPECT_FALSE(got.count("gov-fqdn-hcp"));
}

TEST(CatalogFilter, FeatureFilterAcceptsConfigAliases) {
	Filter f;
	f.cloud = Cloud::azure_cloud;
	f.edition = Edition::current;
	f.features = {"monitor"}; // DESIGN.md config spelling of azure-monitor
	auto got = ids(test::embedded().select(f));
	EXPECT_EQ(got.size(), 11u); // AzureMonitor tag row + 10 FQDN rows
	EXPECT_TRUE(got.count("mon-net-servicetag"));
	EXPECT_TRUE(got.count("mon-pub-10"));
	EXPECT_FALSE(got.count("mon-legacy-microsoftonline-wildcard"));
	EXPECT_FALSE(got.count("mon-cn-01"));
}

TEST(CatalogFilter, Edition2020GpuHasTheDockerprojectRow) {
	Filter f;
	f.edition = Edition::v2020;
	f.features = {"gpu"};
	EXPECT_EQ(ids(test::embedded().select(f)),
	          (std::set<std::string>{"gpu-nvidia-github", "gpu-nvidia-download",
	                                 "gpu-legacy-apt-dockerproject"}));
}

TEST(CatalogFilter, PlatformLocalRowsAreEditionIndependent) {
	Filter f;
	f.categories = {"platform-local"};
	for (Edition e : {Edition::v2019, Edition::v2020, Edition::current}) {
		f.edition = e;
		EXPECT_EQ(ids(test::embedded().select(f)),
		          (std::set<std::string>{"local-azure-dns", "local-wireserver", "local-imds",
		                                 "local-localdns"}))
		    << to_string(e);
	}
}

TEST(CatalogFilter, UncertainRowsCanBeLeftOut) {
	Filter f;
	f.cloud = Cloud::azure_china_cloud;
	f.edition = Edition::current;
	f.include_uncertain = false;
	auto got = ids(test::embedded().select(f));
	EXPECT_FALSE(got.count("cn-seed002-mcr-azk8s"));
	EXPECT_TRUE(got.count("cn-fqdn-mcr-azurecn"));
}

TEST(CatalogFilter, StatusAndCategoryCombine) {
	Filter f;
	f.status = Status::legacy;
	f.categories = {"required"};
	f.cloud = Cloud::azure_us_government;
	auto got = ids(test::embedded().select(f));
	EXPECT_TRUE(got.count("gov-legacy-tun"));
	EXPECT_TRUE(got.count("legacy-net-tcp443-any"));
	EXPECT_FALSE(got.count("gov-fqdn-hcp"));
	for (const auto& e : test::embedded().select(f))
		EXPECT_EQ(e.status, Status::legacy);
}

TEST(CatalogConditions, KonnectivityAndPrivateClusterExemptionsArePublicCloudOnly) {
	const Catalog& c = test::embedded();
	const auto& pub = test::must_find(c, "pub-net-udp1194-tunnel");
	EXPECT_TRUE(pub.needed({}));
	EXPECT_FALSE(pub.needed({Condition::konnectivity}));
	EXPECT_FALSE(pub.needed({Condition::private_cluster}));
	EXPECT_TRUE(test::must_find(c, "cn-net-udp1194-tunnel").needed({Condition::konnectivity}));
	EXPECT_TRUE(test::must_find(c, "gov-net-tcp9000-tunnel").needed({Condition::konnectivity}));
	EXPECT_FALSE(test::must_find(c, "pub-fqdn-hcp").needed({Condition::private_cluster}));
	EXPECT_FALSE(test::must_find(c, "pub-net-udp123-ntp").needed({Condition::nodes_after_march_2021}));
	EXPECT_TRUE(test::must_find(c, "gov-net-udp123-ntp").needed({Condition::nodes_after_march_2021}));
}

TEST(CatalogConditions, OnlyIfRowsNeedTheirFact) {
	const Catalog& c = test::embedded();
	const auto& dns = test::must_find(c, "pub-net-udp53-customdns");
	EXPECT_FALSE(dns.needed({}));
	EXPECT_TRUE(dns.needed({Condition::custom_dns}));
	const auto& api = test::must_find(c, "pub-net-tcp443-apiserver-ip");
	EXPECT_TRUE(api.needed({Condition::api_server_by_ip}));
	EXPECT_FALSE(api.needed({Condition::api_server_by_ip, Condition::private_cluster}));
	EXPECT_FALSE(test::must_find(c, "local-localdns").needed({}));
	EXPECT_FALSE(dns.condition_note.empty());
}

TEST(CatalogDiff, Edition2020ToCurrentForAzureCloudMatchesTheRequirementsDoc) {
	Diff d = test::embedded().diff(Edition::v2020, Edition::current, Cloud::azure_cloud);
	auto added = ids(d, Change::added);
	auto removed = ids(d, Change::removed);
	auto changed = ids(d, Change::changed);
	// §3 #11 binaries mirror, #6 MCR CDN, #13 snapshot, #14 GPU, #15 Windows, #9 DNS, #18 policy, #19
	// new.
	for (const char* id :
	     {"pub-fqdn-packages-aks", "pub-fqdn-mcr-0001", "pub-rec-ubuntu-snapshot", "gpu-docker-download",
	      "win-mp-wildcard", "pub-net-udp53-customdns", "pol-pub-data", "kv-pub", "def-cloud-defender",
	      "wi-login-pub", "cost-arm-pub", "ext-pub-01", "mon-net-servicetag"})
		EXPECT_TRUE(added.count(id)) << "expected added: " << id;
	// §3 #2 generic 443, #3 TCP 22, #4 *.tun, #6 *.cdn.mscr.io, #14 dockerproject, #15 winlayers/KMS/mp,
	// #16 *.microsoftonline.com, #17 Dev Spaces, #18 *.gk and trafficmanager, #9 old UDP 53.
	for (const char* id :
	     {"legacy-net-tcp443-any", "pub-legacy-tcp22-tunnel", "pub-legacy-tun", "pub-legacy-cdn-mscr",
	      "gpu-legacy-apt-dockerproject", "win-legacy-winlayers-blob", "win-legacy-kms",
	      "win-legacy-mp-exact", "mon-legacy-microsoftonline-wildcard", "devspaces-gcr", "pol-legacy-gk",
	      "pol-legacy-trafficmanager", "legacy-net-udp53-apiserver-pods"})
		EXPECT_TRUE(removed.count(id)) << "expected removed: " << id;
	// §3 #3 konnectivity exemption, #5 hcp 443 only, #8 NTP network row, #10 API server by IP.
	for (const char* id : {"pub-net-udp1194-tunnel", "pub-net-tcp9000-tunnel", "pub-fqdn-hcp",
	                       "pub-net-udp123-ntp", "pub-net-tcp443-apiserver-ip"})
		EXPECT_TRUE(changed.count(id)) << "expected changed: " << id;
	// #12 unchanged core names; other clouds; rows no page prints.
	for (const char* id :
	     {"pub-fqdn-mcr", "pub-fqdn-arm", "cn-fqdn-hcp", "gov-fqdn-hcp", "local-imds", "wl-acr-login"})
		EXPECT_FALSE(added.count(id) || removed.count(id) || changed.count(id))
		    << "unexpected: " << id;
}

TEST(CatalogDiff, ChangedItemsCarryTheDatedEvents) {
	Diff d = test::embedded().diff(Edition::v2020, Edition::current, Cloud::azure_cloud);
	auto it = std::find_if(d.items.begin(), d.items.end(),
	                       [](const DiffItem& i) { return i.entry.id == "pub-net-udp1194-tunnel"; });
	ASSERT_NE(it, d.items.end());
	ASSERT_EQ(it->change, Change::changed);
	std::vector<std::string> want{"2020-06-29 moved_to_network_table (5ed01a839)",
	                              "2022-03-30 konnectivity_exemption_added (1eeeb3a72)"};
	EXPECT_EQ(it->details, want);
}

TEST(CatalogDiff, ReversedEditionsSwapAddedAndRemoved) {
	const Catalog& c = test::embedded();
	Diff fwd = c.diff(Edition::v2020, Edition::current, Cloud::azure_us_government);
	Diff back = c.diff(Edition::current, Edition::v2020, Cloud::azure_us_government);
	EXPECT_EQ(ids(fwd, Change::added), ids(back, Change::removed));
	EXPECT_EQ(ids(fwd, Change::removed), ids(back, Change::added));
	EXPECT_EQ(ids(fwd, Change::changed), ids(back, Change::changed));
	EXPECT_TRUE(ids(fwd, Change::removed).count("gov-legacy-tun")); // §3 #21
	EXPECT_TRUE(ids(fwd, Change::added).count("gov-fqdn-packages-aks"));
}

TEST(CatalogDiff, ChinaKeepsTcp22AndTun) {
	Diff d = test::embedded().diff(Edition::v2020, Edition::current, Cloud::azure_china_cloud);
	auto removed = ids(d, Change::removed);
	EXPECT_FALSE(removed.count("cn-net-tcp22-tunnel")); // §3 #3/#20: China kept TCP 22
	EXPECT_FALSE(removed.count("cn-fqdn-tun"));
	EXPECT_TRUE(removed.count("cn-legacy-cdn-mscr"));
	EXPECT_TRUE(ids(d, Change::added).count("cn-fqdn-mcr-azurecn")); // §3 #20
}

TEST(CatalogDiff, ItemsAreGroupedAndSortedById) {
	Diff d = test::embedded().diff(Edition::v2019, Edition::current, Cloud::all);
	ASSERT_FALSE(d.items.empty());
	for (std::size_t i = 1; i < d.items.size(); ++i) {
		const auto& a = d.items[i - 1];
		const auto& b = d.items[i];
		EXPECT_TRUE(a.change < b.change || (a.change == b.change && a.entry.id < b.entry.id))
		    << a.entry.id << " before " << b.entry.id;
	}
}

} // namespace
} // namespace egress::catalog
