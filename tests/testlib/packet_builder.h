// PacketBuilder: readable construction of test packets, layer by layer, with lengths and checksums
// filled in by build().
//
//   auto pkt = PacketBuilder().ipv4("10.0.0.2", "203.0.113.7").tcp(40000, 443).syn().build();
//   auto dns = PacketBuilder().ipv4("10.0.0.53", "10.0.0.2").udp(53, 40000)
//                  .payload(DnsBuilder::response(0x1234).question("mcr.microsoft.com")
//                               .answer_a("mcr.microsoft.com", "20.1.2.3", 300).build())
//                  .build();
//
// Without ethernet() the packet starts at the IP header, as cgroup_skb programs see it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace egress::testlib {

using Bytes = std::vector<uint8_t>;

// DNS message builder (RFC 1035 4.1). Names are written uncompressed unless a pointer is asked for.
class DnsBuilder {
public:
	static DnsBuilder query(uint16_t id);
	static DnsBuilder response(uint16_t id);

	DnsBuilder& flags(uint16_t flags); // raw header flags word (QR, opcode, AA, TC, RD, RA, rcode)
	DnsBuilder& truncated();           // sets TC
	DnsBuilder& rcode(uint8_t rcode);
	DnsBuilder& question(std::string_view name, uint16_t qtype = 1, uint16_t qclass = 1);
	DnsBuilder& answer_a(std::string_view owner, std::string_view ipv4, uint32_t ttl);
	DnsBuilder& answer_aaaa(std::string_view owner, std::string_view ipv6, uint32_t ttl);
	DnsBuilder& answer_cname(std::string_view owner, std::string_view target, uint32_t ttl);
	// An answer whose owner is a compression pointer to a byte offset of the message (12 = the
	// question name).
	DnsBuilder& answer_a_ptr(uint16_t owner_offset, std::string_view ipv4, uint32_t ttl);
	DnsBuilder& answer_raw(std::string_view owner, uint16_t type, uint16_t cls, uint32_t ttl,
	                       const Bytes& rdata);
	// Overrides a header count (to build inconsistent messages).
	DnsBuilder& override_counts(std::optional<uint16_t> qd, std::optional<uint16_t> an);

	Bytes build() const;

	static Bytes encode_name(std::string_view dotted);

private:
	uint16_t id_ = 0;
	uint16_t flags_ = 0;
	uint16_t qd_ = 0, an_ = 0;
	std::optional<uint16_t> qd_override_, an_override_;
	Bytes body_;
};

class PacketBuilder {
public:
	PacketBuilder& ethernet(std::string_view src_mac = "02:00:00:00:00:01",
	                        std::string_view dst_mac = "02:00:00:00:00:02");
	PacketBuilder& ipv4(std::string_view src, std::string_view dst, uint8_t ttl = 64);
	PacketBuilder& ipv6(std::string_view src, std::string_view dst, uint8_t hop_limit = 64);
	PacketBuilder& tcp(uint16_t sport, uint16_t dport);
	PacketBuilder& syn();
	PacketBuilder& ack();
	PacketBuilder& syn_ack();
	PacketBuilder& udp(uint16_t sport, uint16_t dport);
	PacketBuilder& icmp(uint8_t type, uint8_t code, uint32_t rest = 0);   // ICMPv4
	PacketBuilder& icmpv6(uint8_t type, uint8_t code, uint32_t rest = 0); // ICMPv6
	PacketBuilder& payload(const Bytes& bytes);
	PacketBuilder& payload(std::string_view text);
	// Overrides the IP protocol / next-header field (to craft unusual packets).
	PacketBuilder& ip_protocol(uint8_t proto);

	Bytes build() const;

private:
	enum class L4 { none, tcp, udp, icmp, icmpv6 };
	bool eth_ = false;
	uint8_t src_mac_[6]{}, dst_mac_[6]{};
	int ip_version_ = 0;
	uint8_t src_ip_[16]{}, dst_ip_[16]{};
	uint8_t ttl_ = 64;
	std::optional<uint8_t> proto_override_;
	L4 l4_ = L4::none;
	uint16_t sport_ = 0, dport_ = 0;
	uint8_t tcp_flags_ = 0;
	uint8_t icmp_type_ = 0, icmp_code_ = 0;
	uint32_t icmp_rest_ = 0;
	Bytes payload_;
};

// Parses an IPv4 or IPv6 literal into network-order bytes; aborts the test process on bad input
// (tests own their literals).
std::vector<uint8_t> ip_bytes(std::string_view literal);

} // namespace egress::testlib
