#include "kernel/maps.h"

namespace egress::kernel {

const MapInfo& map_info(MapId id) {
	// kMaps is in MapId order (both come from EGRESS_KERNEL_MAPS).
	return kMaps[static_cast<std::size_t>(id)];
}

std::string_view map_name(MapId id) {
	return map_info(id).name;
}

std::optional<MapId> map_by_name(std::string_view name) {
	for (const auto& m : kMaps)
		if (m.name == name)
			return m.id;
	return std::nullopt;
}

static_assert(
    [] {
	    for (std::size_t i = 0; i < kMaps.size(); ++i)
		    if (static_cast<std::size_t>(kMaps[i].id) != i)
			    return false;
	    return true;
    }(),
    "kMaps is indexed by MapId");

} // namespace egress::kernel
