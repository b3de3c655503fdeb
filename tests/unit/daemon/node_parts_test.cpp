// The pure halves of egressd's per-heartbeat node parts: the deny-event budget's summaries and
// which sockets are the node's resolvers.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include "daemon/budget_summary.h"
#include "daemon/node_processes.h"

namespace {

using namespace egress;
using namespace egress::daemon;

egress_event_budget budget(uint64_t suppressed, uint16_t dport = 443) {
	egress_event_budget b{};
	b.suppressed = suppressed;
	b.family = AF_INET;
	b.proto = 6;
	b.verdict = EGRESS_VERDICT_DENY;
	b.hook = EGRESS_HOOK_CONNECT4;
	b.dport = htons(dport);
	inet_pton(AF_INET, "198.51.100.7", b.daddr);
	inet_pton(AF_INET, "10.244.0.5", b.saddr);
	return b;
}

TEST(BudgetSummaries, TheFirstLookOnlyTakesNoteThenGrowthIsReported) {
	BudgetSummaries s;
	EXPECT_TRUE(s.take({{7, budget(100)}}, 1, 1).empty())
	    << "an earlier egressd reported what the pinned map held";
	EXPECT_TRUE(s.take({{7, budget(100)}}, 2, 1).empty()) << "nothing new";
	auto out = s.take({{7, budget(130, 8443)}, {9, budget(0)}}, 3, 4);
	ASSERT_EQ(out.size(), 1u);
	EXPECT_EQ(out[0].count, 30u);
	EXPECT_EQ(out[0].reason, EGRESS_REASON_EVENT_BUDGET);
	EXPECT_EQ(out[0].cgroup_id, 7u);
	EXPECT_EQ(out[0].dport, 8443) << "the last suppressed flow, in host order";
	EXPECT_EQ(out[0].dst.to_string(), "198.51.100.7");
	EXPECT_EQ(out[0].src.to_string(), "10.244.0.5");
	EXPECT_EQ(out[0].ts_ns, 3u);
	EXPECT_EQ(out[0].policy_generation, 4u);
}

TEST(BudgetSummaries, AnEntryTheLruDroppedAndMadeAgainCountsFromZero) {
	BudgetSummaries s;
	s.take({{7, budget(500)}}, 1, 1);
	auto out = s.take({{7, budget(20)}}, 2, 1);
	ASSERT_EQ(out.size(), 1u);
	EXPECT_EQ(out[0].count, 20u);
	s.take({}, 3, 1); // gone from the map: forgotten
	out = s.take({{7, budget(5)}}, 4, 1);
	ASSERT_EQ(out.size(), 1u);
	EXPECT_EQ(out[0].count, 5u);
}

IpAddress ip(const char* text) {
	auto a = parse_ip(text);
	EXPECT_TRUE(a.ok()) << text;
	return *a;
}

TEST(ResolverCgroups, SocketsOnPort53OfATrustedOrWildcardAddress) {
	std::vector<kernel::BoundSocket> sockets = {
	    {ip("127.0.0.53"), 53, 11},   // systemd-resolved's stub, trusted
	    {ip("0.0.0.0"), 53, 12},      // dnsmasq on every address
	    {ip("::"), 53, 12},           // the same process over IPv6
	    {ip("10.244.0.9"), 53, 13},   // a pod's own listener: not a resolver address
	    {ip("127.0.0.53"), 5353, 14}, // another port
	    {ip("127.0.0.53"), 53, 0},    // no cgroup id
	};
	EXPECT_EQ(resolver_cgroups(sockets, {ip("127.0.0.53"), ip("168.63.129.16")}),
	          (std::vector<uint64_t>{11, 12}));
	EXPECT_TRUE(resolver_cgroups({}, {ip("127.0.0.53")}).empty());
}

} // namespace
