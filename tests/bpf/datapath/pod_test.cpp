// The pod programs (bpf/lib/pod.h, bpf/lib/flow_table.h) on crafted frames: pod_ingress judges
// what a pod sends (by destination, with a reverse-path check and the flow table), pod_egress
// remembers what comes in for the pod, and the enforcing uplink backstop uses the same table.
// BPF_PROG_TEST_RUN runs them as on interface 1 (loopback), which the tests describe as a pod's.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/pkt_cls.h>

#include <cstring>

#include "datapath_env.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;

constexpr uint32_t kPass = static_cast<uint32_t>(TC_ACT_UNSPEC); // hands on to the next program
constexpr uint32_t kDrop = static_cast<uint32_t>(TC_ACT_SHOT);
constexpr uint64_t kPodCgroup = 4242;
constexpr const char* kPod = "10.244.1.5";
constexpr const char* kPod6 = "fd00:10:244::5";
constexpr const char* kAllowed = "198.51.100.9"; // a CIDR rule: TCP/UDP 443
constexpr const char* kDenied = "203.0.113.66";  // no rule
constexpr const char* kLearned = "198.18.7.7";   // learned, TCP 443
constexpr const char* kInternet = "192.0.2.44";  // a client on the internet

class PodProgram : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		env_ = std::make_unique<DatapathEnv>();
		env_->set_mode(EGRESS_MODE_ENFORCE);
		env_->floor("10.0.0.0/16", any_port());
		env_->cidr(std::string(kAllowed) + "/32",
		           make_ports({{EGRESS_PROTO_TCP, 443, 443}, {EGRESS_PROTO_UDP, 443, 443}}));
		env_->cidr("2001:db8:5::/48", make_ports({{EGRESS_PROTO_TCP, 443, 443}}));
		env_->pod(1, {std::string(kPod) + "/32", std::string(kPod6) + "/128"}, kPodCgroup);
	}

	static Bytes tcp_from(const std::string& src, const std::string& dst, uint16_t sport, uint16_t dport,
	                      bool syn = true) {
		PacketBuilder b;
		b.ethernet();
		if (src.find(':') != std::string::npos)
			b.ipv6(src, dst);
		else
			b.ipv4(src, dst);
		b.tcp(sport, dport);
		syn ? b.syn() : b.ack();
		return b.payload("data").build();
	}
	uint64_t pod_count(uint32_t reason) { return env_->counter(EGRESS_HOOK_POD, reason); }

	std::unique_ptr<DatapathEnv> env_;
};

TEST_F(PodProgram, JudgesByDestinationAndReportsDeniesWithThePodsCgroup) {
	EXPECT_EQ(env_->pod_in(tcp_from(kPod, kAllowed, 40000, 443)).retval, kPass);
	EXPECT_EQ(pod_count(EGRESS_REASON_CIDR), 1u);
	EXPECT_EQ(env_->pod_in(tcp_from(kPod, kAllowed, 40001, 8443)).retval, kDrop);
	EXPECT_EQ(pod_count(EGRESS_REASON_PORT), 1u);
	EXPECT_EQ(env_->pod_in(tcp_from(kPod, kDenied, 40002, 443)).retval, kDrop);
	EXPECT_EQ(pod_count(EGRESS_REASON_RAW), 1u);
	EXPECT_EQ(env_->pod_in(tcp_from(kPod, "10.0.3.4", 40003, 10250)).retval, kPass);
	EXPECT_EQ(pod_count(EGRESS_REASON_FLOOR), 1u);
	auto events = env_->drain_events();
	ASSERT_EQ(events.size(), 2u);
	EXPECT_EQ(events[1].hook, EGRESS_HOOK_POD);
	EXPECT_EQ(events[1].reason, EGRESS_REASON_RAW);
	EXPECT_EQ(events[1].verdict, EGRESS_VERDICT_DENY);
	EXPECT_EQ(events[1].cgroup_id, kPodCgroup);
	EXPECT_EQ(events[1].dport, htons(443));
	EXPECT_EQ(std::memcmp(events[1].saddr, ip_bytes(kPod).data(), 4), 0);
}

TEST_F(PodProgram, ASourceThatIsNotThePodsIsSpoofedEvenToAnAllowedDestination) {
	EXPECT_EQ(env_->pod_in(tcp_from("10.244.1.6", kAllowed, 40000, 443)).retval, kDrop);
	EXPECT_EQ(env_->pod_in(tcp_from("2001:db8:5::1", "2001:db8:5::2", 40000, 443)).retval, kDrop);
	EXPECT_EQ(pod_count(EGRESS_REASON_SPOOFED), 2u);
	EXPECT_EQ(env_->pod_in(tcp_from(kPod6, "2001:db8:5::2", 40000, 443)).retval, kPass);
	auto events = env_->drain_events();
	ASSERT_EQ(events.size(), 2u);
	EXPECT_EQ(events[0].reason, EGRESS_REASON_SPOOFED);
	EXPECT_EQ(events[0].cgroup_id, kPodCgroup);
}

