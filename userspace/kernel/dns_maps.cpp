#include "kernel/dns_maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

#include "egress.skel.h"

namespace egress::kernel {
namespace {

bpf_map* skel_map(const egress_bpf* s, DnsMapId id) {
	switch (id) {
	case DnsMapId::names:
		return s->maps.egress_names;
	case DnsMapId::settings:
		return s->maps.egress_dns_cfg;
	case DnsMapId::resolvers4:
		return s->maps.egress_dns_srv4;
	case DnsMapId::resolvers6:
		return s->maps.egress_dns_srv6;
	case DnsMapId::queries:
		return s->maps.egress_dns_query;
	}
	return nullptr;
}

template <typename K>
K key_of(const std::vector<uint8_t>& addr) {
	K k{};
	std::memcpy(k.addr, addr.data(), sizeof(k.addr));
	return k;
}

} // namespace

std::string_view dns_map_name(DnsMapId id) {
	switch (id) {
	case DnsMapId::names:
		return "egress_names";
	case DnsMapId::settings:
		return "egress_dns_cfg";
	case DnsMapId::resolvers4:
		return "egress_dns_srv4";
	case DnsMapId::resolvers6:
		return "egress_dns_srv6";
	case DnsMapId::queries:
		return "egress_dns_query";
	}
	return "";
}

int DnsMaps::fd(DnsMapId id) const {
	return bpf_map__fd(skel_map(dp_.skeleton(), id));
}

Status DnsMaps::write_settings(const egress_dns_settings& settings) const {
	auto map = TypedMap<uint32_t, egress_dns_settings>::open(fd(DnsMapId::settings));
	if (!map.ok())
		return std::move(map).error();
	return map->put(0, settings);
}

Result<egress_dns_settings> DnsMaps::read_settings() const {
	uint32_t zero = 0;
	egress_dns_settings out{};
	if (bpf_map_lookup_elem(fd(DnsMapId::settings), &zero, &out) != 0)
		return Error::from_errno(errno, "reading the DNS learning settings");
	return out;
}

Status DnsMaps::trust_resolver(const std::vector<uint8_t>& addr) const {
	uint8_t one = 1;
	if (addr.size() == 4) {
		auto map = TypedMap<egress_dns_resolver4_key, uint8_t>::open(fd(DnsMapId::resolvers4));
		if (!map.ok())
			return std::move(map).error();
		return map->put(key_of<egress_dns_resolver4_key>(addr), one);
	}
	if (addr.size() == 16) {
		auto map = TypedMap<egress_dns_resolver6_key, uint8_t>::open(fd(DnsMapId::resolvers6));
		if (!map.ok())
			return std::move(map).error();
		return map->put(key_of<egress_dns_resolver6_key>(addr), one);
	}
	return Error("a resolver address has 4 or 16 bytes, not " + std::to_string(addr.size()), EINVAL);
}

Status DnsMaps::distrust_resolver(const std::vector<uint8_t>& addr) const {
	if (addr.size() == 4) {
		auto map = TypedMap<egress_dns_resolver4_key, uint8_t>::open(fd(DnsMapId::resolvers4));
		if (!map.ok())
			return std::move(map).error();
		return map->erase(key_of<egress_dns_resolver4_key>(addr));
	}
	if (addr.size() == 16) {
		auto map = TypedMap<egress_dns_resolver6_key, uint8_t>::open(fd(DnsMapId::resolvers6));
		if (!map.ok())
			return std::move(map).error();
		return map->erase(key_of<egress_dns_resolver6_key>(addr));
	}
	return Error("a resolver address has 4 or 16 bytes, not " + std::to_string(addr.size()), EINVAL);
}

Result<TypedMap<egress_name_key, egress_name_value>> DnsMaps::names() const {
	return TypedMap<egress_name_key, egress_name_value>::open(fd(DnsMapId::names));
}

Result<TypedMap<egress_dns_query_key, egress_dns_query_value>> DnsMaps::queries() const {
	return TypedMap<egress_dns_query_key, egress_dns_query_value>::open(fd(DnsMapId::queries));
}

} // namespace egress::kernel
