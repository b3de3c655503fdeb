// The TC backstop's interface as one part of egressd (config `uplink`): nothing, a named
// interface (attached by the datapath at start), or `auto` — the default route's interface,
// followed over rtnetlink as links, routes and addresses change, the backstop moving with it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "daemon/event_loop.h"
#include "daemon/uplink_plan.h"
#include "kernel/datapath.h"
#include "kernel/uplink.h"

namespace egress::daemon {

class UplinkFollower {
public:
	// Before the datapath loads (`auto` subscribes first, so no change before the loop is missed).
	// `enforce`: uplink.mode enforce (the datapath was loaded with tc_enforce).
	static Result<UplinkFollower> open(const std::string& configured, bool enforce = false);
	UplinkMode mode() const { return mode_; }
	// The interface the datapath attaches the backstop to itself ("" unless a name is configured).
	std::string named_interface() const { return mode_ == UplinkMode::named ? configured_ : ""; }

	// After attach: puts the backstop where it belongs and registers the watcher with the loop.
	Status start(kernel::Datapath& dp, EventLoop& loop);
	nlohmann::json status() const;
	// The tamper check: our filter gone from where it should be is attached again. Returns what
	// was done ("" when it was there).
	std::string reattach_if_lost();

private:
	UplinkFollower() = default;
	void follow(const std::optional<kernel::Uplink>& uplink);
	void on_change();

	UplinkMode mode_ = UplinkMode::off;
	std::string configured_;
	std::optional<kernel::UplinkWatcher> watcher_;
	kernel::Datapath* dp_ = nullptr;
	uint32_t backstop_ifindex_ = 0; // where our filter is (install record)
	bool enforce_ = false;
};

} // namespace egress::daemon
