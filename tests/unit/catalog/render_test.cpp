#include <nlohmann/json.hpp>

#include "catalog_fixture.h"

namespace egress::catalog {
namespace {

std::vector<Entry> pick(std::initializer_list<const char*> ids) {
	std::vector<Entry> out;
	for (auto id : ids)
		out.push_back(test::must_find(test::embedded(), id));
	return out;
}

TEST(CatalogRender, TableIsAligned) {
	auto table = to_table(pick({"pub-fqdn-mcr", "local-wireserver", "win-mp-wildcard"}));
	const std::string want =
	    "ID                CLOUD       STATUS   CATEGORY         KIND      PORTS         DESTINATION\n"
	    "pub-fqdn-mcr      AzureCloud  current  required         fqdn      tcp/443       "
	    "mcr.microsoft.com\n"
	    "local-wireserver  all         current  platform-local   network   tcp/80,32526  168.63.129.16\n"
	    "win-mp-wildcard   all         current  feature:windows  wildcard  tcp/80        "
	    "**.mp.microsoft.com\n";
	EXPECT_EQ(table, want);
}

TEST(CatalogRender, NetworkDestinationListsAlternatives) {
	auto e = pick({"pub-net-udp1194-tunnel"})[0];
	EXPECT_EQ(destination_text(e),
	          "* | AzureCloud.{region} | RegionCIDRs({region}) | {APIServerPublicIP}");
	EXPECT_EQ(ports_text(pick({"local-localdns"})[0]), "udp+tcp/53");
}

TEST(CatalogRender, JsonFieldOrderIsStable) {
	auto j = nlohmann::ordered_json::parse(entry_to_json(pick({"pub-fqdn-hcp"})[0]));
	std::vector<std::string> keys;
	for (const auto& item : j.items())
		keys.push_back(item.key());
	EXPECT_EQ(keys, (std::vector<std::string>{
	                    "id",         "cloud",       "status",     "editions", "category",
	                    "kind",       "destination", "protocols",  "ports",    "app_protocol",
	                    "match_hint", "purpose",     "conditions", "notes",    "placeholders",
	                    "sources",    "added",       "removed",    "history",  "uncertain"}));
	EXPECT_EQ(j["destination"]["wildcard"], "one-label");
	EXPECT_EQ(j["conditions"]["needed_unless"], nlohmann::ordered_json::array({"private-cluster"}));
}

TEST(CatalogRender, DiffRenders) {
	Diff d = test::embedded().diff(Edition::v2020, Edition::current, Cloud::azure_cloud);
	auto j = nlohmann::json::parse(to_json(d));
	EXPECT_EQ(j["from"], "2020");
	EXPECT_EQ(j["to"], "current");
	EXPECT_EQ(j["cloud"], "AzureCloud");
	EXPECT_EQ(j["items"].size(), d.items.size());
	auto table = to_table(d);
	EXPECT_EQ(table.rfind("CHANGE", 0), 0u);
	EXPECT_NE(table.find("\nremoved  pub-legacy-tun "), std::string::npos) << table;
	EXPECT_NE(table.find("\n    2022-03-30 konnectivity_exemption_added (1eeeb3a72)\n"),
	          std::string::npos)
	    << table;
}

} // namespace
} // namespace egress::catalog
