// Every example config in manifests/examples parses and compiles as shipped (with the ServiceTags
// extract it names, which ships beside it), and together they show each cloud, each common feature
// and audit mode (so an example cannot silently go stale or missing).
#include "policy/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <set>

#include "catalog/catalog.h"
#include "policy/compiler.h"
#include "policy/service_tags.h"

namespace {

using namespace egress;
using namespace egress::policy;

// ServiceTags extracts ship beside the configs that name them, as they would sit in a ConfigMap.
bool is_service_tags_file(const std::filesystem::path& p) {
	return p.filename().string().starts_with("ServiceTags_");
}

std::vector<std::filesystem::path> files(bool service_tags) {
	std::vector<std::filesystem::path> out;
	for (const auto& entry : std::filesystem::directory_iterator(EGRESS_EXAMPLES_DIR)) {
		auto ext = entry.path().extension();
		if ((ext == ".yaml" || ext == ".yml" || ext == ".json") &&
		    is_service_tags_file(entry.path()) == service_tags)
			out.push_back(entry.path());
	}
	std::sort(out.begin(), out.end());
	return out;
}

std::vector<std::filesystem::path> example_files() {
	return files(false);
}

TEST(ConfigExamples, EveryExampleParses) {
	auto files = example_files();
	ASSERT_GE(files.size(), 10u) << "examples missing from " << EGRESS_EXAMPLES_DIR;
	for (const auto& file : files) {
		auto c = load_config(file.string());
		EXPECT_TRUE(c.ok()) << c.error().to_string();
	}
}

TEST(ConfigExamples, EveryExampleCompilesAsShipped) {
	auto cat = egress::catalog::Catalog::load_embedded();
	ASSERT_TRUE(cat.ok());
	std::set<std::string> referenced;
	for (const auto& file : example_files()) {
		SCOPED_TRACE(file.string());
		auto c = load_config(file.string());
		ASSERT_TRUE(c.ok()) << c.error().to_string();
		std::optional<ServiceTags> tags;
		if (!c->service_tags.empty()) {
			auto t = load_service_tags(c->service_tags);
			ASSERT_TRUE(t.ok()) << t.error().to_string();
			tags = std::move(*t);
			referenced.insert(std::filesystem::path(c->service_tags).filename().string());
		}
		// Enforce-mode examples compile only if no required row vanished.
		auto p = compile(*c, *cat, tags ? &*tags : nullptr);
		EXPECT_TRUE(p.ok()) << p.error().to_string();
	}
	// Every shipped extract is used, and small enough for a ConfigMap.
	auto extracts = files(true);
	EXPECT_EQ(extracts.size(), referenced.size());
	for (const auto& f : extracts) {
		EXPECT_TRUE(referenced.count(f.filename().string())) << f << " is named by no example";
		EXPECT_LT(std::filesystem::file_size(f), kConfigMapLimitBytes) << f;
	}
}

TEST(ConfigExamples, CoverCloudsFeaturesAndModes) {
	std::set<std::string> clouds, features;
	bool audit = false, json = false;
	for (const auto& file : example_files()) {
		auto c = load_config(file.string());
		if (!c.ok())
			continue; // reported by EveryExampleParses
		clouds.insert(std::string(egress::catalog::to_string(c->cloud)) + "/" + c->location);
		features.insert(c->features.begin(), c->features.end());
		audit |= c->mode == Mode::audit;
		json |= file.extension() == ".json";
	}
	for (const char* want :
	     {"AzureCloud/eastus", "AzureChinaCloud/chinaeast2", "AzureUSGovernment/usgovvirginia"})
		EXPECT_TRUE(clouds.count(want)) << "no example for " << want;
	for (const char* want : {"gpu", "windows", "monitor", "defender", "csi-secrets-store", "policy"})
		EXPECT_TRUE(features.count(want)) << "no example with feature " << want;
	EXPECT_TRUE(audit) << "no audit-mode example";
	EXPECT_TRUE(json) << "no JSON example";
}

} // namespace
