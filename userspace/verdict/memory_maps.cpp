#include "verdict/memory_maps.h"

#include <cstring>

namespace egress::verdict {
namespace {

// The longest prefix of `entries` that contains `dst` (an LPM trie's answer).
template <typename Key>
std::optional<egress_ports> longest_match(const std::vector<std::pair<Key, egress_ports>>& entries,
                                          const IpAddress& dst) {
	const std::pair<Key, egress_ports>* best = nullptr;
	for (const auto& e : entries) {
		uint32_t bits = e.first.prefixlen;
		bool inside = true;
		for (uint32_t i = 0; i < bits && inside; ++i) {
			uint8_t mask = static_cast<uint8_t>(0x80u >> (i % 8));
			inside = (e.first.addr[i / 8] & mask) == (dst.bytes[i / 8] & mask);
		}
		if (inside && (!best || bits > best->first.prefixlen))
			best = &e;
	}
	return best ? std::optional<egress_ports>(best->second) : std::nullopt;
}

} // namespace

Result<std::optional<egress_ports>> MemoryMaps::floor(const IpAddress& dst) const {
	return dst.family == Family::v4 ? longest_match(desired_.floor4, dst)
	                                : longest_match(desired_.floor6, dst);
}

Result<std::optional<egress_ports>> MemoryMaps::cidr(const IpAddress& dst) const {
	return dst.family == Family::v4 ? longest_match(desired_.cidr4, dst)
	                                : longest_match(desired_.cidr6, dst);
}

Result<std::optional<egress_learned_value>> MemoryMaps::learned(const IpAddress& dst) const {
	auto it = learned_.find(dst);
	return it == learned_.end() ? std::nullopt : std::optional<egress_learned_value>(it->second);
}

} // namespace egress::verdict
