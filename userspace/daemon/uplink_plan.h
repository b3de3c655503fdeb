// The `uplink` config key and the TC backstop's placement, as decisions without side effects:
// which mode a value selects, what moving the backstop to a (new or lost) uplink takes, and how
// the uplink shows in `status`. uplink_backstop.h carries the decisions out.
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

struct BackstopMove {
	bool detach_old = false; // remove our filter from the interface it is on now
	bool attach_new = false; // attach (or replace in place) on the uplink
	// Same interface: the recorded qdisc ownership stands (the qdisc existed before this attach
	// only because we made it earlier, or because it was never ours).
	bool keep_qdisc_flags = false;
};

// From where the filter is (ifindex 0: nowhere) to `to` (nullopt: no uplink any more). A filter
// on the new uplink is always re-attached: replacing in place is atomic and restores a filter
// someone removed.
BackstopMove plan_backstop_move(uint32_t attached_ifindex, const std::optional<kernel::Uplink>& to);

// status.uplink: {mode, interface, ifindex, addresses, gateway, backstop}. `uplink` is what is
// known of the interface (nullopt: none, or unknown); `attached_ifindex` where our filter is.
nlohmann::json uplink_json(UplinkMode mode, const std::string& configured,
                           const std::optional<kernel::Uplink>& uplink, uint32_t attached_ifindex,
                           bool enforce);

} // namespace egress::daemon
