#include "daemon/uplink_follower.h"

#include <net/if.h>

#include <cerrno>

#include "common/logger.h"

namespace egress::daemon {
namespace {

constexpr const char* kComponent = "egressd";

} // namespace

Result<UplinkFollower> UplinkFollower::open(const std::string& configured, bool enforce) {
	UplinkFollower f;
	f.configured_ = configured;
	f.enforce_ = enforce;
	f.mode_ = uplink_mode(configured);
	if (f.mode_ == UplinkMode::automatic) {
		auto w = kernel::UplinkWatcher::open();
		if (!w.ok())
			return std::move(w).error().wrap("following the uplink (uplink: auto)");
		f.watcher_.emplace(std::move(*w));
	}
	return f;
}

Status UplinkFollower::start(kernel::Datapath& dp, EventLoop& loop) {
	dp_ = &dp;
	if (watcher_) {
		// Also moves a filter that a previous egressd left on an interface that is no longer the
		// uplink.
		if (!watcher_->current())
			log::warn(kComponent)
			    << "uplink: auto: no default route yet, no TC backstop until one appears";
		follow(watcher_->current());
		return loop.add(watcher_->fd(), [this] { on_change(); });
	}
	if (auto at = dp.tc_backstop_ifindex(); at.ok())
		backstop_ifindex_ = mode_ == UplinkMode::named ? *at : 0;
	return ok_status();
}

void UplinkFollower::follow(const std::optional<kernel::Uplink>& uplink) {
	auto at = dp_->move_tc_backstop(uplink);
	if (!at.ok()) {
		// Enforcement does not depend on the backstop: the cgroup hooks stay. Record what is left.
		log::error(kComponent) << "TC backstop: " << at.error().to_string();
		if (auto now = dp_->tc_backstop_ifindex(); now.ok())
			backstop_ifindex_ = *now;
		return;
	}
	backstop_ifindex_ = *at;
	if (uplink)
		log::info(kComponent)
		    << "uplink " << uplink->ifname << " (ifindex " << uplink->ifindex << ", gateway "
		    << uplink->gateway.value_or("none") << "): TC backstop attached ("
		    << (enforce_ ? "enforcing" : "audit only") << ")";
}

void UplinkFollower::on_change() {
	auto change = watcher_->process();
	if (!change.ok()) {
		if (change.error().code() == ENETUNREACH) {
			log::warn(kComponent)
			    << "uplink lost (no default route): going on without the TC backstop "
			       "until one is back";
			follow(std::nullopt);
		} else {
			log::warn(kComponent) << "following the uplink: " << change.error().to_string();
		}
		return;
	}
	if (*change)
		follow(**change);
}

nlohmann::json UplinkFollower::status() const {
	std::optional<kernel::Uplink> uplink;
	if (watcher_) {
		uplink = watcher_->current();
	} else if (mode_ == UplinkMode::named) {
		// A named interface need not carry the default route: take the route's details only when
		// it does.
		if (auto found = kernel::find_uplink(); found.ok() && found->ifname == configured_)
			uplink = std::move(*found);
		else if (unsigned idx = if_nametoindex(configured_.c_str()); idx != 0)
			uplink = kernel::Uplink{configured_, static_cast<int>(idx), {}, std::nullopt};
	}
	return uplink_json(mode_, configured_, uplink, backstop_ifindex_, enforce_);
}

std::string UplinkFollower::reattach_if_lost() {
	if (!dp_ || backstop_ifindex_ == 0)
		return "";
	auto there = dp_->tc_backstop_attached();
	if (!there.ok() || *there)
		return "";
	std::optional<kernel::Uplink> to;
	if (watcher_)
		to = watcher_->current();
	else if (unsigned idx = if_nametoindex(configured_.c_str()); idx != 0)
		to = kernel::Uplink{configured_, static_cast<int>(idx), {}, std::nullopt};
	follow(to);
	return "our filter was gone from ifindex " + std::to_string(backstop_ifindex_) + ": attached again";
}

} // namespace egress::daemon
