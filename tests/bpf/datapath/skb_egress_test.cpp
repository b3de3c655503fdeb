// cgroup_skb/egress through BPF_PROG_TEST_RUN, table-driven: one row per verdict and reason, for
// IPv4 and IPv6, against one policy. test_run's socket has no type or protocol, so every packet
// here takes the destination check that raw and ping sockets take in real life; the judged-socket
// shortcut and SYN-ACKs are covered by the e2e tests.
#include <gtest/gtest.h>

#include <linux/if_ether.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "datapath_env.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;

constexpr uint32_t kPass = 1, kDrop = 0;
constexpr uint64_t kSecond = 1'000'000'000ULL;

// An ICMP(v6) error quoting a packet from `quoted_src` to `quoted_dst` (RFC 792 / RFC 4443).
Bytes icmp_error(const std::string& src, const std::string& dst, const std::string& quoted_src,
                 const std::string& quoted_dst, bool v6) {
	if (v6) {
		Bytes quoted = PacketBuilder().ipv6(quoted_src, quoted_dst).udp(53, 40000).build();
		quoted.resize(48);
		return PacketBuilder().ethernet().ipv6(src, dst).icmpv6(1, 4).payload(quoted).build();
	}
	Bytes quoted = PacketBuilder().ipv4(quoted_src, quoted_dst).udp(53, 40000).build();
	quoted.resize(28);
	return PacketBuilder().ethernet().ipv4(src, dst).icmp(3, 3).payload(quoted).build();
}

// Marks an IPv4 packet (with Ethernet header) as a non-first fragment.
Bytes later_fragment(Bytes pkt) {
	pkt[ETH_HLEN + 6] = 0x00;
	pkt[ETH_HLEN + 7] = 0xb9; // offset 185 * 8 bytes
	return pkt;
}

// Inserts an 8-byte hop-by-hop options header (PadN only) after the IPv6 header.
Bytes with_hop_by_hop(Bytes pkt) {
	size_t ip6 = ETH_HLEN;
	uint8_t next = pkt[ip6 + 6];
	Bytes hbh = {next, 0, 1, 4, 0, 0, 0, 0};
	pkt.insert(pkt.begin() + static_cast<long>(ip6 + 40), hbh.begin(), hbh.end());
	pkt[ip6 + 6] = 0; // IPPROTO_HOPOPTS
	uint16_t plen = static_cast<uint16_t>((pkt[ip6 + 4] << 8 | pkt[ip6 + 5]) + 8);
	pkt[ip6 + 4] = static_cast<uint8_t>(plen >> 8);
	pkt[ip6 + 5] = static_cast<uint8_t>(plen);
	return pkt;
}

// Rewrites the TCP flags of a packet built with an Ethernet header.
Bytes with_tcp_flags(Bytes pkt, uint8_t flags, bool v6 = false) {
	pkt[ETH_HLEN + (v6 ? 40 : 20) + 13] = flags;
	return pkt;
}

Bytes arp_frame() {
	Bytes f = PacketBuilder().ethernet().ipv4("10.0.0.1", "10.0.0.2").build();
	f[12] = 0x08;
	f[13] = 0x06;
	return f;
}

struct Case {
	const char* name;
	Bytes packet;
	uint32_t retval;
	uint32_t reason;
};

class SkbEgress : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		env_ = std::make_unique<DatapathEnv>();
		env_->set_mode(EGRESS_MODE_ENFORCE);
		uint64_t now = boot_ns_now();
		env_->floor("10.0.0.10/32",
		            make_ports({{EGRESS_PROTO_UDP, 53, 53}, {EGRESS_PROTO_TCP, 53, 53}}));
		env_->floor("fd00:53::10/128", make_ports({{EGRESS_PROTO_UDP, 53, 53}}));
		env_->floor("169.254.169.254/32", any_port());
		env_->cidr("20.0.0.0/8", make_ports({{EGRESS_PROTO_TCP, 443, 443}}));
		// The compiler folds 20.0.0.0/8's ports into the more specific key.
		env_->cidr("20.1.0.0/16",
		           make_ports({{EGRESS_PROTO_TCP, 443, 443}, {EGRESS_PROTO_TCP, 8443, 8443}}));
		env_->cidr("198.51.100.0/24", any_port());
		env_->cidr("2001:db8::/32", make_ports({{EGRESS_PROTO_TCP, 443, 443}}));
		env_->learn("93.184.216.34", now + 60 * kSecond, make_ports({{EGRESS_PROTO_TCP, 443, 443}}));
		env_->learn("93.184.216.99", now - kSecond, make_ports({{EGRESS_PROTO_TCP, 443, 443}}));
		env_->learn("2606:4700::1111", now + 60 * kSecond,
		            make_ports({{EGRESS_PROTO_TCP, 443, 443}}));
	}

	std::unique_ptr<DatapathEnv> env_;
};

