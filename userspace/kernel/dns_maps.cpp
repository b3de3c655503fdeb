#include "kernel/dns_maps.h"

#include <cerrno>
#include <cstring>

namespace egress::kernel {
namespace {

template <typename K>
K key_of(const std::vector<uint8_t>& addr) {
	K k{};
	std::memcpy(k.addr, addr.data(), sizeof(k.addr));
	return k;
}

} // namespace

Status DnsMaps::write_settings(const egress_dns_settings& settings) const {
	auto map = TypedMap<uint32_t, egress_dns_settings>::open(dp_.map_fd(MapId::dns_settings));
	if (!map.ok())
		return std::move(map).error();
	return map->put(0, settings);
}

Result<egress_dns_settings> DnsMaps::read_settings() const {
	auto map = TypedMap<uint32_t, egress_dns_settings>::open(dp_.map_fd(MapId::dns_settings));
	if (!map.ok())
		return std::move(map).error();
	auto v = map->get(0);
	if (!v.ok())
		return std::move(v).error().wrap("reading the DNS learning settings");
	return v->value_or(egress_dns_settings{});
}

Status DnsMaps::trust_resolver(const std::vector<uint8_t>& addr) const {
	uint8_t one = 1;
	if (addr.size() == 4) {
		auto map =
		    TypedMap<egress_dns_resolver4_key, uint8_t>::open(dp_.map_fd(MapId::dns_resolvers4));
		if (!map.ok())
			return std::move(map).error();
		return map->put(key_of<egress_dns_resolver4_key>(addr), one);
	}
	if (addr.size() == 16) {
		auto map =
		    TypedMap<egress_dns_resolver6_key, uint8_t>::open(dp_.map_fd(MapId::dns_resolvers6));
		if (!map.ok())
			return std::move(map).error();
		return map->put(key_of<egress_dns_resolver6_key>(addr), one);
	}
	return Error("a resolver address has 4 or 16 bytes, not " + std::to_string(addr.size()), EINVAL);
}

Status DnsMaps::distrust_resolver(const std::vector<uint8_t>& addr) const {
	if (addr.size() == 4) {
		auto map =
		    TypedMap<egress_dns_resolver4_key, uint8_t>::open(dp_.map_fd(MapId::dns_resolvers4));
		if (!map.ok())
			return std::move(map).error();
		return map->erase(key_of<egress_dns_resolver4_key>(addr));
	}
	if (addr.size() == 16) {
		auto map =
		    TypedMap<egress_dns_resolver6_key, uint8_t>::open(dp_.map_fd(MapId::dns_resolvers6));
		if (!map.ok())
			return std::move(map).error();
		return map->erase(key_of<egress_dns_resolver6_key>(addr));
	}
	return Error("a resolver address has 4 or 16 bytes, not " + std::to_string(addr.size()), EINVAL);
}

Result<TypedMap<egress_name_key, egress_name_value>> DnsMaps::names() const {
	return TypedMap<egress_name_key, egress_name_value>::open(dp_.map_fd(MapId::names));
}

Result<TypedMap<egress_dns_query_key, egress_dns_query_value>> DnsMaps::queries() const {
	return TypedMap<egress_dns_query_key, egress_dns_query_value>::open(dp_.map_fd(MapId::dns_queries));
}

Result<TypedMap<uint64_t, uint8_t>> DnsMaps::resolver_cgroups() const {
	return TypedMap<uint64_t, uint8_t>::open(dp_.map_fd(MapId::dns_resolver_cgroups));
}

Result<TypedMap<egress_dns_local_key, uint64_t>> DnsMaps::local_answers() const {
	return TypedMap<egress_dns_local_key, uint64_t>::open(dp_.map_fd(MapId::dns_local));
}

} // namespace egress::kernel
