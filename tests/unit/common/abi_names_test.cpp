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
	EXPECT_TRUE(reason_allows(EGRESS_REASON_NOT_IP));
	EXPECT_FALSE(reason_allows(EGRESS_REASON_NO_RULE));
	EXPECT_FALSE(reason_allows(EGRESS_REASON_DNS_LEARNED));
}

} // namespace
