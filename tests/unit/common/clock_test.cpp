#include "common/clock.h"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;

TEST(Clock, ManualClockMovesOnlyWhenTold) {
	egress::ManualClock c(5'000);
	EXPECT_EQ(c.boot_ns(), 5'000u);
	c.advance(2s);
	EXPECT_EQ(c.boot_ns(), 2'000'005'000u);
}

TEST(Clock, SystemBootClockIsMonotonic) {
	const auto& c = egress::SystemClock::instance();
	uint64_t a = c.boot_ns();
	uint64_t b = c.boot_ns();
	EXPECT_GT(a, 0u);
	EXPECT_GE(b, a);
}

} // namespace
