// The pod programs of a loaded datapath on the node's pod interfaces: each interface's entry in
// egress_pods (its source prefixes and the pod's cgroup, what pod_ingress reads) and its
// attachment (pod_attach.h). An entry is written before the programs attach and removed after they
// detach, so pod_ingress never sees an interface it has no entry for (it would refuse everything).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <egress/abi.h>

#include "common/result.h"
#include "kernel/datapath.h"
#include "kernel/pod_attach.h"
#include "kernel/pod_interfaces.h"

namespace egress::kernel {

// The map value for an interface: its prefixes (at most EGRESS_POD_MAX_PREFIXES, IPv4 first; the
// rest are left out and `dropped` says how many) and the pod's cgroup.
egress_pod_iface pod_entry(const PodInterface& pod, uint64_t cgroup_id, uint32_t flags, size_t* dropped);

class PodLayer {
public:
	explicit PodLayer(const Datapath& dp);

	// Describes and attaches (or re-attaches in place, keeping the mode of an earlier attach).
	// Returns the entry as written (its flags say TCX or TC).
	Result<egress_pod_iface> attach(const PodInterface& pod, uint64_t cgroup_id);
	// Rewrites the entry only (prefixes or cgroup changed); the attachment stays.
	Status describe(const PodInterface& pod, uint64_t cgroup_id);
	// Programs off (TCX pins gone), then the entry.
	Status detach(uint32_t ifindex);
	Result<PodHookState> query(uint32_t ifindex) const;
	// Every interface described in the map (what an earlier egressd left, on adoption).
	Result<std::vector<std::pair<uint32_t, egress_pod_iface>>> entries() const;

private:
	const Datapath& dp_;
	PodPrograms progs_;
};

} // namespace egress::kernel
