#include "audit/exposition_parser.h"

#include <cmath>

#include <gtest/gtest.h>

namespace egress::audit {
namespace {

TEST(ExpositionParser, RoundTripsTheRegistry) {
	Registry r;
	ASSERT_TRUE(r.describe("a_total", MetricType::counter, "Help with \\ and\nnewline."));
	ASSERT_TRUE(r.describe("b", MetricType::gauge, "B."));
	const Labels tricky = {{"path", "C:\\dir\\\"x\"\nnext"}, {"z", ""}};
	ASSERT_TRUE(r.set("a_total", tricky, 12));
	ASSERT_TRUE(r.set("a_total", {{"path", "plain"}}, 1e20));
	ASSERT_TRUE(r.set("b", {}, -0.5));
	ASSERT_TRUE(r.set("b", {{"inf", "yes"}}, INFINITY));
	auto parsed = parse_exposition(r.render());
	ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
	EXPECT_EQ(parsed->types.at("a_total"), "counter");
	EXPECT_EQ(parsed->types.at("b"), "gauge");
	EXPECT_EQ(parsed->help.at("a_total"), "Help with \\ and\nnewline.");
	ASSERT_EQ(parsed->samples.size(), 4u);
	EXPECT_EQ(parsed->value("a_total", tricky), 12.0);
	EXPECT_EQ(parsed->value("a_total", {{"path", "plain"}}), 1e20);
	EXPECT_EQ(parsed->value("b"), -0.5);
	EXPECT_EQ(parsed->value("b", {{"inf", "yes"}}), INFINITY);
	EXPECT_EQ(parsed->sum("a_total"), 12.0 + 1e20);
	EXPECT_FALSE(parsed->value("a_total").has_value());
}

TEST(ExpositionParser, AcceptsWhatTheFormatAllows) {
	auto p = parse_exposition("# a free comment\n"
	                          "\n"
	                          "untyped_metric{x=\"1\",} 3 1700000000000\n"
	                          "# TYPE h histogram\n"
	                          "h_bucket{le=\"+Inf\"} 2\n"
	                          "h_count 2\n"
	                          "nan NaN\n");
	ASSERT_TRUE(p.ok()) << p.error().to_string();
	EXPECT_EQ(p->samples.size(), 4u);
	EXPECT_EQ(p->samples[0].timestamp_ms, 1700000000000);
	EXPECT_TRUE(std::isnan(p->samples[3].value));
	EXPECT_TRUE(parse_exposition("").ok());
}

TEST(ExpositionParser, RejectsMalformedInput) {
	const char* bad[] = {
	    "m 1",                              // no final newline
	    "m\n",                              // no value
	    "m one\n",                          // not a number
	    "m 0x10\n",                         // hex float
	    "m inf\n",                          // only +Inf/-Inf/NaN spellings
	    "m 1 2 3\n",                        // junk after the timestamp
	    "m 1 1.5\n",                        // timestamp not an integer
	    "m{a=\"1\" 1\n",                    // unterminated label set
	    "m{a=\"1} 1\n",                     // unterminated value
	    "m{a=1} 1\n",                       // unquoted value
	    "m{a=\"\\t\"} 1\n",                 // unknown escape
	    "m{a=\"1\",a=\"2\"} 1\n",           // duplicate label
	    "m{__name=\"1\"} 1\n",              // reserved label name
	    "m{1a=\"1\"} 1\n",                  // bad label name
	    "1m 1\n",                           // bad metric name
	    "m 1\nm 2\n",                       // duplicate series
	    "m 1\n# TYPE m gauge\n",            // TYPE after samples
	    "# TYPE m gauge\n# TYPE m gauge\n", // second TYPE
	    "# TYPE m bogus\n",                 // unknown type
	    "# HELP m a\n# HELP m b\n",         // second HELP
	    "# HELP m bad \\q escape\n",        // unknown escape in help
	    "# TYPE\n",                         // no name
	    "m{a=\"1\"}1\n",                    // no space before the value
	};
	for (const char* text : bad) {
		auto p = parse_exposition(text);
		EXPECT_FALSE(p.ok()) << "accepted: " << text;
	}
	auto p = parse_exposition("ok 1\nm one\n");
	ASSERT_FALSE(p.ok());
	EXPECT_NE(p.error().to_string().find("line 2"), std::string::npos) << p.error().to_string();
}

} // namespace
} // namespace egress::audit