TEST_F(SkbEgress, EveryReasonInEnforceMode) {
	const std::string me4 = "10.200.0.1", me6 = "fd00:200::1";
	auto v4 = [&](const std::string& dst) { return PacketBuilder().ethernet().ipv4(me4, dst); };
	auto v6 = [&](const std::string& dst) { return PacketBuilder().ethernet().ipv6(me6, dst); };
	std::vector<Case> cases = {
	    {"loopback v4", PacketBuilder().ethernet().ipv4("127.0.0.1", "127.0.0.53").udp(40000, 53).build(),
	     kPass, EGRESS_REASON_LOOPBACK},
	    {"loopback v6", PacketBuilder().ethernet().ipv6("::1", "::1").tcp(40000, 80).syn().build(), kPass,
	     EGRESS_REASON_LOOPBACK},
	    {"floor v4", v4("10.0.0.10").udp(40000, 53).build(), kPass, EGRESS_REASON_FLOOR},
	    {"floor v4 any port", v4("169.254.169.254").icmp(8, 0).build(), kPass, EGRESS_REASON_FLOOR},
	    {"floor v6", v6("fd00:53::10").udp(40000, 53).build(), kPass, EGRESS_REASON_FLOOR},
	    {"floor v4 wrong port", v4("10.0.0.10").tcp(40000, 80).syn().build(), kDrop, EGRESS_REASON_PORT},
	    {"learned v4", v4("93.184.216.34").tcp(40000, 443).syn().build(), kPass, EGRESS_REASON_LEARNED},
	    {"learned v6", v6("2606:4700::1111").tcp(40000, 443).syn().build(), kPass, EGRESS_REASON_LEARNED},
	    {"learned wrong port", v4("93.184.216.34").tcp(40000, 80).syn().build(), kDrop,
	     EGRESS_REASON_PORT},
	    {"learned expired", v4("93.184.216.99").tcp(40000, 443).syn().build(), kDrop,
	     EGRESS_REASON_EXPIRED},
	    {"cidr v4", v4("20.5.5.5").tcp(40000, 443).syn().build(), kPass, EGRESS_REASON_CIDR},
	    {"cidr v4 folded ports", v4("20.1.2.3").tcp(40000, 8443).syn().build(), kPass,
	     EGRESS_REASON_CIDR},
	    {"cidr v4 wrong port", v4("20.5.5.5").tcp(40000, 8443).syn().build(), kDrop, EGRESS_REASON_PORT},
	    {"cidr v4 wrong proto", v4("20.5.5.5").udp(40000, 443).build(), kDrop, EGRESS_REASON_PORT},
	    {"cidr v6", v6("2001:db8::7").tcp(40000, 443).syn().build(), kPass, EGRESS_REASON_CIDR},
	    {"cidr v6 behind hop-by-hop", with_hop_by_hop(v6("2001:db8::7").tcp(40000, 443).syn().build()),
	     kPass, EGRESS_REASON_CIDR},
	    {"no rule v4 icmp", v4("203.0.113.7").icmp(8, 0).build(), kDrop, EGRESS_REASON_RAW},
	    {"no rule v4 tcp", v4("203.0.113.7").tcp(40000, 443).syn().build(), kDrop, EGRESS_REASON_RAW},
	    {"no rule v6 icmpv6", v6("2001:db9::1").icmpv6(128, 0).build(), kDrop, EGRESS_REASON_RAW},
	    // What the kernel's control sockets send for connections (RST, time-wait ACK) and echo
	    // replies answer someone else's conversation: replies, whatever the destination.
	    {"tcp rst", with_tcp_flags(v4("203.0.113.7").tcp(443, 40000).ack().build(), 0x14), kPass,
	     EGRESS_REASON_REPLY},
	    {"tcp rst v6", with_tcp_flags(v6("2001:db9::1").tcp(443, 40000).build(), 0x04, true), kPass,
	     EGRESS_REASON_REPLY},
	    {"time-wait ack", v4("203.0.113.7").tcp(443, 40000).ack().build(), kPass, EGRESS_REASON_REPLY},
	    {"ack carrying data", v4("203.0.113.7").tcp(443, 40000).ack().payload("exfiltrate").build(),
	     kDrop, EGRESS_REASON_RAW},
	    {"echo reply", v4("203.0.113.7").icmp(0, 0).build(), kPass, EGRESS_REASON_REPLY},
	    {"echo reply v6", v6("2001:db9::1").icmpv6(129, 0).build(), kPass, EGRESS_REASON_REPLY},
	    {"icmp error answering the destination",
	     icmp_error(me4, "203.0.113.7", "203.0.113.7", me4, false), kPass, EGRESS_REASON_ICMP_ERROR},
	    {"icmp error quoting someone else", icmp_error(me4, "203.0.113.7", "203.0.113.8", me4, false),
	     kDrop, EGRESS_REASON_RAW},
	    {"icmpv6 error answering the destination",
	     icmp_error(me6, "2001:db9::1", "2001:db9::1", me6, true), kPass, EGRESS_REASON_ICMP_ERROR},
	    {"neighbor solicitation", v6("ff02::1:ff00:2").icmpv6(135, 0).build(), kPass,
	     EGRESS_REASON_NEIGHBOR},
	    {"router solicitation", v6("ff02::2").icmpv6(133, 0).build(), kPass, EGRESS_REASON_NEIGHBOR},
	    {"mldv2 report", v6("ff02::16").icmpv6(143, 0).build(), kPass, EGRESS_REASON_NEIGHBOR},
	    {"later fragment to an any-port cidr", later_fragment(v4("198.51.100.7").udp(40000, 9).build()),
	     kPass, EGRESS_REASON_CIDR},
	    {"later fragment to a port-only cidr", later_fragment(v4("20.5.5.5").tcp(40000, 443).build()),
	     kDrop, EGRESS_REASON_PORT},
	    {"not ip", arp_frame(), kPass, EGRESS_REASON_NOT_IP},
	};
	for (const auto& c : cases) {
		SCOPED_TRACE(c.name);
		uint64_t before = env_->counter(EGRESS_HOOK_SKB_EGRESS, c.reason);
		auto r = env_->egress(c.packet);
		ASSERT_EQ(r.err, 0);
		EXPECT_EQ(r.retval, c.retval);
		EXPECT_EQ(env_->counter(EGRESS_HOOK_SKB_EGRESS, c.reason), before + 1);
	}
}

