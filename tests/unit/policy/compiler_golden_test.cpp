// Golden files of the compiled policy: 3 clouds x 3 variants (policy_test_support.cpp). A diff
// means the compiler or the catalog changed what a cluster is allowed: review the golden diff.
// EGRESS_UPDATE_GOLDEN=1 rewrites the files instead of comparing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "policy/compiled_policy.h"
#include "policy_test_support.h"

namespace egress::policy::test {
namespace {

std::string golden_name(const CloudCase& c, const Variant& v) {
	std::string cloud = c.cloud;
	for (auto& ch : cloud)
		ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
	return cloud + "-" + c.location + "-" + v.name + ".json";
}

TEST(CompilerGolden, EveryCloudAndVariantMatchesItsGoldenFile) {
	bool update =
	    std::getenv("EGRESS_UPDATE_GOLDEN") && std::string(std::getenv("EGRESS_UPDATE_GOLDEN")) == "1";
	for (const auto& c : cloud_cases()) {
		for (const auto& v : variants()) {
			SCOPED_TRACE(golden_name(c, v));
			std::string got = to_json(compile_variant(c, v)).dump(2) + "\n";
			std::string path = std::string(EGRESS_POLICY_GOLDEN_DIR) + "/" + golden_name(c, v);
			if (update) {
				std::ofstream(path) << got;
				continue;
			}
			std::string want = read_file(path);
			ASSERT_FALSE(want.empty()) << path << " missing: run with EGRESS_UPDATE_GOLDEN=1";
			EXPECT_EQ(got, want) << "compiled policy differs from " << path
			                     << " (EGRESS_UPDATE_GOLDEN=1 rewrites it; review the diff)";
		}
	}
}

TEST(CompilerGolden, OutputIsDeterministic) {
	for (const auto& c : cloud_cases()) {
		auto a = to_json(compile_variant(c, variants().back())).dump();
		auto b = to_json(compile_variant(c, variants().back())).dump();
		EXPECT_EQ(a, b);
	}
}

} // namespace
} // namespace egress::policy::test
