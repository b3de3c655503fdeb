#include "audit/aggregator.h"

#include <gtest/gtest.h>

#include "test_events.h"

namespace egress::audit {
namespace {

using namespace std::chrono_literals;
using testing::deny;

constexpr uint64_t kSec = 1'000'000'000ULL;

// What the deny log does: merge into an open window, else open one.
void add(Aggregator& a, const DenyEvent& e, uint64_t now) {
	if (!a.merge(e))
		a.open(DenyRecord{e, {}, 1, {}, {}}, now);
}

TEST(Aggregator, RepeatsWithinAWindowBecomeOneRecord) {
	Aggregator a(10s, 100);
	for (int i = 0; i < 5; ++i) {
		auto e = deny();
		e.sport = static_cast<uint16_t>(40000 + i); // a new source port per attempt
		add(a, e, 100 * kSec + i * kSec);
	}
	EXPECT_TRUE(a.take_due(109 * kSec).empty());
	auto out = a.take_due(110 * kSec);
	ASSERT_EQ(out.size(), 1u);
	EXPECT_EQ(out[0].count, 5u);
	EXPECT_EQ(out[0].event.sport, 40000); // the first attempt's
	EXPECT_EQ(a.open_count(), 0u);
	// The next repeat opens a new window.
	add(a, deny(), 111 * kSec);
	EXPECT_EQ(a.take_due(121 * kSec).at(0).count, 1u);
}

TEST(Aggregator, EveryKeyFieldSplits) {
	Aggregator a(10s, 100);
	auto base = deny();
	add(a, base, 0);
	std::vector<DenyEvent> variants(9, base);
	variants[0].verdict = EGRESS_VERDICT_AUDIT;
	variants[1].reason = EGRESS_REASON_PORT;
	variants[2].hook = EGRESS_HOOK_SENDMSG4;
	variants[3].proto = EGRESS_PROTO_UDP;
	variants[4].dport = 80;
	variants[5].cgroup_id = 99;
	variants[6].policy_generation = 4;
	variants[7].dst = testing::addr("203.0.113.8");
	variants[8].socket_family = 44; // a refused AF_XDP socket beside an AF_PACKET one
	for (const auto& v : variants)
		add(a, v, 0);
	EXPECT_EQ(a.open_count(), 10u);
	auto same = base;
	same.pid = 1;
	same.comm = "wget";
	same.sport = 1;
	add(a, same, 0); // pid, comm, sport are not part of the key
	EXPECT_EQ(a.open_count(), 10u);
}

TEST(Aggregator, ZeroWindowWritesEveryEvent) {
	Aggregator a(0s, 100);
	add(a, deny(), 5);
	add(a, deny(), 5);
	auto out = a.take_due(5);
	// Both arrived before take_due: the second merged into the still-open first.
	ASSERT_EQ(out.size(), 1u);
	EXPECT_EQ(out[0].count, 2u);
	add(a, deny(), 6);
	EXPECT_EQ(a.take_due(6).size(), 1u);
}

TEST(Aggregator, MaxOpenClosesTheOldestEarly) {
	Aggregator a(10s, 2);
	add(a, deny("203.0.113.1"), 0);
	add(a, deny("203.0.113.2"), 1);
	add(a, deny("203.0.113.3"), 2);
	auto out = a.take_due(3);
	ASSERT_EQ(out.size(), 1u);
	EXPECT_EQ(out[0].event.dst.to_string(), "203.0.113.1");
	auto rest = a.take_all();
	EXPECT_EQ(rest.size(), 2u);
	EXPECT_EQ(a.open_count(), 0u);
}

} // namespace
} // namespace egress::audit
