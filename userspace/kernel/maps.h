// The datapath's maps, listed once. Everything that names a map — its id, its name in the object
// (which is also its pin file under <pins>/maps/), how its size is set before load, whether its
// fill level means something, the skeleton field it lives in — comes from EGRESS_KERNEL_MAPS.
// A bpf test checks the list against every map the loaded object has.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <egress/abi.h>

namespace egress::kernel {

// Capacities set between open and load (bpf_map__set_max_entries). Adopted pins keep theirs.
struct MapSizes {
	uint32_t floor_entries = EGRESS_DEFAULT_FLOOR_ENTRIES;
	uint32_t cidr_entries = EGRESS_DEFAULT_CIDR_ENTRIES;
	uint32_t learned_entries = EGRESS_DEFAULT_LEARNED_ENTRIES;
	uint32_t peer_entries = EGRESS_DEFAULT_PEER_ENTRIES;
	uint32_t event_flow_entries = EGRESS_DEFAULT_FLOW_ENTRIES;
	uint32_t ringbuf_bytes = EGRESS_DEFAULT_RINGBUF_BYTES; // a power of two, >= page size
	uint32_t pod_entries = EGRESS_DEFAULT_POD_ENTRIES;
	uint32_t ct_entries = EGRESS_DEFAULT_CT_ENTRIES;
};

// X(id, object name, size, fill)
//   size: the MapSizes member the loader sizes it from, or nullptr (the object's own size: arrays,
//         the DNS maps);
//   fill: entries / max_entries means something (not for fixed arrays, counters, the ring buffer).
#define EGRESS_KERNEL_MAPS(X)                                                                                \
	X(config, egress_config, nullptr, false)                                                             \
	X(install, egress_install, nullptr, false)                                                           \
	X(counters, egress_counters, nullptr, false)                                                         \
	X(floor4, egress_floor4, &MapSizes::floor_entries, true)                                             \
	X(floor6, egress_floor6, &MapSizes::floor_entries, true)                                             \
	X(learned4, egress_learned4, &MapSizes::learned_entries, true)                                       \
	X(learned6, egress_learned6, &MapSizes::learned_entries, true)                                       \
	X(cidr4, egress_cidr4, &MapSizes::cidr_entries, true)                                                \
	X(cidr6, egress_cidr6, &MapSizes::cidr_entries, true)                                                \
	X(udp_peers, egress_udp_peers, &MapSizes::peer_entries, true)                                        \
	X(event_flows, egress_event_flows, &MapSizes::event_flow_entries, true)                              \
	X(events, egress_events, &MapSizes::ringbuf_bytes, false)                                            \
	X(names, egress_names, nullptr, true)                                                                \
	X(dns_settings, egress_dns_cfg, nullptr, false)                                                      \
	X(dns_resolvers4, egress_dns_srv4, nullptr, true)                                                    \
	X(dns_resolvers6, egress_dns_srv6, nullptr, true)                                                    \
	X(dns_queries, egress_dns_query, nullptr, true)                                                      \
	X(dns_scratch, egress_dns_scr, nullptr, false)                                                       \
	X(event_budget, egress_event_budget, nullptr, true)                                                  \
	X(dns_local, egress_dns_local, nullptr, true)                                                        \
	X(dns_resolver_cgroups, egress_dns_resolver_cgroups, nullptr, true)                                  \
	X(pods, egress_pods, &MapSizes::pod_entries, true)                                                   \
	X(ct, egress_ct, &MapSizes::ct_entries, true)

enum class MapId {
#define EGRESS_MAP_ID(id, name, size, fill) id,
	EGRESS_KERNEL_MAPS(EGRESS_MAP_ID)
#undef EGRESS_MAP_ID
};

struct MapInfo {
	MapId id;
	std::string_view name;              // in the object, and the pin file name
	uint32_t MapSizes::*size = nullptr; // nullptr: fixed by the object
	bool reports_fill = false;
};

inline constexpr std::array kMaps = {
#define EGRESS_MAP_INFO(id, name, size, fill) MapInfo{MapId::id, #name, size, fill},
    EGRESS_KERNEL_MAPS(EGRESS_MAP_INFO)
#undef EGRESS_MAP_INFO
};

const MapInfo& map_info(MapId id);
std::string_view map_name(MapId id);
std::optional<MapId> map_by_name(std::string_view name);

} // namespace egress::kernel
