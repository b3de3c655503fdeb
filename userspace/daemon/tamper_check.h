// Our own objects in the kernel, checked at every heartbeat (tamper-evident): anything with
// access to the pins can rewrite a map or detach a link, and without this egressd would never
// notice. Each check compares with what egressd wrote and puts it back:
//
//   config         the config map's mode, fail mode, generation and staleness (the heartbeat that
//                  follows rewrites it)
//   policy_maps    the floor, CIDR, name-rule and trusted-resolver maps hold exactly the active
//                  policy's entries (the diffing writer reads them all; what differs is written),
//                  and the DNS learning settings are ours
//   link           every pinned cgroup link is there, attached to our cgroup, running our program
//   tc_backstop    our filter is on the uplink where the install record says
//   pod_interface  both pod programs on every guarded pod interface
//   host_guard     the pinned raw-socket guard (BPF LSM); the allow-list and protected objects are
//                  refreshed
//
// Not checked: the learned maps and the UDP peer and flow tables, which the kernel itself writes
// (with the host guard's object protection, where BPF LSM runs, nothing else can). Each repair is
// logged as an error and counted (aks_egress_guard_tamper_repairs_total{object}).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/metrics.h"
#include "daemon/host_guard_keeper.h"
#include "daemon/pod_follower.h"
#include "daemon/policy_applier.h"
#include "daemon/uplink_follower.h"
#include "kernel/datapath.h"

namespace egress::daemon {

struct TamperFinding {
	std::string object; // config | policy_maps | link | tc_backstop | pod_interface | host_guard
	std::string detail;
};

class TamperCheck {
public:
	// Runs every check (before the heartbeat's config write); logs and counts each repair.
	struct Parts {
		PodFollower* pods = nullptr;
		UplinkFollower* uplink = nullptr;
		HostGuardKeeper* guard = nullptr;
	};
	std::vector<TamperFinding> run(kernel::Datapath& dp, const PolicyApplier& policy, Parts parts,
	                               audit::Metrics& metrics);
	nlohmann::json status() const;

private:
	void check_config(kernel::Datapath& dp, const PolicyApplier& policy, std::vector<TamperFinding>& out);
	void check_policy_maps(kernel::Datapath& dp, const PolicyApplier& policy,
	                       std::vector<TamperFinding>& out);

	uint64_t runs_ = 0;
	double last_ms_ = 0;
	std::map<std::string, uint64_t> repairs_;
	std::vector<TamperFinding> last_;
	std::chrono::system_clock::time_point last_time_;
};

} // namespace egress::daemon
