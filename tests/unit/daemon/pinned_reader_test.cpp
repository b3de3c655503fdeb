// The daemon-down readers without an installation (their JSON pieces: tests/unit/verdict).
#include <gtest/gtest.h>

#include "daemon/pinned_reader.h"

namespace {

using namespace egress::daemon;

TEST(PinnedReader, NothingInstalledIsENOENT) {
	auto s = pinned_status("/nonexistent/aeg-pins");
	ASSERT_FALSE(s.ok());
	EXPECT_EQ(s.error().code(), ENOENT);
	auto i = pinned_ips("/nonexistent/aeg-pins");
	ASSERT_FALSE(i.ok());
}

} // namespace