TEST_F(PodProgram, ABridgePortMaySendFromItsBridgesSubnetOnly) {
	env_->pod(1, {"10.244.7.0/24"}, kPodCgroup, true);
	EXPECT_EQ(env_->pod_in(tcp_from("10.244.7.200", kAllowed, 40000, 443)).retval, kPass);
	EXPECT_EQ(env_->pod_in(tcp_from("10.244.8.1", kAllowed, 40000, 443)).retval, kDrop);
}

TEST_F(PodProgram, AnInterfaceWithoutAnEntryPassesArpAndNothingElse) {
	env_->pod(1, {}, kPodCgroup);
	EXPECT_EQ(env_->pod_in(tcp_from(kPod, kAllowed, 40000, 443)).retval, kDrop);
	EXPECT_EQ(pod_count(EGRESS_REASON_SPOOFED), 1u);
	// ARP request: Ethernet + 28 bytes (RFC 826), and a frame of another EtherType (LLDP).
	Bytes arp = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0,
	             1,    0x08, 0x06, 0,    1,    8,    0, 6, 4, 0, 1};
	arp.resize(14 + 28, 0);
	EXPECT_EQ(env_->pod_in(arp).retval, kPass);
	EXPECT_EQ(pod_count(EGRESS_REASON_NOT_IP), 1u);
	Bytes lldp = arp;
	lldp[12] = 0x88;
	lldp[13] = 0xcc;
	EXPECT_EQ(env_->pod_in(lldp).retval, kDrop);
	EXPECT_EQ(pod_count(EGRESS_REASON_RAW), 1u);
}

TEST_F(PodProgram, NeighbourDiscoveryStaysOnTheLinkAndPasses) {
	auto ns = PacketBuilder().ethernet().ipv6("fe80::5", "ff02::1:ff00:1").icmpv6(135, 0).build();
	EXPECT_EQ(env_->pod_in(ns).retval, kPass);
	auto dad = PacketBuilder().ethernet().ipv6("::", "ff02::1:ff00:5").icmpv6(135, 0).build();
	EXPECT_EQ(env_->pod_in(dad).retval, kPass);
	EXPECT_EQ(pod_count(EGRESS_REASON_NEIGHBOR), 2u);
	// A neighbour solicitation to a global address is judged like anything else.
	auto global = PacketBuilder().ethernet().ipv6(kPod6, "2001:db8:9::1").icmpv6(135, 0).build();
	EXPECT_EQ(env_->pod_in(global).retval, kDrop);
}

TEST_F(PodProgram, AFlowOutlivesTheLearnedEntryThatAllowedItButANewFlowDoesNot) {
	env_->learn(kLearned, boot_ns_now() + 3600'000'000'000ULL,
	            make_ports({{EGRESS_PROTO_TCP, 443, 443}}));
	EXPECT_EQ(env_->pod_in(tcp_from(kPod, kLearned, 41000, 443)).retval, kPass);
	EXPECT_EQ(pod_count(EGRESS_REASON_LEARNED), 1u);
	EXPECT_EQ(env_->flows(), 1u);
	env_->learn(kLearned, 1, make_ports({{EGRESS_PROTO_TCP, 443, 443}})); // expired
	EXPECT_EQ(env_->pod_in(tcp_from(kPod, kLearned, 41000, 443, false)).retval, kPass);
	EXPECT_EQ(pod_count(EGRESS_REASON_FLOW), 1u);
	EXPECT_EQ(env_->pod_in(tcp_from(kPod, kLearned, 41001, 443)).retval, kDrop);
	EXPECT_EQ(pod_count(EGRESS_REASON_EXPIRED), 1u);
}

TEST_F(PodProgram, TheFloorMakesNoFlowEntries) {
	EXPECT_EQ(env_->pod_in(tcp_from(kPod, "10.0.3.4", 40003, 10250)).retval, kPass);
	EXPECT_EQ(env_->pod_out(tcp_from("10.0.3.4", kPod, 45000, 8080)).retval, kPass);
	EXPECT_EQ(env_->flows(), 0u);
}

