#include "kernel/maps.h"

namespace egress::kernel {

std::string_view map_name(MapId id) {
	switch (id) {
	case MapId::config:
		return "egress_config";
	case MapId::install:
		return "egress_install";
	case MapId::counters:
		return "egress_counters";
	case MapId::floor4:
		return "egress_floor4";
	case MapId::floor6:
		return "egress_floor6";
	case MapId::learned4:
		return "egress_learned4";
	case MapId::learned6:
		return "egress_learned6";
	case MapId::cidr4:
		return "egress_cidr4";
	case MapId::cidr6:
		return "egress_cidr6";
	case MapId::udp_peers:
		return "egress_udp_peers";
	case MapId::event_flows:
		return "egress_event_flows";
	case MapId::events:
		return "egress_events";
	}
	return "";
}

} // namespace egress::kernel
