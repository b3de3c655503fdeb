#include "packet_builder.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace egress::testlib {
namespace {

void put16(Bytes& b, uint16_t v) {
	b.push_back(static_cast<uint8_t>(v >> 8));
	b.push_back(static_cast<uint8_t>(v));
}
void put32(Bytes& b, uint32_t v) {
	put16(b, static_cast<uint16_t>(v >> 16));
	put16(b, static_cast<uint16_t>(v));
}
void set16(Bytes& b, size_t at, uint16_t v) {
	b[at] = static_cast<uint8_t>(v >> 8);
	b[at + 1] = static_cast<uint8_t>(v);
}

// RFC 1071 one's-complement sum.
uint32_t sum16(const uint8_t* p, size_t n, uint32_t acc = 0) {
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += static_cast<uint32_t>(p[n - 1] << 8);
	return acc;
}
uint16_t fold(uint32_t acc) {
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return static_cast<uint16_t>(~acc);
}

void parse_mac(std::string_view text, uint8_t out[6]) {
	unsigned v[6];
	std::string s(text);
	if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) {
		std::fprintf(stderr, "PacketBuilder: bad MAC %s\n", s.c_str());
		std::abort();
	}
	for (int i = 0; i < 6; ++i)
		out[i] = static_cast<uint8_t>(v[i]);
}

} // namespace

std::vector<uint8_t> ip_bytes(std::string_view literal) {
	std::string s(literal);
	uint8_t buf[16];
	if (inet_pton(AF_INET, s.c_str(), buf) == 1)
		return {buf, buf + 4};
	if (inet_pton(AF_INET6, s.c_str(), buf) == 1)
		return {buf, buf + 16};
	std::fprintf(stderr, "PacketBuilder: bad IP literal %s\n", s.c_str());
	std::abort();
}

// ---- DNS ------------------------------------------------------------------------------------

DnsBuilder DnsBuilder::query(uint16_t id) {
	DnsBuilder b;
	b.id_ = id;
	b.flags_ = 0x0100; // RD
	return b;
}

DnsBuilder DnsBuilder::response(uint16_t id) {
	DnsBuilder b;
	b.id_ = id;
	b.flags_ = 0x8180; // QR, RD, RA, NOERROR
	return b;
}

DnsBuilder& DnsBuilder::flags(uint16_t f) {
	flags_ = f;
	return *this;
}
DnsBuilder& DnsBuilder::truncated() {
	flags_ |= 0x0200;
	return *this;
}
DnsBuilder& DnsBuilder::rcode(uint8_t r) {
	flags_ = static_cast<uint16_t>((flags_ & ~0xf) | (r & 0xf));
	return *this;
}

Bytes DnsBuilder::encode_name(std::string_view dotted) {
	Bytes out;
	while (!dotted.empty() && dotted.back() == '.')
		dotted.remove_suffix(1);
	size_t start = 0;
	while (start < dotted.size()) {
		size_t dot = dotted.find('.', start);
		if (dot == std::string_view::npos)
			dot = dotted.size();
		out.push_back(static_cast<uint8_t>(dot - start));
		out.insert(out.end(), dotted.begin() + static_cast<long>(start),
		           dotted.begin() + static_cast<long>(dot));
		start = dot + 1;
	}
	out.push_back(0);
	return out;
}

DnsBuilder& DnsBuilder::question(std::string_view name, uint16_t qtype, uint16_t qclass) {
	Bytes n = encode_name(name);
	body_.insert(body_.end(), n.begin(), n.end());
	put16(body_, qtype);
	put16(body_, qclass);
	++qd_;
	return *this;
}

DnsBuilder& DnsBuilder::answer_raw(std::string_view owner, uint16_t type, uint16_t cls, uint32_t ttl,
                                   const Bytes& rdata) {
	Bytes n = encode_name(owner);
	body_.insert(body_.end(), n.begin(), n.end());
	put16(body_, type);
	put16(body_, cls);
	put32(body_, ttl);
	put16(body_, static_cast<uint16_t>(rdata.size()));
	body_.insert(body_.end(), rdata.begin(), rdata.end());
	++an_;
	return *this;
}