TEST_F(PodProgram, RepliesToAConnectionFromOutsidePassAndNothingElseOpensOne) {
	// Without the inbound SYN the pod's SYN-ACK is judged by destination: denied.
	auto reply = tcp_from(kPod, kInternet, 8080, 51000, false);
	EXPECT_EQ(env_->pod_in(reply).retval, kDrop);
	// A bare ACK coming in opens nothing.
	EXPECT_EQ(env_->pod_out(tcp_from(kInternet, kPod, 51000, 8080, false)).retval, kPass);
	EXPECT_EQ(env_->pod_in(reply).retval, kDrop);
	// The SYN does.
	EXPECT_EQ(env_->pod_out(tcp_from(kInternet, kPod, 51000, 8080)).retval, kPass);
	EXPECT_EQ(env_->pod_in(reply).retval, kPass);
	EXPECT_EQ(pod_count(EGRESS_REASON_FLOW), 1u);
	// Another port of the same client is another flow.
	EXPECT_EQ(env_->pod_in(tcp_from(kPod, kInternet, 8081, 51000, false)).retval, kDrop);
}

TEST_F(PodProgram, AnIcmpErrorPassesOnlyAboutAFlowTheTableKnows) {
	auto inbound = PacketBuilder().ipv4(kInternet, kPod).udp(5000, 9999).payload("q").build();
	auto port_unreachable = [&](const Bytes& quoted) {
		return PacketBuilder().ethernet().ipv4(kPod, kInternet).icmp(3, 3).payload(quoted).build();
	};
	EXPECT_EQ(env_->pod_in(port_unreachable(inbound)).retval, kDrop);
	Bytes framed = PacketBuilder().ethernet().ipv4(kInternet, kPod).udp(5000, 9999).payload("q").build();
	EXPECT_EQ(env_->pod_out(framed).retval, kPass);
	EXPECT_EQ(env_->pod_in(port_unreachable(inbound)).retval, kPass);
	EXPECT_EQ(pod_count(EGRESS_REASON_ICMP_ERROR), 1u);
	// Quoting another flow of the same peer does not.
	auto other = PacketBuilder().ipv4(kInternet, kPod).udp(5001, 9999).payload("q").build();
	EXPECT_EQ(env_->pod_in(port_unreachable(other)).retval, kDrop);
}

TEST_F(PodProgram, AuditModePassesWhatItReports) {
	env_->set_mode(EGRESS_MODE_AUDIT);
	EXPECT_EQ(env_->pod_in(tcp_from("10.244.9.9", kDenied, 40000, 443)).retval, kPass);
	auto events = env_->drain_events();
	ASSERT_EQ(events.size(), 1u);
	EXPECT_EQ(events[0].verdict, EGRESS_VERDICT_AUDIT);
	EXPECT_EQ(events[0].reason, EGRESS_REASON_SPOOFED);
}

TEST(UplinkEnforcing, KeepsFlowsPastTheirLearnedEntryAndPassesRepliesToInboundConnections) {
	EGRESS_REQUIRE_ROOT();
	kernel::DatapathOptions opts;
	opts.tc_enforce = true;
	DatapathEnv env(opts);
	env.set_mode(EGRESS_MODE_ENFORCE);
	const char* node = "10.200.0.1";
	env.learn(kLearned, boot_ns_now() + 3600'000'000'000ULL, make_ports({{EGRESS_PROTO_TCP, 443, 443}}));
	auto out = [&](uint16_t sport, uint16_t dport, const char* dst, bool syn) {
		PacketBuilder b;
		b.ethernet().ipv4(node, dst).tcp(sport, dport);
		syn ? b.syn() : b.ack();
		return env.tc(b.payload("x").build()).retval;
	};
	EXPECT_EQ(out(42000, 443, kLearned, true), static_cast<uint32_t>(TC_ACT_OK));
	env.learn(kLearned, 1, make_ports({{EGRESS_PROTO_TCP, 443, 443}}));
	EXPECT_EQ(out(42000, 443, kLearned, false), static_cast<uint32_t>(TC_ACT_OK));
	EXPECT_EQ(env.counter(EGRESS_HOOK_TC, EGRESS_REASON_FLOW), 1u);
	EXPECT_EQ(out(42001, 443, kLearned, true), kDrop);
	// A connection from the internet to a NodePort: its replies (data, no socket) pass.
	EXPECT_EQ(out(30080, 51000, kInternet, false), kDrop);
	auto syn = PacketBuilder().ethernet().ipv4(kInternet, node).tcp(51000, 30080).syn().build();
	EXPECT_EQ(env.uplink_in(syn).retval, kPass);
	EXPECT_EQ(out(30080, 51000, kInternet, false), static_cast<uint32_t>(TC_ACT_OK));
}

} // namespace
