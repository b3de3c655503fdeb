// The TC backstop (SCHED_CLS sees the Ethernet header): it reports but does not drop unless the
// loader enables enforcement.
#include <gtest/gtest.h>

#include <linux/pkt_cls.h>

#include "datapath_env.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;

Bytes to_unknown() {
	return PacketBuilder().ethernet().ipv4("10.200.0.1", "203.0.113.7").icmp(8, 0).build();
}

TEST(TcBackstop, ReportsWithoutDroppingByDefault) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	env.set_mode(EGRESS_MODE_ENFORCE);
	auto r = env.tc(to_unknown());
	ASSERT_EQ(r.err, 0);
	EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_OK));
	auto events = env.drain_events();
	ASSERT_EQ(events.size(), 1u);
	EXPECT_EQ(events[0].hook, EGRESS_HOOK_TC);
	EXPECT_EQ(events[0].verdict, EGRESS_VERDICT_AUDIT);
	EXPECT_EQ(env.counter(EGRESS_HOOK_TC, EGRESS_REASON_RAW), 1u);
}

TEST(TcBackstop, DropsWhenEnforcing) {
	EGRESS_REQUIRE_ROOT();
	kernel::DatapathOptions opts;
	opts.tc_enforce = true;
	DatapathEnv env(opts);
	env.set_mode(EGRESS_MODE_ENFORCE);
	env.cidr("198.51.100.0/24", any_port());
	EXPECT_EQ(env.tc(to_unknown()).retval, static_cast<uint32_t>(TC_ACT_SHOT));
	EXPECT_EQ(env.tc(PacketBuilder().ethernet().ipv4("10.200.0.1", "198.51.100.9").udp(4000, 53).build())
	              .retval,
	          static_cast<uint32_t>(TC_ACT_OK));
	EXPECT_EQ(env.counter(EGRESS_HOOK_TC, EGRESS_REASON_CIDR), 1u);
}

} // namespace
