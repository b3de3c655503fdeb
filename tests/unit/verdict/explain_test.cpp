// The explainer's order and reasons on hand-made map contents. That it agrees with the loaded
// programs is tests/bpf/verdict's job; this pins the cases a reader of bpf/lib/policy.h expects.
#include "verdict/explain.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace egress;
using namespace egress::verdict;

egress_ports ports(std::initializer_list<egress_port_range> ranges, uint32_t rule_id = 1) {
	egress_ports p{};
	p.rule_id = rule_id;
	for (const auto& r : ranges)
		p.ranges[p.n_ranges++] = r;
	return p;
}

const egress_port_range kTcp443{443, 443, EGRESS_PROTO_TCP, {}};
const egress_port_range kUdp53{53, 53, EGRESS_PROTO_UDP, {}};

AddressQuery tcp(const std::string& dst, uint16_t port, Path path = Path::connect) {
	return {*parse_ip(dst), EGRESS_PROTO_TCP, port, path, false};
}

egress_learned_value learned(egress_ports p, uint64_t expires_ns) {
	egress_learned_value v{};
	v.expires_ns = expires_ns;
	v.ports = p;
	return v;
}

constexpr uint64_t kNow = 1'000'000'000'000ULL;

TEST(Explain, LoopbackBeforeAnyMap) {
	AddressEntries e;
	e.cidr = ports({kUdp53});
	EXPECT_EQ(explain(e, tcp("127.0.0.9", 80), kNow).reason, EGRESS_REASON_LOOPBACK);
	EXPECT_EQ(explain(e, tcp("::1", 80), kNow).reason, EGRESS_REASON_LOOPBACK);
	EXPECT_EQ(explain(e, tcp("0.0.0.0", 80), kNow).reason, EGRESS_REASON_LOOPBACK);
}

TEST(Explain, FloorThenLearnedThenCidr) {
	AddressEntries e;
	e.floor = ports({kTcp443});
	e.learned = learned(ports({kTcp443}), kNow + 1);
	e.cidr = ports({kTcp443});
	auto v = explain(e, tcp("192.0.2.1", 443), kNow);
	EXPECT_EQ(v.reason, EGRESS_REASON_FLOOR);
	EXPECT_EQ(v.hits.size(), 3u);
	e.floor.reset();
	EXPECT_EQ(explain(e, tcp("192.0.2.1", 443), kNow).reason, EGRESS_REASON_LEARNED)
	    << "the kernel counts learned before CIDR";
	e.learned.reset();
	EXPECT_EQ(explain(e, tcp("192.0.2.1", 443), kNow).reason, EGRESS_REASON_CIDR);
}

TEST(Explain, ExpiredAndWrongPortsNameTheMiss) {
	AddressEntries e;
	e.learned = learned(ports({kTcp443}), kNow);
	EXPECT_EQ(explain(e, tcp("192.0.2.1", 443), kNow).reason, EGRESS_REASON_EXPIRED);
	e.learned = learned(ports({kTcp443}), kNow + 1);
	EXPECT_EQ(explain(e, tcp("192.0.2.1", 80), kNow).reason, EGRESS_REASON_PORT);
	e.floor = ports({kUdp53});
	e.learned = learned(ports({kTcp443}), kNow);
	EXPECT_EQ(explain(e, tcp("192.0.2.1", 443), kNow).reason, EGRESS_REASON_PORT)
	    << "a floor entry on other ports makes the miss a port miss, expired or not";
	e.learned = learned(ports({kTcp443}), kNow + 1);
	EXPECT_EQ(explain(e, tcp("192.0.2.1", 443), kNow).reason, EGRESS_REASON_LEARNED);
}

TEST(Explain, HooksNameAMissTheirWay) {
	AddressEntries none;
	EXPECT_EQ(explain(none, tcp("192.0.2.1", 443), kNow).reason, EGRESS_REASON_NO_RULE);
	AddressQuery udp{*parse_ip("192.0.2.1"), EGRESS_PROTO_UDP, 443, Path::connect, false};
	EXPECT_EQ(explain(none, udp, kNow).reason, EGRESS_REASON_UDP_PROBE);
	udp.udp_peer = true;
	EXPECT_EQ(explain(none, udp, kNow).reason, EGRESS_REASON_REPLY);
	udp.path = Path::sendmsg;
	udp.udp_peer = false;
	EXPECT_EQ(explain(none, udp, kNow).reason, EGRESS_REASON_NO_RULE);
	EXPECT_EQ(explain(none, tcp("192.0.2.1", 443, Path::packet), kNow).reason, EGRESS_REASON_RAW);
}

TEST(Explain, MappedAddressesAreJudgedAsIpv4OnTheSocketPaths) {
	auto q = tcp("::ffff:192.0.2.1", 443);
	EXPECT_EQ(judged_address(q).to_string(), "192.0.2.1");
	q.path = Path::packet;
	EXPECT_EQ(judged_address(q).to_string(), "::ffff:192.0.2.1");
}

TEST(ExplainName, NamesPastTheLearnersLabelLimitAreNeverLearned) {
	auto rule = dns::Pattern::parse("**.example.com");
	ASSERT_TRUE(rule.ok());
	auto entries = dns::rule_entries({{*rule, 7, {kTcp443}}});
	ASSERT_TRUE(entries.ok());
	dns::KernelNameTable table(*entries);
	std::string name = "example.com";
	for (int i = 0; i < EGRESS_DNS_MAX_LABELS - 2; ++i)
		name = "a." + name;
	auto ok = explain_name(table, name, EGRESS_PROTO_TCP, 443); // 32 labels
	EXPECT_TRUE(ok.learnable);
	EXPECT_TRUE(ok.allowed);
	auto deep = explain_name(table, "a." + name, EGRESS_PROTO_TCP, 443); // 33 labels
	EXPECT_FALSE(deep.learnable);
	EXPECT_FALSE(deep.allowed);
	EXPECT_NE(deep.not_learnable_why.find("33 labels"), std::string::npos) << deep.not_learnable_why;
	auto port = explain_name(table, "x.example.com", EGRESS_PROTO_TCP, 80);
	EXPECT_TRUE(port.rule.has_value());
	EXPECT_FALSE(port.allowed);
}

} // namespace
