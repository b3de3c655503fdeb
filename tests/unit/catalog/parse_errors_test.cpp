// A malformed catalog is an Error naming the entry (index and id) and the field, never a crash.
#include <functional>

#include <nlohmann/json.hpp>

#include "catalog_fixture.h"

namespace egress::catalog {
namespace {

using Json = nlohmann::ordered_json;

std::size_t index_of(const Json& root, const std::string& id) {
	for (std::size_t i = 0; i < root["entries"].size(); ++i)
		if (root["entries"][i]["id"] == id)
			return i;
	ADD_FAILURE() << "no entry " << id;
	return 0;
}

const Json& base() {
	static const Json root = Json::parse(embedded_json());
	return root;
}

// Parses the embedded catalog after `mutate`, expects failure, returns the error text.
std::string error_after(const std::function<void(Json&)>& mutate) {
	Json root = base();
	mutate(root);
	auto c = Catalog::parse(root.dump(), "test catalog");
	if (c.ok()) {
		ADD_FAILURE() << "mutated catalog parsed";
		return {};
	}
	EXPECT_EQ(c.error().code(), EINVAL);
	return c.error().to_string();
}

std::string entry_path(const std::string& id) {
	return "entries[" + std::to_string(index_of(base(), id)) + "] (id " + id + ")";
}

Json& entry(Json& root, const std::string& id) {
	return root["entries"][index_of(root, id)];
}

TEST(CatalogParseErrors, BadPortNamesEntryAndIndex) {
	auto err = error_after([](Json& r) { entry(r, "pub-fqdn-mcr")["ports"][0] = 0; });
	EXPECT_EQ(err, "test catalog: " + entry_path("pub-fqdn-mcr") +
	                   ".ports[0]: must be an integer in 1..65535");
}

TEST(CatalogParseErrors, UnknownCloud) {
	auto err = error_after([](Json& r) { entry(r, "cn-fqdn-hcp")["cloud"] = "AzureMars"; });
	EXPECT_NE(err.find(entry_path("cn-fqdn-hcp") + ".cloud: unknown value \"AzureMars\""),
	          std::string::npos)
	    << err;
}

TEST(CatalogParseErrors, MissingField) {
	auto err = error_after([](Json& r) { entry(r, "local-imds").erase("purpose"); });
	EXPECT_NE(err.find(entry_path("local-imds") + ".purpose: missing"), std::string::npos) << err;
}

TEST(CatalogParseErrors, UnknownKeyIsATypo) {
	auto err = error_after([](Json& r) { entry(r, "local-imds")["colour"] = "blue"; });
	EXPECT_NE(err.find(entry_path("local-imds") + ".colour: unknown key"), std::string::npos) << err;
}

TEST(CatalogParseErrors, EntryWithoutIdIsNamedByIndex) {
	auto err = error_after([](Json& r) { r["entries"][3].erase("id"); });
	EXPECT_NE(err.find("entries[3].id: missing"), std::string::npos) << err;
}

TEST(CatalogParseErrors, DuplicateId) {
	auto err = error_after([](Json& r) { r["entries"][7]["id"] = r["entries"][6]["id"]; });
	EXPECT_NE(err.find("entries[7] (id "), std::string::npos) << err;
	EXPECT_NE(err.find("duplicate id"), std::string::npos) << err;
}

TEST(CatalogParseErrors, AnyDepthPatternMustBeDoubleStar) {
	auto err = error_after(
	    [](Json& r) { entry(r, "win-mp-wildcard")["destination"]["pattern"] = "*.mp.microsoft.com"; });
	EXPECT_NE(err.find(entry_path("win-mp-wildcard") + ".destination.pattern: any-depth"),
	          std::string::npos)
	    << err;
}

TEST(CatalogParseErrors, WildcardRowNeedsItsReason) {
	auto err =
	    error_after([](Json& r) { entry(r, "pub-fqdn-hcp")["destination"].erase("wildcard_reason"); });
	EXPECT_NE(err.find(entry_path("pub-fqdn-hcp") + ".destination.wildcard_reason"), std::string::npos)
	    << err;
}

TEST(CatalogParseErrors, WildcardKindNeedsADecision) {
	auto err = error_after([](Json& r) { entry(r, "pub-fqdn-hcp")["destination"]["wildcard"] = "none"; });
	EXPECT_NE(err.find(entry_path("pub-fqdn-hcp") + ".destination.wildcard"), std::string::npos) << err;
}

TEST(CatalogParseErrors, UnknownFeature) {
	auto err =
	    error_after([](Json& r) { entry(r, "gpu-nvidia-github")["category"] = "feature:teleport"; });
	EXPECT_NE(err.find(entry_path("gpu-nvidia-github") + ".category: feature \"teleport\""),
	          std::string::npos)
	    << err;
}

TEST(CatalogParseErrors, UnknownCategory) {
	auto err = error_after([](Json& r) { entry(r, "gpu-nvidia-github")["category"] = "mandatory"; });
	EXPECT_NE(err.find(entry_path("gpu-nvidia-github") + ".category: unknown category"),
	          std::string::npos)
	    << err;
}

TEST(CatalogParseErrors, PlaceholdersMustMatchTheDestination) {
	auto err = error_after([](Json& r) {
		entry(r, "pub-fqdn-hcp")["destination"]["pattern"] = "*.hcp.{loc}.azmk8s.io";
		entry(r, "pub-fqdn-hcp")["destination"]["documented"] = "*.hcp.{loc}.azmk8s.io";
	});
	EXPECT_NE(err.find(entry_path("pub-fqdn-hcp") + ".placeholders"), std::string::npos) << err;
}

TEST(CatalogParseErrors, UnknownCondition) {
	auto err = error_after(
	    [](Json& r) { entry(r, "pub-fqdn-hcp")["conditions"]["needed_unless"][0] = "sunny-day"; });
	EXPECT_NE(err.find(entry_path("pub-fqdn-hcp") +
	                   ".conditions.needed_unless[0]: unknown value \"sunny-day\""),
	          std::string::npos)
	    << err;
}

TEST(CatalogParseErrors, UnknownSource) {
	auto err = error_after([](Json& r) { entry(r, "local-imds")["sources"][0] = "S-NOWHERE"; });
	EXPECT_NE(err.find(entry_path("local-imds") + ".sources[0]"), std::string::npos) << err;
}

TEST(CatalogParseErrors, BadDate) {
	auto err = error_after([](Json& r) { entry(r, "pub-fqdn-mcr")["added"] = "April 2019"; });
	EXPECT_NE(err.find(entry_path("pub-fqdn-mcr") + ".added: must be a date"), std::string::npos) << err;
}

TEST(CatalogParseErrors, NetworkAlternativeType) {
	auto err = error_after(
	    [](Json& r) { entry(r, "local-imds")["destination"]["alternatives"][0]["type"] = "wormhole"; });
	EXPECT_NE(err.find(entry_path("local-imds") + ".destination.alternatives[0].type: unknown value"),
	          std::string::npos)
	    << err;
}

TEST(CatalogParseErrors, LegacyRowCannotBeOnTheCurrentPage) {
	auto err = error_after([](Json& r) { entry(r, "pub-fqdn-mcr")["status"] = "legacy"; });
	EXPECT_NE(err.find(entry_path("pub-fqdn-mcr") + ".status"), std::string::npos) << err;
}

TEST(CatalogParseErrors, WrongSchema) {
	auto err = error_after([](Json& r) { r["schema"] = "aks-egress-catalog/99"; });
	EXPECT_NE(err.find("schema: unsupported schema"), std::string::npos) << err;
}

TEST(CatalogParseErrors, InvalidJsonAndWrongShapes) {
	for (std::string_view text : {"", "{", "[]", "{\"schema\": 1}", "{\"entries\": {}}", "null"}) {
		auto c = Catalog::parse(text, "x");
		EXPECT_FALSE(c.ok()) << text;
	}
	auto c = Catalog::parse("{", "x");
	ASSERT_FALSE(c.ok());
	EXPECT_NE(c.error().to_string().find("x: invalid JSON"), std::string::npos);
}

TEST(CatalogParseErrors, LoadFileMissingNamesThePath) {
	auto c = Catalog::load_file("/nonexistent/catalog.json");
	ASSERT_FALSE(c.ok());
	EXPECT_EQ(c.error().code(), ENOENT);
	EXPECT_NE(c.error().to_string().find("/nonexistent/catalog.json"), std::string::npos);
}

} // namespace
} // namespace egress::catalog
