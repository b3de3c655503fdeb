// The pod layer as one part of egressd: every pod interface of the node (kernel/pod_interfaces.h)
// gets the pod programs (kernel/pod_layer.h), found and followed over rtnetlink as CNIs make and
// remove them, so a pod created while egressd runs is guarded as soon as its veth exists (a veth
// whose route is not there yet refuses everything until it is). At start it also takes over what
// an earlier egressd left: interfaces still there are re-attached in place (no gap), entries and
// pinned links of interfaces that went away are removed.
//
// Each interface's pod (for the deny log) comes from containerd's CNI result cache and the
// kubelet's cgroups (pod_identity.h); an interface whose pod is not known yet is retried at each
// heartbeat. An interface that cannot be guarded (another agent's TC filter runs first) is listed
// in status with the reason, logged once, and retried when it changes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "daemon/event_loop.h"
#include "daemon/pod_identity.h"
#include "kernel/datapath.h"
#include "kernel/pod_interfaces.h"
#include "kernel/pod_layer.h"

namespace egress::daemon {

class PodFollower {
public:
	struct Options {
		std::string cni_results_dir = "/var/lib/cni/results";
		std::string cgroup_root; // where the kubelet's pod cgroups live (the attach cgroup)
	};

	// Subscribes before the first dump, so no pod made before the loop runs is missed.
	static Result<PodFollower> open(Options options);

	// After the datapath is attached: every current pod interface, leftovers removed, the watcher
	// registered with the loop.
	Status start(kernel::Datapath& dp, EventLoop& loop);

	// The heartbeat's check: each guarded interface still runs our programs on both hooks; lost
	// ones are attached again. Returns what was repaired (one line each), and retries the pods of
	// interfaces whose owner is not known yet.
	std::vector<std::string> verify();

	size_t guarded() const;
	nlohmann::json status() const;

private:
	struct Attached {
		kernel::PodInterface iface;
		std::optional<PodOwner> owner;
		uint32_t flags = 0;    // EGRESS_POD_* of the attachment
		std::string error;     // "" when guarded
		bool reported = false; // the error was logged
	};

	explicit PodFollower(Options options, kernel::PodInterfaceWatcher watcher);
	void sync();
	void guard(const kernel::PodInterface& iface);
	void forget(int ifindex);
	void remove_leftovers();
	uint64_t cgroup_of(const Attached& a) const { return a.owner ? a.owner->cgroup_id : 0; }

	Options options_;
	kernel::PodInterfaceWatcher watcher_;
	PodIdentity identity_;
	std::optional<kernel::PodLayer> layer_;
	std::map<int, Attached> attached_;
};

} // namespace egress::daemon
