#include "common/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace {

using namespace egress;

Result<int> parse_positive(int v) {
	if (v <= 0)
		return Error("not positive: " + std::to_string(v), EINVAL);
	return v;
}

Result<int> doubled(int v) {
	EGRESS_TRY_CTX(parse_positive(v), "doubling");
	return v * 2;
}

Status open_missing() {
	return Error::from_errno(ENOENT, "opening /nope");
}

TEST(Result, ValueAndError) {
	auto good = parse_positive(3);
	ASSERT_TRUE(good.ok());
	EXPECT_EQ(*good, 3);
	auto bad = parse_positive(-1);
	ASSERT_FALSE(bad.ok());
	EXPECT_EQ(bad.error().code(), EINVAL);
	EXPECT_EQ(bad.error().message(), "not positive: -1");
}

TEST(Result, ContextChainReadsOutermostFirst) {
	auto r = doubled(0);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().to_string(), "doubling: not positive: 0");
	auto wrapped = std::move(r).context("loading policy");
	EXPECT_EQ(wrapped.error().to_string(), "loading policy: doubling: not positive: 0");
	EXPECT_EQ(wrapped.error().code(), EINVAL);
}

TEST(Result, ErrnoMessageAndVoid) {
	Status s = open_missing();
	ASSERT_FALSE(s.ok());
	EXPECT_EQ(s.error().code(), ENOENT);
	EXPECT_EQ(s.error().to_string(), "opening /nope: No such file or directory");
	EXPECT_TRUE(ok_status().ok());
	// Negative errno values (libbpf style) are normalised.
	EXPECT_EQ(Error::from_errno(-EPERM, "attach").code(), EPERM);
}

TEST(Result, MoveOnlyValues) {
	Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
	ASSERT_TRUE(r.ok());
	std::unique_ptr<int> p = std::move(r).value();
	EXPECT_EQ(*p, 7);
}

} // namespace
