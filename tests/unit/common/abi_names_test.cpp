#include "common/abi_names.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

using namespace egress;

TEST(AbiNames, EveryReasonHasAUniqueStableName) {
	std::set<std::string> seen;
	for (unsigned r = 0; r < EGRESS_REASON_MAX; ++r) {
		auto name = reason_name(r);
		EXPECT_FALSE(name.empty()) << "reason " << r << " has no name";
		EXPECT_TRUE(seen.insert(std::string(name)).second) << "duplicate name " << name;
		ASSERT_TRUE(parse_reason(name).has_value());
		EXPECT_EQ(*parse_reason(name), r);
	}
	EXPECT_TRUE(reason_name(EGRESS_REASON_MAX).empty());
}

TEST(AbiNames, PublishedNamesDoNotChange) {
	// Strings already used by logs, metrics and SIEM rules: a rename breaks operators.
	EXPECT_EQ(reason_name(EGRESS_REASON_LOOPBACK), "loopback");
	EXPECT_EQ(reason_name(EGRESS_REASON_NO_RULE), "no_rule");
	EXPECT_EQ(reason_name(EGRESS_REASON_UDP_PROBE), "udp_probe");
	EXPECT_EQ(reason_name(EGRESS_REASON_EVENT_LOST), "event_lost");
	EXPECT_EQ(hook_name(EGRESS_HOOK_CONNECT4), "connect4");
	EXPECT_EQ(hook_name(EGRESS_HOOK_TC), "tc");
	EXPECT_EQ(verdict_name(EGRESS_VERDICT_DENY), "denied");
	EXPECT_EQ(verdict_name(EGRESS_VERDICT_AUDIT), "audit");
	EXPECT_EQ(mode_name(EGRESS_MODE_AUDIT), "audit");
}

TEST(AbiNames, EveryHookAndVerdictHasAName) {
	std::set<std::string> seen;
	for (unsigned h = 0; h < EGRESS_HOOK_MAX; ++h) {
		EXPECT_FALSE(hook_name(h).empty());
		EXPECT_TRUE(seen.insert(std::string(hook_name(h))).second);
		EXPECT_EQ(parse_hook(hook_name(h)), h);
	}
	for (unsigned v = 0; v < EGRESS_VERDICT_MAX; ++v)
		EXPECT_FALSE(verdict_name(v).empty());
	EXPECT_TRUE(hook_name(EGRESS_HOOK_MAX).empty());
}

TEST(AbiNames, AllowReasonsAreExactlyTheLeadingBlock) {
	EXPECT_TRUE(reason_allows(EGRESS_REASON_LOOPBACK));
	EXPECT_TRUE(reason_allows(EGRESS_REASON_JUDGED_SOCKET));
	EXPECT_FALSE(reason_allows(EGRESS_REASON_EVENT_LOST));
	EXPECT_TRUE(reason_allows(EGRESS_REASON_NOT_IP));
	EXPECT_FALSE(reason_allows(EGRESS_REASON_NO_RULE));
	EXPECT_FALSE(reason_allows(EGRESS_REASON_DNS_LEARNED));
}

} // namespace

namespace {

// Every reason has exactly one class: a reason appended to the enum and forgotten in the masks of
// include/egress/abi.h would be missing from egress_verdicts_total and from the status counts.
TEST(AbiNames, EveryReasonHasExactlyOneClass) {
	const uint64_t classes[] = {EGRESS_REASON_CLASS_ALLOW, EGRESS_REASON_CLASS_DENY,
	                            EGRESS_REASON_CLASS_DNS, EGRESS_REASON_CLASS_PLUMBING};
	for (unsigned r = 0; r < EGRESS_REASON_MAX; ++r) {
		int n = 0;
		for (uint64_t c : classes)
			n += egress_reason_in(r, c);
		EXPECT_EQ(n, 1) << "reason " << r << " (" << egress::reason_name(r) << ")";
		EXPECT_NE(egress::reason_class(r), egress::ReasonClass::none) << r;
	}
	// Nothing beyond the enum is classed: a mask bit without a reason is a typo.
	uint64_t all = 0;
	for (uint64_t c : classes)
		all |= c;
	EXPECT_EQ(all >> EGRESS_REASON_MAX, 0u);
	EXPECT_EQ(egress::reason_class(EGRESS_REASON_MAX), egress::ReasonClass::none);
}

TEST(AbiNames, CountersHaveHeadroomForNewHooksAndReasons) {
	EXPECT_LT(EGRESS_HOOK_MAX, EGRESS_COUNTER_HOOKS);
	EXPECT_LT(EGRESS_REASON_MAX, EGRESS_COUNTER_REASONS);
}

} // namespace
