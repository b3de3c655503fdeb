#include "common/logger.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace egress;

TEST(Logger, LevelsFilterAndFormat) {
	std::vector<std::string> lines;
	auto prev = log::set_sink([&](log::Level, std::string_view line) { lines.emplace_back(line); });
	log::set_level(log::Level::info);
	log::debug("kernel") << "hidden";
	log::info("kernel") << "attached " << 6 << " programs";
	log::error("daemon") << "reload failed";
	log::set_sink(prev);
	ASSERT_EQ(lines.size(), 2u);
	EXPECT_EQ(lines[0], "info kernel: attached 6 programs");
	EXPECT_EQ(lines[1], "error daemon: reload failed");
}

TEST(Logger, ParseLevel) {
	EXPECT_EQ(log::parse_level("warn"), log::Level::warn);
	EXPECT_FALSE(log::parse_level("loud").has_value());
}

} // namespace
