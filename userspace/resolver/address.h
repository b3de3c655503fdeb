// The address of one A or AAAA answer, comparable so it can key maps and sets.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace egress::resolver {

// Same values as policy::Family, so the daemon converts by value.
enum class Family : std::uint8_t { v4 = 4, v6 = 6 };

std::string_view family_name(Family family); // "ipv4" | "ipv6"

// Network byte order; IPv4 uses bytes[0..3] and leaves the rest zero, so equal addresses compare
// equal byte for byte.
struct Address {
	Family family = Family::v4;
	std::array<std::uint8_t, 16> bytes{};

	std::size_t size() const { return family == Family::v4 ? 4 : 16; }
	std::string to_string() const; // "10.0.0.1", "2001:db8::1"
	auto operator<=>(const Address&) const = default;
};

// Strict inet_pton form, no brackets, ports or zone ids.
Result<Address> parse_address(std::string_view text);

} // namespace egress::resolver