DnsBuilder& DnsBuilder::answer_a(std::string_view owner, std::string_view ipv4, uint32_t ttl) {
	return answer_raw(owner, 1, 1, ttl, ip_bytes(ipv4));
}
DnsBuilder& DnsBuilder::answer_aaaa(std::string_view owner, std::string_view ipv6, uint32_t ttl) {
	return answer_raw(owner, 28, 1, ttl, ip_bytes(ipv6));
}
DnsBuilder& DnsBuilder::answer_cname(std::string_view owner, std::string_view target, uint32_t ttl) {
	return answer_raw(owner, 5, 1, ttl, encode_name(target));
}

DnsBuilder& DnsBuilder::answer_a_ptr(uint16_t owner_offset, std::string_view ipv4, uint32_t ttl) {
	put16(body_, static_cast<uint16_t>(0xc000 | owner_offset));
	put16(body_, 1);
	put16(body_, 1);
	put32(body_, ttl);
	Bytes a = ip_bytes(ipv4);
	put16(body_, static_cast<uint16_t>(a.size()));
	body_.insert(body_.end(), a.begin(), a.end());
	++an_;
	return *this;
}

DnsBuilder& DnsBuilder::override_counts(std::optional<uint16_t> qd, std::optional<uint16_t> an) {
	qd_override_ = qd;
	an_override_ = an;
	return *this;
}

Bytes DnsBuilder::build() const {
	Bytes out;
	put16(out, id_);
	put16(out, flags_);
	put16(out, qd_override_.value_or(qd_));
	put16(out, an_override_.value_or(an_));
	put16(out, 0); // NSCOUNT
	put16(out, 0); // ARCOUNT
	out.insert(out.end(), body_.begin(), body_.end());
	return out;
}

// ---- packets --------------------------------------------------------------------------------

PacketBuilder& PacketBuilder::ethernet(std::string_view src_mac, std::string_view dst_mac) {
	eth_ = true;
	parse_mac(src_mac, src_mac_);
	parse_mac(dst_mac, dst_mac_);
	return *this;
}

PacketBuilder& PacketBuilder::ipv4(std::string_view src, std::string_view dst, uint8_t ttl) {
	auto s = ip_bytes(src), d = ip_bytes(dst);
	if (s.size() != 4 || d.size() != 4) {
		std::fprintf(stderr, "PacketBuilder::ipv4 needs IPv4 literals\n");
		std::abort();
	}
	ip_version_ = 4;
	std::memcpy(src_ip_, s.data(), 4);
	std::memcpy(dst_ip_, d.data(), 4);
	ttl_ = ttl;
	return *this;
}

PacketBuilder& PacketBuilder::ipv6(std::string_view src, std::string_view dst, uint8_t hop_limit) {
	auto s = ip_bytes(src), d = ip_bytes(dst);
	if (s.size() != 16 || d.size() != 16) {
		std::fprintf(stderr, "PacketBuilder::ipv6 needs IPv6 literals\n");
		std::abort();
	}
	ip_version_ = 6;
	std::memcpy(src_ip_, s.data(), 16);
	std::memcpy(dst_ip_, d.data(), 16);
	ttl_ = hop_limit;
	return *this;
}

PacketBuilder& PacketBuilder::tcp(uint16_t sport, uint16_t dport) {
	l4_ = L4::tcp;
	sport_ = sport;
	dport_ = dport;
	tcp_flags_ = 0x10; // ACK: an established-flow segment unless syn() says otherwise
	return *this;
}
PacketBuilder& PacketBuilder::syn() {
	tcp_flags_ = 0x02;
	return *this;
}
PacketBuilder& PacketBuilder::ack() {
	tcp_flags_ = 0x10;
	return *this;
}
PacketBuilder& PacketBuilder::syn_ack() {
	tcp_flags_ = 0x12;
	return *this;
}
PacketBuilder& PacketBuilder::udp(uint16_t sport, uint16_t dport) {
	l4_ = L4::udp;
	sport_ = sport;
	dport_ = dport;
	return *this;
}
PacketBuilder& PacketBuilder::icmp(uint8_t type, uint8_t code, uint32_t rest) {
	l4_ = L4::icmp;
	icmp_type_ = type;
	icmp_code_ = code;
	icmp_rest_ = rest;
	return *this;
}
PacketBuilder& PacketBuilder::icmpv6(uint8_t type, uint8_t code, uint32_t rest) {
	l4_ = L4::icmpv6;
	icmp_type_ = type;
	icmp_code_ = code;
	icmp_rest_ = rest;
	return *this;
}
PacketBuilder& PacketBuilder::payload(const Bytes& bytes) {
	payload_.insert(payload_.end(), bytes.begin(), bytes.end());
	return *this;
}
PacketBuilder& PacketBuilder::payload(std::string_view text) {
	payload_.insert(payload_.end(), text.begin(), text.end());
	return *this;
}
PacketBuilder& PacketBuilder::ip_protocol(uint8_t proto) {
	proto_override_ = proto;
	return *this;
}

