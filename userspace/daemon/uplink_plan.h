// The `uplink` config key and the TC backstop's placement, as decisions without side effects:
// which mode a value selects and how the uplink shows in `status` (moving the backstop is
// kernel::Datapath::move_tc_backstop).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kernel/uplink.h"

namespace egress::daemon {

enum class UplinkMode {
	off,       // "": no TC backstop
	automatic, // "auto": the default route's interface, followed as routes and links change
	named,     // an interface name, taken as is at start
};

UplinkMode uplink_mode(std::string_view config_value);
std::string_view uplink_mode_name(UplinkMode mode); // "off" | "auto" | "interface"

// status.uplink: {mode, interface, ifindex, addresses, gateway, backstop}. `uplink` is what is
// known of the interface (nullopt: none, or unknown); `attached_ifindex` where our filter is.
nlohmann::json uplink_json(UplinkMode mode, const std::string& configured,
                           const std::optional<kernel::Uplink>& uplink, uint32_t attached_ifindex,
                           bool enforce);

} // namespace egress::daemon
