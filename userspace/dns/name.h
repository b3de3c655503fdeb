// DNS names as text, labels and wire format (RFC 1035 2.3.4, 3.1; RFC 4343 case rules).
//
// Text form is dotted; a trailing dot is accepted and dropped ("example.com." == "example.com").
// A label byte that is not a letter, digit, '-', '_' or '*' is written as \DDD (decimal), and '.'
// and '\' inside a label as "\." and "\\" (the master-file escapes of RFC 1035 5.1), so that every
// wire name has exactly one text form and splitting on unescaped dots gives back its labels.
// Case: parsing keeps case; normalize_name() and every name the message parser returns are lower
// case (ASCII only, the rule of include/egress/name_hash.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace egress::dns {

inline constexpr size_t kMaxLabelLength = 63;     // RFC 1035 2.3.4
inline constexpr size_t kMaxWireNameLength = 255; // including length octets and the root 0x00
inline constexpr size_t kMaxTextNameLength = 253; // dotted, no trailing dot, no escapes

// The labels of a dotted name (escapes decoded, case kept). Errors: empty name, empty label
// ("a..b", ".a"), label over 63 bytes, wire length over 255, bad escape. The root "." is an error
// too: nothing here needs it.
Result<std::vector<std::string>> split_name(std::string_view text);

// Lower-cased, trailing dot dropped, escapes canonical: the one text form of a name.
Result<std::string> normalize_name(std::string_view text);

// Labels -> dotted text with escapes (no trailing dot); lower-cases when asked.
std::string join_labels(const std::vector<std::string>& labels, bool lower = false);

// Dotted text -> uncompressed wire format, case kept, ending with the root 0x00.
Result<std::vector<uint8_t>> encode_name(std::string_view text);

// ASCII lower-casing, byte for byte (egress_name_lower of name_hash.h).
std::string ascii_lower(std::string_view text);

} // namespace egress::dns