Bytes PacketBuilder::build() const {
	// L4 header + payload first, so the IP header knows its length.
	Bytes l4;
	uint8_t proto = 0;
	switch (l4_) {
	case L4::tcp:
		proto = 6;
		put16(l4, sport_);
		put16(l4, dport_);
		put32(l4, 1000); // seq
		put32(l4, (tcp_flags_ & 0x10) ? 2000 : 0);
		l4.push_back(5 << 4); // data offset
		l4.push_back(tcp_flags_);
		put16(l4, 64240); // window
		put16(l4, 0);     // checksum
		put16(l4, 0);     // urgent
		break;
	case L4::udp:
		proto = 17;
		put16(l4, sport_);
		put16(l4, dport_);
		put16(l4, static_cast<uint16_t>(8 + payload_.size()));
		put16(l4, 0);
		break;
	case L4::icmp:
	case L4::icmpv6:
		proto = l4_ == L4::icmp ? 1 : 58;
		l4.push_back(icmp_type_);
		l4.push_back(icmp_code_);
		put16(l4, 0);
		put32(l4, icmp_rest_);
		break;
	case L4::none:
		break;
	}
	l4.insert(l4.end(), payload_.begin(), payload_.end());
	if (proto_override_)
		proto = *proto_override_;

	// Transport checksum over the pseudo-header (RFC 793, 768, 4443; ICMPv4 has none).
	size_t ck_at = l4_ == L4::tcp ? 16 : l4_ == L4::udp ? 6 : 2;
	if (l4_ != L4::none) {
		uint32_t acc = 0;
		if (l4_ != L4::icmp) {
			size_t alen = ip_version_ == 6 ? 16 : 4;
			acc = sum16(src_ip_, alen, acc);
			acc = sum16(dst_ip_, alen, acc);
			acc += proto;
			acc += static_cast<uint32_t>(l4.size());
		}
		uint16_t ck = fold(sum16(l4.data(), l4.size(), acc));
		if (l4_ == L4::udp && ck == 0)
			ck = 0xffff;
		set16(l4, ck_at, ck);
	}

	Bytes out;
	if (eth_) {
		out.insert(out.end(), dst_mac_, dst_mac_ + 6);
		out.insert(out.end(), src_mac_, src_mac_ + 6);
		put16(out, ip_version_ == 6 ? 0x86dd : 0x0800);
	}
	size_t ip_at = out.size();
	if (ip_version_ == 4) {
		out.push_back(0x45);
		out.push_back(0);
		put16(out, static_cast<uint16_t>(20 + l4.size()));
		put16(out, 0x1234); // id
		put16(out, 0x4000); // DF
		out.push_back(ttl_);
		out.push_back(proto);
		put16(out, 0);
		out.insert(out.end(), src_ip_, src_ip_ + 4);
		out.insert(out.end(), dst_ip_, dst_ip_ + 4);
		set16(out, ip_at + 10, fold(sum16(out.data() + ip_at, 20)));
	} else if (ip_version_ == 6) {
		put32(out, 0x60000000);
		put16(out, static_cast<uint16_t>(l4.size()));
		out.push_back(proto);
		out.push_back(ttl_);
		out.insert(out.end(), src_ip_, src_ip_ + 16);
		out.insert(out.end(), dst_ip_, dst_ip_ + 16);
	}
	out.insert(out.end(), l4.begin(), l4.end());
	return out;
}

} // namespace egress::testlib