TEST_F(SkbEgress, AuditPassesWhatEnforceDropsAndReportsIt) {
	Bytes pkt = PacketBuilder().ethernet().ipv4("10.200.0.1", "203.0.113.7").icmp(8, 0).build();
	env_->set_mode(EGRESS_MODE_AUDIT);
	auto r = env_->egress(pkt);
	ASSERT_EQ(r.err, 0);
	EXPECT_EQ(r.retval, kPass);
	EXPECT_EQ(env_->counter(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_RAW), 1u);
	auto events = env_->drain_events();
	ASSERT_EQ(events.size(), 1u);
	EXPECT_EQ(events[0].verdict, EGRESS_VERDICT_AUDIT);
	EXPECT_EQ(events[0].reason, EGRESS_REASON_RAW);
}

TEST_F(SkbEgress, FailOpenWithAStaleHeartbeatBehavesAsAudit) {
	Bytes pkt = PacketBuilder().ethernet().ipv4("10.200.0.1", "203.0.113.7").icmp(8, 0).build();
	uint64_t now = boot_ns_now();
	struct Row {
		const char* name;
		uint8_t fail_mode;
		uint64_t heartbeat;
		uint32_t retval;
	} rows[] = {
	    {"open, stale", EGRESS_FAIL_OPEN, now - 60 * kSecond, kPass},
	    {"open, fresh", EGRESS_FAIL_OPEN, now, kDrop},
	    {"closed, stale", EGRESS_FAIL_CLOSED, now - 60 * kSecond, kDrop},
	};
	for (const auto& row : rows) {
		SCOPED_TRACE(row.name);
		env_->set_mode(EGRESS_MODE_ENFORCE, row.fail_mode, row.heartbeat, 10 * kSecond);
		auto r = env_->egress(pkt);
		ASSERT_EQ(r.err, 0);
		EXPECT_EQ(r.retval, row.retval);
	}
}

TEST_F(SkbEgress, ExpiryIsJudgedAgainstBootTime) {
	uint64_t now = boot_ns_now();
	env_->learn("93.184.216.50", now + kSecond / 5, make_ports({{EGRESS_PROTO_TCP, 443, 443}}));
	Bytes pkt =
	    PacketBuilder().ethernet().ipv4("10.200.0.1", "93.184.216.50").tcp(40000, 443).syn().build();
	EXPECT_EQ(env_->egress(pkt).retval, kPass);
	usleep(300 * 1000);
	EXPECT_EQ(env_->egress(pkt).retval, kDrop);
	EXPECT_EQ(env_->counter(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_EXPIRED), 1u);
}

} // namespace
