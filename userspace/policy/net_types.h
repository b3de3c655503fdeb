// Small network value types shared by the config, the service-tags reader and the compiler: a
// CIDR prefix and a protocol + port range, each with a strict text parser (the address and
// protocol types are common/ip_address.h).
//
// Text forms (what operators write and what the tools print):
//   address   "10.0.0.10", "2001:db8::1"               (no zone ids, no ports)
//   CIDR      "10.0.0.0/16", "2001:db8::/32"; a bare address means a host route (/32, /128)
//   ports     "tcp/443", "udp/123", "tcp/1000-2000", "tcp" (all TCP ports), "udp", "icmp",
//             "icmpv6", "any" (every protocol, every port)
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "common/result.h"

namespace egress::policy {

// What parse_cidr does with bits set beyond the prefix length ("10.0.0.1/8").
enum class HostBits {
	reject, // an error with a hint naming the network address: operator input, likely a typo
	mask,   // silently cleared: vendor data we cannot fix (service-tag files)
};

// A prefix; bits beyond `prefix` are always zero (canonical), so equal networks compare equal.
struct Cidr {
	Family family = Family::v4;
	std::array<std::uint8_t, 16> bytes{};
	std::uint8_t prefix = 0; // 0..32 for v4, 0..128 for v6

	IpAddress address() const { return IpAddress{family, bytes}; }
	std::string to_string() const; // always "addr/len", also for host routes
	bool contains(const IpAddress& ip) const;
	bool contains(const Cidr& other) const;
	auto operator<=>(const Cidr&) const = default;
};

Result<Cidr> parse_cidr(std::string_view text, HostBits host_bits = HostBits::reject);

// One protocol and an inclusive port range. Protocols without ports (any, icmp, icmpv6) and a
// bare "tcp"/"udp" carry lo = 0, hi = 65535, as the datapath's egress_port_range expects.
struct PortRange {
	Proto proto = Proto::any;
	std::uint16_t lo = 0;
	std::uint16_t hi = 65535;

	bool all_ports() const { return lo == 0 && hi == 65535; }
	std::string to_string() const; // the canonical spec: "tcp/443", "tcp/1000-2000", "tcp", "any"
	auto operator<=>(const PortRange&) const = default;
};

// Parses one port spec (see the header comment). Case-insensitive; ports are 1..65535 and
// lo <= hi. Errors quote the input: `"tcp/99999": port out of range 1-65535`.
Result<PortRange> parse_port_spec(std::string_view text);

// "host:port" for a listening socket: "127.0.0.1:9464", "[::1]:9464", "0.0.0.0:9464" or
// ":9464" (every address). Host names are refused (nothing may resolve at config time).
struct ListenAddress {
	std::string host; // "" = every address; otherwise an IP literal without brackets
	std::uint16_t port = 0;

	std::string to_string() const;
	auto operator<=>(const ListenAddress&) const = default;
};

Result<ListenAddress> parse_listen_address(std::string_view text);

} // namespace egress::policy
