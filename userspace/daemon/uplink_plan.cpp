#include "daemon/uplink_plan.h"

namespace egress::daemon {

UplinkMode uplink_mode(std::string_view config_value) {
	if (config_value.empty())
		return UplinkMode::off;
	if (config_value == "auto")
		return UplinkMode::automatic;
	return UplinkMode::named;
}

std::string_view uplink_mode_name(UplinkMode mode) {
	switch (mode) {
	case UplinkMode::off:
		return "off";
	case UplinkMode::automatic:
		return "auto";
	case UplinkMode::named:
		return "interface";
	}
	return "off";
}

nlohmann::json uplink_json(UplinkMode mode, const std::string& configured,
                           const std::optional<kernel::Uplink>& uplink, uint32_t attached_ifindex,
                           bool enforce) {
	nlohmann::json j;
	j["mode"] = std::string(uplink_mode_name(mode));
	j["interface"] = nullptr;
	j["ifindex"] = nullptr;
	j["addresses"] = nlohmann::json::array();
	j["gateway"] = nullptr;
	if (mode == UplinkMode::named)
		j["interface"] = configured;
	if (uplink) {
		j["interface"] = uplink->ifname;
		j["ifindex"] = uplink->ifindex;
		j["addresses"] = uplink->addresses;
		if (uplink->gateway)
			j["gateway"] = *uplink->gateway;
	}
	j["backstop"] = {
	    {"attached", attached_ifindex != 0}, {"ifindex", attached_ifindex}, {"enforce", enforce}};
	return j;
}

} // namespace egress::daemon
