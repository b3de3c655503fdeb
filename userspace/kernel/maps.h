// The datapath's maps by identity, for code that reaches them without a skeleton (pinned maps
// read by egressctl while the daemon is down, uninstall) and for sizing them before load.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include <egress/abi.h>

namespace egress::kernel {

enum class MapId {
	config,
	install,
	counters,
	floor4,
	floor6,
	learned4,
	learned6,
	cidr4,
	cidr6,
	udp_peers,
	event_flows,
	events,
};

inline constexpr std::array<MapId, 12> kAllMaps = {
    MapId::config,   MapId::install, MapId::counters, MapId::floor4,    MapId::floor6,      MapId::learned4,
    MapId::learned6, MapId::cidr4,   MapId::cidr6,    MapId::udp_peers, MapId::event_flows, MapId::events,
};

// The map's name in the object, which is also its pin file name under <pins>/maps/. A bpf test
// checks every entry against the skeleton.
std::string_view map_name(MapId id);

// Capacities set between open and load (bpf_map__set_max_entries). Adopted pins keep theirs.
struct MapSizes {
	uint32_t floor_entries = EGRESS_DEFAULT_FLOOR_ENTRIES;
	uint32_t cidr_entries = EGRESS_DEFAULT_CIDR_ENTRIES;
	uint32_t learned_entries = EGRESS_DEFAULT_LEARNED_ENTRIES;
	uint32_t peer_entries = EGRESS_DEFAULT_PEER_ENTRIES;
	uint32_t event_flow_entries = EGRESS_DEFAULT_FLOW_ENTRIES;
	uint32_t ringbuf_bytes = EGRESS_DEFAULT_RINGBUF_BYTES; // a power of two, >= page size
};

} // namespace egress::kernel
