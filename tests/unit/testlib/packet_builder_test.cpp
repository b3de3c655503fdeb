// The PacketBuilder is what every BPF test trusts, so its bytes are checked against the RFC
// layouts (and checksums verified the way a receiver would).
#include "packet_builder.h"

#include <gtest/gtest.h>

namespace {

using namespace egress::testlib;

uint16_t be16(const Bytes& b, size_t at) {
	return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

uint16_t checksum_ok(const uint8_t* p, size_t n, uint32_t acc = 0) {
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += static_cast<uint32_t>(p[n - 1] << 8);
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return static_cast<uint16_t>(acc);
}

TEST(PacketBuilder, Ipv4TcpSyn) {
	Bytes p = PacketBuilder().ethernet().ipv4("10.0.0.2", "203.0.113.7").tcp(40000, 443).syn().build();
	ASSERT_EQ(p.size(), 14u + 20 + 20);
	EXPECT_EQ(be16(p, 12), 0x0800);
	EXPECT_EQ(p[14], 0x45);
	EXPECT_EQ(be16(p, 16), 40); // total length
	EXPECT_EQ(p[23], 6);        // protocol
	EXPECT_EQ(checksum_ok(&p[14], 20), 0xffff) << "IPv4 header checksum";
	EXPECT_EQ(p[30], 203);
	EXPECT_EQ(be16(p, 34), 40000);
	EXPECT_EQ(be16(p, 36), 443);
	EXPECT_EQ(p[47], 0x02); // SYN
	// TCP checksum over pseudo-header + segment.
	uint32_t acc = checksum_ok(&p[26], 8) + 6 + 20;
	EXPECT_EQ(checksum_ok(&p[34], 20, acc), 0xffff);
}

TEST(PacketBuilder, Ipv6UdpWithPayload) {
	Bytes p = PacketBuilder().ipv6("fd00::1", "2001:db8::7").udp(5000, 53).payload("abc").build();
	ASSERT_EQ(p.size(), 40u + 8 + 3);
	EXPECT_EQ(p[0] >> 4, 6);
	EXPECT_EQ(be16(p, 4), 11); // payload length
	EXPECT_EQ(p[6], 17);
	EXPECT_EQ(be16(p, 44), 11); // UDP length
	uint32_t acc = 0;
	for (size_t i = 8; i < 40; i += 2)
		acc += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
	acc += 17 + 11;
	EXPECT_EQ(checksum_ok(&p[40], 11, acc), 0xffff);
}

TEST(PacketBuilder, DnsResponseLayout) {
	Bytes m = DnsBuilder::response(0xbeef)
	              .question("MCR.microsoft.com.")
	              .answer_cname("mcr.microsoft.com", "mcr.cdn.example", 60)
	              .answer_a("mcr.cdn.example", "20.1.2.3", 300)
	              .answer_a_ptr(12, "20.1.2.4", 30)
	              .build();
	EXPECT_EQ(be16(m, 0), 0xbeef);
	EXPECT_EQ(be16(m, 2), 0x8180);
	EXPECT_EQ(be16(m, 4), 1);
	EXPECT_EQ(be16(m, 6), 3);
	// Question name in wire format, case preserved, trailing dot dropped.
	Bytes qname = DnsBuilder::encode_name("MCR.microsoft.com.");
	ASSERT_EQ(qname.size(), 19u);
	EXPECT_TRUE(std::equal(qname.begin(), qname.end(), m.begin() + 12));
	EXPECT_EQ(qname[0], 3);
	EXPECT_EQ(qname.back(), 0);
	// Last record: pointer to offset 12, A, IN, TTL 30, 4 bytes.
	size_t last = m.size() - 16;
	EXPECT_EQ(be16(m, last), 0xc00c);
	EXPECT_EQ(be16(m, last + 2), 1);
	EXPECT_EQ(be16(m, last + 10), 4);
	EXPECT_EQ(m[last + 12], 20);
}

TEST(PacketBuilder, TruncatedAndCountOverrides) {
	Bytes m = DnsBuilder::response(1).truncated().question("a.b").override_counts(1, 9).build();
	EXPECT_EQ(be16(m, 2) & 0x0200, 0x0200);
	EXPECT_EQ(be16(m, 6), 9);
}

TEST(PacketBuilder, IcmpEcho) {
	Bytes p = PacketBuilder().ipv4("10.0.0.1", "10.0.0.9").icmp(8, 0, 0x00010001).build();
	EXPECT_EQ(p[9], 1);
	EXPECT_EQ(p[20], 8);
	EXPECT_EQ(checksum_ok(&p[20], 8), 0xffff);
}

} // namespace
