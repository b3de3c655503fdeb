// Deny events from the ring buffer: their fields, the per-flow rate limit and the lost counter.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "datapath_env.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;

Bytes denied_icmp(const std::string& dst) {
	return PacketBuilder().ethernet().ipv4("10.200.0.1", dst).icmp(8, 0).build();
}

TEST(DenyEvents, CarryTheFlowAndTheDecision) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	env.set_mode(EGRESS_MODE_ENFORCE, EGRESS_FAIL_CLOSED, 0, 0, 42);
	uint64_t before = boot_ns_now();
	ASSERT_EQ(env.egress(PacketBuilder()
	                         .ethernet()
	                         .ipv6("fd00:200::1", "2001:db9::1")
	                         .tcp(41000, 8080)
	                         .syn()
	                         .build())
	              .retval,
	          0u);
	auto events = env.drain_events();
	ASSERT_EQ(events.size(), 1u);
	const auto& e = events[0];
	EXPECT_EQ(e.type, EGRESS_EVENT_DENY);
	EXPECT_EQ(e.verdict, EGRESS_VERDICT_DENY);
	EXPECT_EQ(e.hook, EGRESS_HOOK_SKB_EGRESS);
	EXPECT_EQ(e.reason, EGRESS_REASON_RAW);
	EXPECT_EQ(e.family, AF_INET6);
	EXPECT_EQ(e.proto, IPPROTO_TCP);
	EXPECT_EQ(ntohs(e.sport), 41000);
	EXPECT_EQ(ntohs(e.dport), 8080);
	EXPECT_EQ(std::memcmp(e.daddr, ip_bytes("2001:db9::1").data(), 16), 0);
	EXPECT_EQ(std::memcmp(e.saddr, ip_bytes("fd00:200::1").data(), 16), 0);
	EXPECT_EQ(e.policy_generation, 42u);
	EXPECT_GE(e.ts_ns, before);
	EXPECT_LE(e.ts_ns, boot_ns_now());
	EXPECT_NE(e.sock_cookie, 0u);
	EXPECT_EQ(e.pid, 0u); // packet hooks have no process context
}

TEST(DenyEvents, ATightRetryLoopYieldsOneEventPerFlowAndWindow) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	env.set_mode(EGRESS_MODE_ENFORCE);
	for (int i = 0; i < 50; ++i)
		ASSERT_EQ(env.egress(denied_icmp("203.0.113.7")).retval, 0u);
	ASSERT_EQ(env.egress(denied_icmp("203.0.113.8")).retval, 0u);
	auto events = env.drain_events();
	ASSERT_EQ(events.size(), 2u);
	EXPECT_EQ(env.counter(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_EVENT_RATE_LIMITED), 49u);
	// Every drop is still counted, reported or not.
	EXPECT_EQ(env.counter(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_RAW), 51u);
}

TEST(DenyEvents, TheWindowReopens) {
	EGRESS_REQUIRE_ROOT();
	kernel::DatapathOptions opts;
	opts.event_window_ns = 50'000'000; // 50 ms
	DatapathEnv env(opts);
	env.set_mode(EGRESS_MODE_ENFORCE);
	env.egress(denied_icmp("203.0.113.7"));
	env.egress(denied_icmp("203.0.113.7"));
	usleep(80 * 1000);
	env.egress(denied_icmp("203.0.113.7"));
	EXPECT_EQ(env.drain_events().size(), 2u);
	EXPECT_EQ(env.counter(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_EVENT_RATE_LIMITED), 1u);
}

TEST(DenyEvents, AFullRingBufferCountsLostEvents) {
	EGRESS_REQUIRE_ROOT();
	kernel::DatapathOptions opts;
	opts.sizes.ringbuf_bytes = static_cast<uint32_t>(sysconf(_SC_PAGESIZE)); // ~39 events of 96 bytes
	DatapathEnv env(opts);
	env.set_mode(EGRESS_MODE_ENFORCE);
	constexpr int kFlows = 100;
	for (int i = 0; i < kFlows; ++i)
		env.egress(denied_icmp("203.0.113." + std::to_string(i + 1)));
	uint64_t lost = env.counter(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_EVENT_LOST);
	size_t delivered = env.drain_events().size();
	EXPECT_GT(lost, 0u);
	EXPECT_GT(delivered, 0u);
	EXPECT_EQ(delivered + lost, static_cast<size_t>(kFlows));
}

} // namespace
