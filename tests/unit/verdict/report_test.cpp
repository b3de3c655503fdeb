// The JSON pieces egressd and egressctl share: counter summaries and learned entries.
#include "verdict/report.h"

#include <gtest/gtest.h>

namespace {

using namespace egress;
using namespace egress::verdict;

TEST(Report, CountersSummarySplitsAllowAndDenyReasonsAndCountsLosses) {
	std::vector<uint64_t> c(EGRESS_COUNTERS, 0);
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_CONNECT4, EGRESS_REASON_CIDR)] = 5;
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_SENDMSG4, EGRESS_REASON_FLOOR)] = 2;
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_CONNECT4, EGRESS_REASON_NO_RULE)] = 3;
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_CONNECT6, EGRESS_REASON_PORT)] = 1;
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_SKB_INGRESS, EGRESS_REASON_DNS_LEARNED)] = 9;
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_CONNECT4, EGRESS_REASON_EVENT_LOST)] = 4;
	auto j = counters_summary(c);
	EXPECT_EQ(j["allowed"], 7);
	EXPECT_EQ(j["denied"], 4) << "DNS learning and event plumbing are not verdicts";
	EXPECT_EQ(j["lost_events"], 4);
	EXPECT_EQ(j["by_reason"]["cidr"], 5);
	EXPECT_EQ(j["by_reason"]["no_rule"], 3);
	EXPECT_FALSE(j["by_reason"].contains("loopback")) << "zero reasons are left out";
}

TEST(Report, LearnedJsonShowsTimeLeftAndPorts) {
	struct {
		IpAddress address = *parse_ip("192.0.2.1");
		egress_learned_value value{};
	} e;
	e.value.expires_ns = 70'000'000'000ULL;
	e.value.ttl = 60;
	e.value.ports.rule_id = 3;
	e.value.ports.n_ranges = 2;
	e.value.ports.ranges[0] = {443, 443, EGRESS_PROTO_TCP, {}};
	e.value.ports.ranges[1] = {0, 65535, EGRESS_PROTO_UDP, {}};
	auto j = learned_json(e.address, e.value, 10'000'000'000ULL);
	EXPECT_EQ(j["address"], "192.0.2.1");
	EXPECT_EQ(j["family"], "ipv4");
	EXPECT_EQ(j["expires_in_s"], 60);
	EXPECT_EQ(j["expired"], false);
	EXPECT_EQ(j["ports"], "tcp/443,udp");
	EXPECT_EQ(j["rule_id"], 3);
	auto later = learned_json(e.address, e.value, 80'000'000'000ULL);
	EXPECT_EQ(later["expires_in_s"], 0);
	EXPECT_EQ(later["expired"], true);
}

} // namespace
