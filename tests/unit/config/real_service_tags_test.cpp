// Microsoft's real ServiceTags files (../shared/reference/service-tags/: Public and China of
// 2025-07-28, AzureGovernment of 2026-07-20) against the cloud table (catalog/cloud.h): every
// regional tag of each file belongs to exactly one ARM location of the table, every location of
// the table finds its tag, extracts and compiles. The files are outside the repo: without them the
// tests skip locally but FAIL in CI (CI=true), like the catalog's reference-row test.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "catalog/catalog.h"
#include "policy/compiler.h"
#include "policy/service_tags.h"

namespace {

using namespace egress;
using namespace egress::policy;

bool in_ci() {
	const char* ci = std::getenv("CI");
	return ci && std::string(ci) == "true";
}

struct RealFile {
	Cloud cloud;
	const char* file;
};

constexpr RealFile kFiles[] = {
    {Cloud::azure_cloud, "ServiceTags_Public_20250728.json"},
    {Cloud::azure_china_cloud, "ServiceTags_China_20250728.json"},
    {Cloud::azure_us_government, "ServiceTags_AzureGovernment_20260720.json"},
};

std::string path_of(const RealFile& f) {
	return std::string(EGRESS_SERVICE_TAGS_DIR) + "/" + f.file;
}

// Parsed once per file (the public one is 4 MB).
const ServiceTags* real_tags(const RealFile& f) {
	static std::map<std::string, ServiceTags> cache;
	auto it = cache.find(f.file);
	if (it != cache.end())
		return &it->second;
	if (!std::filesystem::exists(path_of(f)))
		return nullptr;
	auto r = load_service_tags(path_of(f));
	EXPECT_TRUE(r.ok()) << r.error().to_string();
	if (!r.ok())
		return nullptr;
	return &cache.emplace(f.file, std::move(*r)).first->second;
}

bool is_regional(const ServiceTag& t) {
	return t.name.rfind("AzureCloud.", 0) == 0 && !t.region.empty() && t.system_service.empty();
}

class RealServiceTags : public ::testing::TestWithParam<RealFile> {
protected:
	void SetUp() override {
		tags_ = real_tags(GetParam());
		if (tags_)
			return;
		if (in_ci())
			FAIL() << path_of(GetParam())
			       << " is missing: CI must have ../shared beside the clone";
		GTEST_SKIP() << path_of(GetParam()) << " not present (not CI)";
	}
	const catalog::CloudInfo& cloud() const { return *catalog::cloud_info(GetParam().cloud); }
	const ServiceTags* tags_ = nullptr;
};

TEST_P(RealServiceTags, FileCarriesTheTablesServiceTagsCloud) {
	EXPECT_EQ(tags_->cloud, cloud().service_tags_cloud);
	EXPECT_EQ(catalog::find_cloud_by_service_tags(tags_->cloud), &cloud());
}

TEST_P(RealServiceTags, EveryRegionalTagBelongsToExactlyOneLocation) {
	std::size_t regional = 0;
	for (const auto& tag : tags_->values) {
		if (!is_regional(tag))
			continue;
		++regional;
		std::vector<std::string_view> locations;
		for (const auto& r : cloud().regions)
			if (r.tag_region == tag.region)
				locations.push_back(r.location);
		ASSERT_EQ(locations.size(), 1u) << tag.name << " (region " << tag.region << ") has "
		                                << locations.size() << " ARM locations in the cloud table";
		const catalog::Region* region = catalog::find_region(GetParam().cloud, locations[0]);
		EXPECT_EQ(catalog::region_tag_name(*region), tag.name);
	}
	// The table has no location the file lacks, so a region cannot be added by guesswork.
	EXPECT_EQ(regional, cloud().regions.size());
}

TEST_P(RealServiceTags, EveryLocationFindsItsTagExtractsAndCompiles) {
	auto cat = catalog::Catalog::load_embedded();
	ASSERT_TRUE(cat.ok());
	for (const auto& r : cloud().regions) {
		SCOPED_TRACE(std::string(r.location));
		auto tag = region_tag(*tags_, GetParam().cloud, r.location);
		ASSERT_TRUE(tag.ok()) << tag.error().to_string();
		EXPECT_EQ((*tag)->region, r.tag_region);
		EXPECT_FALSE((*tag)->prefixes.empty());

		// `egressctl servicetags extract --regions <location>`: one tag, and it re-parses.
		auto slim = extract_service_tags(*tags_, {std::string(r.location)}, {});
		ASSERT_TRUE(slim.ok()) << slim.error().to_string();
		auto back = parse_service_tags(*slim);
		ASSERT_TRUE(back.ok());
		ASSERT_EQ(back->values.size(), 1u);
		EXPECT_EQ(back->values[0].name, (*tag)->name);

		// `render` of a config in that location with the tunnel rows on: every prefix of the tag
		// carries the tunnel ports, and nothing is left unenforceable.
		std::string yaml = "cloud: " + std::string(cloud().name) +
		                   "\nlocation: " + std::string(r.location) +
		                   "\nkonnectivity: false\nmode: enforce\n" + "clusterCIDRs: [10.0.0.0/16]\n";
		auto config = parse_config(yaml, "test.yaml");
		ASSERT_TRUE(config.ok()) << config.error().to_string();
		auto policy = compile(*config, *cat, &*back);
		ASSERT_TRUE(policy.ok()) << policy.error().to_string();
		std::set<std::string> tunnel_cidrs;
		for (const auto& c : policy->cidrs)
			if (ports_allow(c.ports, Proto::udp, 1194) && !c.floor)
				tunnel_cidrs.insert(c.cidr.to_string());
		std::set<std::string> tag_cidrs;
		for (const auto& p : (*tag)->prefixes)
			tag_cidrs.insert(p.to_string());
		EXPECT_EQ(tunnel_cidrs, tag_cidrs);
	}
}

TEST_P(RealServiceTags, AFileOfAnotherCloudIsRefused) {
	for (const auto& other : catalog::clouds()) {
		if (other.cloud == GetParam().cloud)
			continue;
		auto r = region_tag(*tags_, other.cloud, other.regions[0].location);
		ASSERT_FALSE(r.ok());
		EXPECT_NE(r.error().message().find(std::string(other.service_tags_file)), std::string::npos)
		    << r.error().message();
	}
}

// The extracts shipped with the examples are `egressctl servicetags extract` of the real files,
// byte for byte (so an example's tunnel rows use Microsoft's real prefixes).
TEST_P(RealServiceTags, ShippedExtractsAreExtractsOfThisFile) {
	std::size_t checked = 0;
	for (const auto& entry : std::filesystem::directory_iterator(EGRESS_EXAMPLES_DIR)) {
		if (!entry.path().filename().string().starts_with("ServiceTags_"))
			continue;
		auto shipped = load_service_tags(entry.path().string());
		ASSERT_TRUE(shipped.ok()) << shipped.error().to_string();
		if (shipped->cloud != tags_->cloud)
			continue;
		std::vector<std::string> regions, names;
		for (const auto& t : shipped->values)
			(is_regional(t) ? regions : names).push_back(is_regional(t) ? t.region : t.name);
		auto fresh = extract_service_tags(*tags_, regions, names);
		ASSERT_TRUE(fresh.ok()) << fresh.error().to_string();
		std::ifstream in(entry.path());
		std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
		EXPECT_EQ(text, *fresh) << entry.path() << " is not an extract of " << GetParam().file;
		++checked;
	}
	if (GetParam().cloud != Cloud::azure_us_government) {
		EXPECT_GT(checked, 0u) << "the examples ship an extract of this cloud";
	}
}

INSTANTIATE_TEST_SUITE_P(Files, RealServiceTags, ::testing::ValuesIn(kFiles),
                         [](const auto& info) { return std::string(catalog::to_string(info.param.cloud)); });

// The ARM locations the config's `location` (and so the catalog's {location}) accepts are exactly
// the table's: each parses in its own cloud and is refused in the others.
TEST(CloudTable, EveryLocationParsesInItsCloudOnly) {
	for (const auto& cloud : catalog::clouds()) {
		for (const auto& r : cloud.regions) {
			for (const auto& other : catalog::clouds()) {
				std::string yaml = "cloud: " + std::string(other.name) +
				                   "\nlocation: " + std::string(r.location) + "\n";
				auto c = parse_config(yaml, "test.yaml");
				EXPECT_EQ(c.ok(), other.cloud == cloud.cloud) << yaml;
			}
		}
	}
}

TEST(CloudTable, IrregularNamesOfTheIssue) {
	for (auto [location, tag] : {std::pair{"francecentral", "AzureCloud.centralfrance"},
	                             {"germanywestcentral", "AzureCloud.germanywc"},
	                             {"norwayeast", "AzureCloud.norwaye"},
	                             {"switzerlandnorth", "AzureCloud.switzerlandn"},
	                             {"brazilsoutheast", "AzureCloud.brazilse"}}) {
		const catalog::Region* r = catalog::find_region(Cloud::azure_cloud, location);
		ASSERT_NE(r, nullptr) << location;
		EXPECT_EQ(catalog::region_tag_name(*r), tag);
	}
}

} // namespace
