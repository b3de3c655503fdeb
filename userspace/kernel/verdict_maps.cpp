#include "kernel/verdict_maps.h"

#include <cerrno>
#include <cstring>

#include "kernel/map_writer.h"

namespace egress::kernel {
namespace {

template <typename K, typename V>
Result<std::optional<V>> get(int fd, const K& key) {
	if (fd < 0)
		return std::optional<V>();
	auto map = TypedMap<K, V>::open(fd);
	if (!map.ok())
		return std::move(map).error();
	return map->get(key);
}

Result<std::optional<egress_ports>> lpm(int fd4, int fd6, const IpAddress& dst) {
	if (dst.family == Family::v4) {
		egress_lpm4_key k{32, {}};
		std::memcpy(k.addr, dst.bytes.data(), 4);
		return get<egress_lpm4_key, egress_ports>(fd4, k);
	}
	egress_lpm6_key k{128, {}};
	std::memcpy(k.addr, dst.bytes.data(), 16);
	return get<egress_lpm6_key, egress_ports>(fd6, k);
}

template <typename K>
Status append_learned(int fd, Family family, std::vector<LearnedEntry>& out) {
	if (fd < 0)
		return ok_status();
	auto map = TypedMap<K, egress_learned_value>::open(fd);
	if (!map.ok())
		return std::move(map).error();
	auto entries = map->entries();
	if (!entries.ok())
		return std::move(entries).error();
	for (const auto& [k, v] : *entries) {
		LearnedEntry e;
		e.address.family = family;
		std::memcpy(e.address.bytes.data(), k.addr, sizeof(k.addr));
		e.value = v;
		out.push_back(e);
	}
	return ok_status();
}

} // namespace

Result<std::optional<egress_ports>> VerdictMaps::floor(const IpAddress& dst) const {
	return lpm(fds_.floor4, fds_.floor6, dst);
}

Result<std::optional<egress_ports>> VerdictMaps::cidr(const IpAddress& dst) const {
	return lpm(fds_.cidr4, fds_.cidr6, dst);
}

Result<std::optional<egress_learned_value>> VerdictMaps::learned(const IpAddress& dst) const {
	if (dst.family == Family::v4) {
		egress_learned4_key k{};
		std::memcpy(k.addr, dst.bytes.data(), 4);
		return get<egress_learned4_key, egress_learned_value>(fds_.learned4, k);
	}
	egress_learned6_key k{};
	std::memcpy(k.addr, dst.bytes.data(), 16);
	return get<egress_learned6_key, egress_learned_value>(fds_.learned6, k);
}

Result<std::vector<LearnedEntry>> VerdictMaps::learned_entries() const {
	std::vector<LearnedEntry> out;
	EGRESS_TRY_CTX(append_learned<egress_learned4_key>(fds_.learned4, Family::v4, out),
	               "reading learned IPv4 addresses");
	EGRESS_TRY_CTX(append_learned<egress_learned6_key>(fds_.learned6, Family::v6, out),
	               "reading learned IPv6 addresses");
	return out;
}

} // namespace egress::kernel
