#include "daemon/pod_follower.h"

#include <egress/abi.h>

#include "common/logger.h"
#include "kernel/pins.h"

namespace egress::daemon {
namespace {

constexpr const char* kComponent = "egressd";

std::vector<IpAddress> addresses_of(const kernel::PodInterface& iface) {
	std::vector<IpAddress> out;
	for (const auto& p : iface.prefixes)
		out.push_back(p.address);
	return out;
}

std::string describe(const kernel::PodInterface& iface) {
	std::string s = iface.ifname + " (ifindex " + std::to_string(iface.ifindex) + ", ";
	if (iface.prefixes.empty())
		return s + "no route yet)";
	for (size_t i = 0; i < iface.prefixes.size(); ++i)
		s += (i ? " " : "") + iface.prefixes[i].to_string();
	return s + (iface.bridge_port ? ", bridge port)" : ")");
}

} // namespace

PodFollower::PodFollower(Options options, kernel::PodInterfaceWatcher watcher)
    : options_(std::move(options)), watcher_(std::move(watcher)),
      identity_(options_.cni_results_dir, options_.cgroup_root) {
}

Result<PodFollower> PodFollower::open(Options options) {
	auto w = kernel::PodInterfaceWatcher::open();
	if (!w.ok())
		return std::move(w).error();
	return PodFollower(std::move(options), std::move(*w));
}

Status PodFollower::start(kernel::Datapath& dp, EventLoop& loop) {
	layer_.emplace(dp);
	remove_leftovers();
	sync();
	return loop.add(watcher_.fd(), [this] {
		auto changed = watcher_.process();
		if (!changed.ok())
			log::warn(kComponent) << "following pod interfaces: " << changed.error().to_string();
		else if (*changed)
			sync();
	});
}

// Entries (and TCX pins) an earlier egressd left for interfaces that are gone.
void PodFollower::remove_leftovers() {
	auto entries = layer_->entries();
	if (!entries.ok()) {
		log::warn(kComponent) << "reading the pod interfaces map: " << entries.error().to_string();
		return;
	}
	const auto& now = watcher_.current();
	for (const auto& [ifindex, entry] : *entries) {
		bool present = std::any_of(now.begin(), now.end(), [&](const auto& p) {
			return static_cast<uint32_t>(p.ifindex) == ifindex;
		});
		if (present)
			continue;
		if (auto st = layer_->detach(ifindex); !st.ok())
			log::warn(kComponent) << "removing pod interface " << ifindex
			                      << " of an earlier run: " << st.error().to_string();
	}
}

void PodFollower::sync() {
	const auto& now = watcher_.current();
	std::vector<int> gone;
	for (const auto& [ifindex, a] : attached_)
		if (std::none_of(now.begin(), now.end(), [&](const auto& p) { return p.ifindex == ifindex; }))
			gone.push_back(ifindex);
	for (int ifindex : gone)
		forget(ifindex);
	for (const auto& iface : now)
		guard(iface);
}

void PodFollower::guard(const kernel::PodInterface& iface) {
	auto it = attached_.find(iface.ifindex);
	bool known = it != attached_.end();
	if (known && it->second.iface == iface && it->second.error.empty())
		return;
	Attached a = known ? it->second : Attached{};
	bool changed_only = known && a.error.empty() && a.iface.ifname == iface.ifname;
	a.iface = iface;
	if (!a.owner || a.owner->cgroup_id == 0)
		a.owner = identity_.find(iface.ifname, addresses_of(iface));
	if (changed_only) {
		// New prefixes (the CNI added its route after the link): the entry only.
		if (auto st = layer_->describe(iface, cgroup_of(a)); !st.ok())
			log::error(kComponent)
			    << "pod interface " << describe(iface) << ": " << st.error().to_string();
		else
			log::info(kComponent) << "pod interface " << describe(iface) << ": prefixes updated";
		attached_[iface.ifindex] = std::move(a);
		return;
	}
	auto entry = layer_->attach(iface, cgroup_of(a));
	if (!entry.ok()) {
		std::string why = entry.error().to_string();
		if (!a.reported || a.error != why)
			log::error(kComponent)
			    << "pod interface " << describe(iface) << " is NOT guarded: " << why;
		a.error = why;
		a.reported = true;
	} else {
		a.flags = entry->flags;
		a.error.clear();
		a.reported = false;
		log::info(kComponent)
		    << "pod interface " << describe(iface) << " guarded ("
		    << ((a.flags & EGRESS_POD_TCX) ? "tcx" : "tc") << "), pod "
		    << (a.owner ? a.owner->pod.ns + "/" + a.owner->pod.name : "not known yet");
	}
	attached_[iface.ifindex] = std::move(a);
}

void PodFollower::forget(int ifindex) {
	auto it = attached_.find(ifindex);
	if (it == attached_.end())
		return;
	// The interface is gone, and its programs with it: the entry and any pinned links remain.
	if (auto st = layer_->detach(static_cast<uint32_t>(ifindex)); !st.ok())
		log::warn(kComponent) << "pod interface " << it->second.iface.ifname
		                      << " went away: " << st.error().to_string();
	else
		log::info(kComponent) << "pod interface " << it->second.iface.ifname << " went away";
	attached_.erase(it);
}

std::vector<std::string> PodFollower::verify() {
	std::vector<std::string> repaired;
	if (!layer_)
		return repaired;
	for (auto& [ifindex, a] : attached_) {
		if (!a.error.empty())
			continue;
		if (!a.owner || a.owner->cgroup_id == 0) {
			if (auto owner = identity_.find(a.iface.ifname, addresses_of(a.iface));
			    owner && owner->cgroup_id) {
				a.owner = std::move(owner);
				(void)layer_->describe(a.iface, cgroup_of(a));
			}
		}
		auto st = layer_->query(static_cast<uint32_t>(ifindex));
		if (!st.ok()) {
			log::warn(kComponent)
			    << "checking pod interface " << a.iface.ifname << ": " << st.error().to_string();
			continue;
		}
		if (st->ingress && st->egress)
			continue;
		auto entry = layer_->attach(a.iface, cgroup_of(a));
		std::string what = "pod interface " + a.iface.ifname + ": our programs were off its " +
		                   (!st->ingress ? "ingress" : "egress");
		if (entry.ok()) {
			a.flags = entry->flags;
			repaired.push_back(what + "; attached again");
		} else {
			a.error = entry.error().to_string();
			repaired.push_back(what + "; attaching again failed: " + a.error);
		}
	}
	return repaired;
}

size_t PodFollower::guarded() const {
	return static_cast<size_t>(std::count_if(attached_.begin(), attached_.end(),
	                                         [](const auto& e) { return e.second.error.empty(); }));
}

nlohmann::json PodFollower::status() const {
	nlohmann::json list = nlohmann::json::array();
	for (const auto& [ifindex, a] : attached_) {
		nlohmann::json prefixes = nlohmann::json::array();
		for (const auto& p : a.iface.prefixes)
			prefixes.push_back(p.to_string());
		nlohmann::json j = {
		    {"interface", a.iface.ifname}, {"ifindex", ifindex},
		    {"prefixes", prefixes},        {"bridge_port", a.iface.bridge_port},
		    {"guarded", a.error.empty()},  {"attach", (a.flags & EGRESS_POD_TCX) ? "tcx" : "tc"}};
		if (a.owner)
			j["pod"] = {{"namespace", a.owner->pod.ns},
			            {"name", a.owner->pod.name},
			            {"uid", a.owner->pod.uid}};
		if (!a.error.empty())
			j["error"] = a.error;
		list.push_back(j);
	}
	return {{"interfaces", list}, {"guarded", guarded()}, {"total", attached_.size()}};
}

} // namespace egress::daemon
