// The one IP address type of the userspace (config, service tags, resolver answers, DNS records,
// kernel events and map keys all use it) and the one protocol naming.
//
// Text forms: "10.0.0.10", "2001:db8::1" (inet_pton/inet_ntop; no zone ids, brackets or ports).
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <egress/abi.h>

#include "common/result.h"

namespace egress {

enum class Family : std::uint8_t { v4 = 4, v6 = 6 };

std::string_view family_name(Family family); // "ipv4" | "ipv6"
int family_af(Family family);                // AF_INET | AF_INET6

// An address in network byte order; an IPv4 address uses bytes[0..3] and leaves the rest zero,
// so that equal addresses compare equal byte for byte (as the kernel's keys and events store them).
struct IpAddress {
	Family family = Family::v4;
	std::array<std::uint8_t, 16> bytes{};

	std::size_t size() const { return family == Family::v4 ? 4 : 16; }
	std::string to_string() const; // inet_ntop form: "10.0.0.1", "2001:db8::1"
	// ::ffff:a.b.c.d -> a.b.c.d (the kernel judges mapped addresses by the IPv4 policy); other
	// addresses unchanged.
	IpAddress unmapped() const;
	auto operator<=>(const IpAddress&) const = default;
};

Result<IpAddress> parse_ip(std::string_view text);

// From a kernel structure: `af` AF_INET (4 bytes used) or AF_INET6 (16); an Error for another
// family, so a newer object's record is refused rather than misread.
Result<IpAddress> ip_from_af(int af, const std::uint8_t* bytes);

struct IpAddressHash {
	std::size_t operator()(const IpAddress& a) const;
};

// IANA protocol numbers, the values the datapath uses (EGRESS_PROTO_*).
enum class Proto : std::uint8_t {
	any = EGRESS_PROTO_ANY,
	icmp = EGRESS_PROTO_ICMP,
	tcp = EGRESS_PROTO_TCP,
	udp = EGRESS_PROTO_UDP,
	icmpv6 = EGRESS_PROTO_ICMPV6,
};

// "any" | "icmp" | "tcp" | "udp" | "icmpv6", and the decimal number for any other protocol
// (a raw socket's packet, a newer object's rule).
std::string proto_name(std::uint8_t proto);
inline std::string proto_name(Proto proto) {
	return proto_name(static_cast<std::uint8_t>(proto));
}

} // namespace egress
