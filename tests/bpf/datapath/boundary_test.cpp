// The boundary against a pod's own packets (issue: a pod cannot teach, spoof or slip past the
// socket hooks), through BPF_PROG_TEST_RUN: loopback packets whose source is not the namespace's
// own, the reply/ICMP-error/neighbour exemptions that a raw socket in a pod could fake, and the
// per-cgroup deny-event budget. Each attack row has its control: the same packet passes where the
// exemption is legitimate (not a pod's socket, a real loopback source), so the test cannot pass by
// dropping everything.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "datapath_env.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;

constexpr uint32_t kPass = 1, kDrop = 0;

class Boundary : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		env_ = std::make_unique<DatapathEnv>();
		env_->set_mode(EGRESS_MODE_ENFORCE);
		env_->cidr("192.0.2.0/24", make_ports({{EGRESS_PROTO_TCP, 443, 443}}));
	}
	uint64_t count(uint32_t hook, uint32_t reason) { return env_->counter(hook, reason); }
	std::unique_ptr<DatapathEnv> env_;
};

TEST_F(Boundary, ALoopbackPacketFromAForeignSourceIsSpoofedBothWays) {
	// A datagram a pod spoofs to itself "from" a denied address D would make D a UDP peer (and
	// teach, as a DNS answer "from" a resolver): over loopback only the namespace's own sources.
	Bytes spoofed = PacketBuilder().ethernet().ipv4("198.51.100.9", "127.0.0.1").udp(53, 41000).build();
	EXPECT_EQ(env_->egress(spoofed, Device::loopback).retval, kDrop);
	EXPECT_EQ(env_->ingress(spoofed, Device::loopback).retval, kDrop);
	EXPECT_EQ(count(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_SPOOFED), 1u);
	EXPECT_EQ(count(EGRESS_HOOK_SKB_INGRESS, EGRESS_REASON_SPOOFED), 1u);
	Bytes spoofed6 = PacketBuilder().ethernet().ipv6("2001:db8::9", "::1").udp(53, 41000).build();
	EXPECT_EQ(env_->ingress(spoofed6, Device::loopback).retval, kDrop);

	for (const auto& [src, dst] : std::vector<std::pair<std::string, std::string>>{
	         {"127.0.0.1", "127.0.0.1"}, {"127.0.0.53", "127.0.0.1"}, {"10.244.0.5", "10.244.0.5"}}) {
		Bytes own = PacketBuilder().ethernet().ipv4(src, dst).udp(53, 41000).build();
		EXPECT_EQ(env_->ingress(own, Device::loopback).retval, kPass) << src << " -> " << dst;
	}
	Bytes own6 = PacketBuilder().ethernet().ipv6("::1", "::1").udp(53, 41000).build();
	EXPECT_EQ(env_->ingress(own6, Device::loopback).retval, kPass);
	Bytes wire = PacketBuilder().ethernet().ipv4("198.51.100.9", "10.200.0.2").udp(53, 41000).build();
	EXPECT_EQ(env_->ingress(wire, Device::wire).retval, kPass) << "off loopback, any source";
}

TEST_F(Boundary, APodsRawRepliesAndErrorsAreJudgedByDestination) {
	// Packets that look like replies: an ICMP echo reply with payload, an ICMP error, a TCP RST
	// and a bare ACK, all to a denied address. The node's own (no pods known) keep their
	// exemptions; a pod's are judged by where they go.
	Bytes quoted = PacketBuilder().ipv4("198.51.100.7", "10.200.0.2").udp(53, 40000).build();
	quoted.resize(28);
	const std::vector<Bytes> looks_like_replies = {
	    PacketBuilder().ethernet().ipv4("10.200.0.2", "198.51.100.7").icmp(0, 0).payload("exfil").build(),
	    PacketBuilder().ethernet().ipv4("10.200.0.2", "198.51.100.7").icmp(3, 3).payload(quoted).build(),
	    PacketBuilder().ethernet().ipv4("10.200.0.2", "198.51.100.7").tcp(443, 40000).ack().build(),
	    PacketBuilder().ethernet().ipv6("fd00:200::2", "2001:db8::7").icmpv6(129, 0).payload("x").build(),
	};
	for (size_t i = 0; i < looks_like_replies.size(); ++i)
		EXPECT_EQ(env_->egress(looks_like_replies[i]).retval, kPass) << "control, row " << i;
	env_->pods_are_this_process();
	for (size_t i = 0; i < looks_like_replies.size(); ++i)
		EXPECT_EQ(env_->egress(looks_like_replies[i]).retval, kDrop) << "pod, row " << i;
	EXPECT_GE(count(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_RAW), looks_like_replies.size());
	Bytes allowed =
	    PacketBuilder().ethernet().ipv4("10.200.0.2", "192.0.2.1").tcp(40000, 443).syn().build();
	EXPECT_EQ(env_->egress(allowed).retval, kPass) << "a pod's allowed packet still passes";
}

TEST_F(Boundary, NeighbourDiscoveryStaysOnTheLink) {
	// ICMPv6 neighbour solicitation (135) with a payload, to a global address: a pod's is judged.
	Bytes global = PacketBuilder()
	                   .ethernet()
	                   .ipv6("fd00:200::2", "2001:db8::7")
	                   .icmpv6(135, 0)
	                   .payload(std::string(40, 'x'))
	                   .build();
	Bytes link = PacketBuilder().ethernet().ipv6("fe80::2", "ff02::1:ff00:7").icmpv6(135, 0).build();
	EXPECT_EQ(env_->egress(global).retval, kPass) << "control: the node's own";
	env_->pods_are_this_process();
	EXPECT_EQ(env_->egress(global).retval, kDrop);
	EXPECT_EQ(env_->egress(link).retval, kPass) << "solicited-node multicast is the link";
}

TEST_F(Boundary, OnePodsDenyFloodSpendsOnlyItsOwnEventBudget) {
	// Distinct denied flows (the per-flow window does not merge them): the first burst is
	// reported, the rest counted in the cgroup's budget entry with the last one as its example.
	const int flows = EGRESS_EVENT_BUDGET_BURST + 300;
	for (int i = 0; i < flows; ++i) {
		Bytes p = PacketBuilder()
		              .ethernet()
		              .ipv4("10.200.0.2", "198.51.100.7")
		              .tcp(40000, static_cast<uint16_t>(1000 + i))
		              .syn()
		              .build();
		ASSERT_EQ(env_->egress(p).retval, kDrop);
	}
	auto events = env_->drain_events();
	EXPECT_GE(events.size(), size_t{EGRESS_EVENT_BUDGET_BURST});
	EXPECT_LT(events.size(), size_t{EGRESS_EVENT_BUDGET_BURST} + 50) << "the rate refills slowly";
	uint64_t suppressed = count(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_EVENT_BUDGET);
	EXPECT_EQ(suppressed + events.size(), size_t(flows));
	uint64_t key = events.at(0).cgroup_id;
	egress_event_budget b{};
	ASSERT_EQ(bpf_map_lookup_elem(env_->dp().map_fd(kernel::MapId::event_budget), &key, &b), 0);
	EXPECT_EQ(b.suppressed, suppressed);
	EXPECT_EQ(ntohs(b.dport), 1000 + flows - 1) << "the last suppressed deny is the example";
}

} // namespace
