#include "audit/registry.h"

#include <cmath>

#include <gtest/gtest.h>

namespace egress::audit {
namespace {

TEST(Registry, GoldenRenderingSortedAndDeterministic) {
	Registry r;
	ASSERT_TRUE(r.describe("zeta_total", MetricType::counter, "Last family."));
	ASSERT_TRUE(r.describe("alpha", MetricType::gauge, "First family."));
	ASSERT_TRUE(r.describe("empty_total", MetricType::counter, "No series yet."));
	// Inserted out of order: output order must not depend on it.
	ASSERT_TRUE(r.set("zeta_total", {{"b", "2"}, {"a", "x"}}, 5));
	ASSERT_TRUE(r.set("zeta_total", {{"a", "w"}, {"b", "9"}}, 1));
	ASSERT_TRUE(r.set("alpha", {}, 0.25));
	ASSERT_TRUE(r.add("zeta_total", {{"a", "w"}, {"b", "9"}}, 2));
	const std::string golden = "# HELP alpha First family.\n"
	                           "# TYPE alpha gauge\n"
	                           "alpha 0.25\n"
	                           "# HELP empty_total No series yet.\n"
	                           "# TYPE empty_total counter\n"
	                           "# HELP zeta_total Last family.\n"
	                           "# TYPE zeta_total counter\n"
	                           "zeta_total{a=\"w\",b=\"9\"} 3\n"
	                           "zeta_total{a=\"x\",b=\"2\"} 5\n";
	EXPECT_EQ(r.render(), golden);
	EXPECT_EQ(r.render(), golden);
}

TEST(Registry, EscapesLabelValuesAndHelp) {
	Registry r;
	ASSERT_TRUE(r.describe("m", MetricType::gauge, "back\\slash\nnew line \"quotes stay\""));
	ASSERT_TRUE(r.set("m", {{"v", "a\\b\"c\nd"}}, 1));
	EXPECT_EQ(r.render(), "# HELP m back\\\\slash\\nnew line \"quotes stay\"\n"
	                      "# TYPE m gauge\n"
	                      "m{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(Registry, Values) {
	EXPECT_EQ(format_value(0), "0");
	EXPECT_EQ(format_value(18446744073709551615.0), "18446744073709551616"); // shortest round-trip form
	EXPECT_EQ(format_value(1e300), "1e+300");
	EXPECT_EQ(format_value(9007199254740991.0), "9007199254740991");
	EXPECT_EQ(format_value(-3), "-3");
	EXPECT_EQ(format_value(0.1), "0.1");
	EXPECT_EQ(format_value(INFINITY), "+Inf");
	EXPECT_EQ(format_value(-INFINITY), "-Inf");
	EXPECT_EQ(format_value(NAN), "NaN");
}

TEST(Registry, RejectsUnknownFamiliesAndBadNames) {
	Registry r;
	EXPECT_FALSE(r.describe("1bad", MetricType::gauge, ""));
	EXPECT_FALSE(r.describe("bad-name", MetricType::gauge, ""));
	EXPECT_FALSE(r.set("undescribed", {}, 1));
	ASSERT_TRUE(r.describe("ok:name_1", MetricType::gauge, ""));
	EXPECT_FALSE(r.set("ok:name_1", {{"__reserved", "x"}}, 1));
	EXPECT_FALSE(r.set("ok:name_1", {{"a:b", "x"}}, 1));
	EXPECT_FALSE(r.set("ok:name_1", {{"", "x"}}, 1));
	EXPECT_TRUE(r.set("ok:name_1", {{"_x9", "x"}}, 1));
	EXPECT_EQ(r.get("ok:name_1", {{"_x9", "x"}}), 1.0);
	EXPECT_FALSE(r.get("ok:name_1").has_value());
}

} // namespace
} // namespace egress::audit
