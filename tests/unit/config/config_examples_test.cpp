// Every example config in manifests/examples parses, and together they show each cloud, each
// common feature and audit mode (so an example cannot silently go stale or missing).
#include "policy/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

namespace {

using namespace egress;
using namespace egress::policy;

std::vector<std::filesystem::path> example_files() {
	std::vector<std::filesystem::path> out;
	for (const auto& entry : std::filesystem::directory_iterator(EGRESS_EXAMPLES_DIR)) {
		auto ext = entry.path().extension();
		if (ext == ".yaml" || ext == ".yml" || ext == ".json")
			out.push_back(entry.path());
	}
	std::sort(out.begin(), out.end());
	return out;
}

TEST(ConfigExamples, EveryExampleParses) {
	auto files = example_files();
	ASSERT_GE(files.size(), 10u) << "examples missing from " << EGRESS_EXAMPLES_DIR;
	for (const auto& file : files) {
		auto c = load_config(file.string());
		EXPECT_TRUE(c.ok()) << c.error().to_string();
	}
}

TEST(ConfigExamples, CoverCloudsFeaturesAndModes) {
	std::set<std::string> clouds, features;
	bool audit = false, json = false;
	for (const auto& file : example_files()) {
		auto c = load_config(file.string());
		if (!c.ok())
			continue; // reported by EveryExampleParses
		clouds.insert(std::string(cloud_name(c->cloud)) + "/" + c->location);
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
