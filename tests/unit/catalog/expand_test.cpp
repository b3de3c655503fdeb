#include "catalog_fixture.h"

namespace egress::catalog {
namespace {

TEST(CatalogExpand, FillsPlaceholders) {
	auto r = expand("*.hcp.{location}.azmk8s.io", {{"location", "eastus"}, {"unused", "x"}});
	ASSERT_TRUE(r.ok()) << r.error().to_string();
	EXPECT_EQ(*r, "*.hcp.eastus.azmk8s.io");
	auto two =
	    expand("{registry}.{region}.data.azurecr.io", {{"registry", "myacr"}, {"region", "westeurope"}});
	ASSERT_TRUE(two.ok());
	EXPECT_EQ(*two, "myacr.westeurope.data.azurecr.io");
	auto none = expand("mcr.microsoft.com", {});
	ASSERT_TRUE(none.ok());
	EXPECT_EQ(*none, "mcr.microsoft.com");
}

TEST(CatalogExpand, UnknownPlaceholderIsAnErrorNamingIt) {
	auto r = expand("{cluster-region-name}.handler.control.monitor.azure.com", {{"location", "eastus"}});
	ASSERT_FALSE(r.ok());
	EXPECT_NE(r.error().message().find("{cluster-region-name}"), std::string::npos)
	    << r.error().message();
	EXPECT_EQ(r.error().code(), EINVAL);
}

TEST(CatalogExpand, MalformedTemplates) {
	for (auto bad : {"{location", "location}", "{}", "{a{b}}", "x}{y"})
		EXPECT_FALSE(expand(bad, {{"location", "x"}, {"a", "1"}, {"b", "2"}}).ok()) << bad;
}

TEST(CatalogExpand, PlaceholdersOf) {
	EXPECT_EQ(placeholders_of("azds-{guid}.{location}.azds.io"),
	          (std::vector<std::string>{"guid", "location"}));
	EXPECT_EQ(placeholders_of("RegionCIDRs({region}) {region}"), (std::vector<std::string>{"region"}));
	EXPECT_TRUE(placeholders_of("mcr.microsoft.com").empty());
}

TEST(CatalogExpand, EveryTemplatedRowExpandsWithItsPlaceholders) {
	std::map<std::string, std::string> vars;
	for (const auto& [name, _] : test::embedded().placeholders())
		vars[name] = "x";
	for (const auto& e : test::embedded().entries()) {
		if (e.kind == Kind::network)
			for (const auto& a : e.alternatives)
				EXPECT_TRUE(expand(a.value, vars).ok()) << e.id << " " << a.value;
		else
			EXPECT_TRUE(expand(e.pattern, vars).ok()) << e.id;
	}
}

} // namespace
} // namespace egress::catalog
