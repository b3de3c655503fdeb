#include "catalog_fixture.h"

namespace egress::catalog {
namespace {

template <typename E, typename Parse>
void round_trips(std::initializer_list<E> values, Parse parse) {
	for (E v : values) {
		auto back = parse(to_string(v));
		ASSERT_TRUE(back.has_value()) << to_string(v);
		EXPECT_EQ(*back, v);
	}
	EXPECT_FALSE(parse("nonsense").has_value());
}

TEST(CatalogEntry, EnumSpellingsRoundTrip) {
	round_trips({Cloud::azure_cloud, Cloud::azure_china_cloud, Cloud::azure_us_government, Cloud::all},
	            parse_cloud);
	round_trips({Edition::v2019, Edition::v2020, Edition::cn2024, Edition::current}, parse_edition);
	round_trips({Status::current, Status::legacy}, parse_status);
	round_trips({Kind::fqdn, Kind::wildcard, Kind::network}, parse_kind);
	round_trips({Protocol::tcp, Protocol::udp}, parse_protocol);
	round_trips({WildcardDepth::none, WildcardDepth::one_label, WildcardDepth::any_depth,
	             WildcardDepth::label_glob},
	            parse_wildcard_depth);
	round_trips({Condition::konnectivity, Condition::private_cluster, Condition::nodes_after_march_2021,
	             Condition::custom_dns, Condition::api_server_by_ip,
	             Condition::api_server_vnet_integration, Condition::localdns},
	            parse_condition);
	round_trips({AlternativeType::any, AlternativeType::service_tag, AlternativeType::region_cidrs,
	             AlternativeType::api_server_public_ip, AlternativeType::placeholder_ip,
	             AlternativeType::ip, AlternativeType::cidr, AlternativeType::fqdn_network_rule,
	             AlternativeType::fqdn_hosts},
	            parse_alternative_type);
	EXPECT_EQ(to_string(Cloud::azure_us_government), "AzureUSGovernment");
	EXPECT_EQ(to_string(Edition::v2020), "2020");
}

TEST(CatalogEntry, CategoryHelpers) {
	Entry e;
	e.category = "feature:keyvault-csi";
	EXPECT_TRUE(e.is_feature());
	EXPECT_EQ(e.feature_name(), "keyvault-csi");
	EXPECT_FALSE(e.is_workload());
	e.category = "workload:acr";
	EXPECT_TRUE(e.is_workload());
	EXPECT_EQ(e.workload_name(), "acr");
	EXPECT_EQ(e.feature_name(), "");
	e.category = "required";
	EXPECT_FALSE(e.is_feature());
	for (auto ok :
	     {"required", "conditional", "recommended", "platform-local", "observed-optional",
	      "observed-recommended", "reported-unconfirmed", "feature:gpu", "workload:azure-files"})
		EXPECT_TRUE(valid_category(ok)) << ok;
	for (auto bad : {"", "feature:", "feature:GPU", "feature:-x", "workload:a b", "optional", "Required"})
		EXPECT_FALSE(valid_category(bad)) << bad;
}

TEST(CatalogEntry, FeatureAliases) {
	EXPECT_EQ(canonical_feature("monitor"), "azure-monitor");
	EXPECT_EQ(canonical_feature("csi-secrets-store"), "keyvault-csi");
	EXPECT_EQ(canonical_feature("policy"), "azure-policy");
	EXPECT_EQ(canonical_feature("gpu"), "gpu");
	// Every canonical name an alias maps to is a feature the catalog uses.
	for (auto alias : {"monitor", "csi-secrets-store", "policy", "keyvault", "defender-for-containers"})
		EXPECT_TRUE(test::embedded().features().count(canonical_feature(alias))) << alias;
}

TEST(CatalogEntry, EditionMembership) {
	const Catalog& c = test::embedded();
	const Entry& seed002 = test::must_find(c, "cn-seed002-mcr-azk8s"); // current, printed only by cn-2024
	EXPECT_TRUE(seed002.in_edition(Edition::current));
	EXPECT_TRUE(seed002.in_edition(Edition::cn2024));
	EXPECT_FALSE(seed002.in_edition(Edition::v2020));
	const Entry& tun = test::must_find(c, "pub-legacy-tun");
	EXPECT_TRUE(tun.in_edition(Edition::v2019));
	EXPECT_TRUE(tun.in_edition(Edition::v2020));
	EXPECT_FALSE(tun.in_edition(Edition::current));
	const Entry& motd = test::must_find(c, "rep-motd-ubuntu"); // legacy, no edition prints it
	for (Edition e : {Edition::v2019, Edition::v2020, Edition::cn2024, Edition::current})
		EXPECT_FALSE(motd.in_edition(e));
}

TEST(CatalogEntry, AppliesTo) {
	Entry e;
	e.cloud = Cloud::all;
	EXPECT_TRUE(e.applies_to(Cloud::azure_china_cloud));
	e.cloud = Cloud::azure_cloud;
	EXPECT_TRUE(e.applies_to(Cloud::azure_cloud));
	EXPECT_FALSE(e.applies_to(Cloud::azure_us_government));
}

} // namespace
} // namespace egress::catalog
