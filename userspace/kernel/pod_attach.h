// The pod programs on one interface (the host side of a pod's veth): pod_ingress on its ingress
// (frames from the pod), pod_egress on its egress (frames to the pod).
//
//   TCX (Linux 6.6+)  links made first in the interface's chain (BPF_F_BEFORE) and pinned at
//                     <pins>/links/pod-<ifindex>-ingress|egress, so enforcement outlives egressd;
//                     another agent's TCX programs (Cilium 1.16+) run after ours: ours pass with
//                     TCX_NEXT. An adopting egressd swaps the program inside the links
//                     (bpf_link_update: no gap).
//   TC (before 6.6)   clsact filters (our handle and priority, as the uplink backstop's), replaced
//                     in place on adoption; they live as long as the interface. A filter of
//                     another agent that would run before ours (a lower priority number, e.g.
//                     Cilium's at 1, which redirects and never hands the frame on) makes attach()
//                     refuse that interface with EBUSY and a message naming it: our program would
//                     never see the frames.
// The kernel's TCX support is learned on the first attach (link_create says EINVAL before 6.6)
// and remembered; nothing is probed on interfaces that are not pods'.
#pragma once

#include <cstdint>
#include <optional>

#include "common/result.h"
#include "kernel/pins.h"

namespace egress::kernel {

struct PodPrograms {
	int ingress_fd = -1; // pod_ingress
	int egress_fd = -1;  // pod_egress
	uint32_t ingress_id = 0;
	uint32_t egress_id = 0;
};

// Attaches (or replaces in place) both programs on `ifindex` in the current netns. `flags`: the
// EGRESS_POD_* flags of an earlier attach (0 for a new interface): its mode is kept. Returns the
// flags of the attachment (EGRESS_POD_TCX, EGRESS_POD_QDISC_OURS).
Result<uint32_t> attach_pod_programs(const PodPrograms& progs, uint32_t ifindex, uint32_t flags,
                                     const PinLayout& pins);

// Removes ours from the interface (and the clsact qdisc if we made it); a vanished interface took
// them with it, which is success.
Status detach_pod_programs(uint32_t ifindex, uint32_t flags, const PinLayout& pins);

// Whether both hooks still run our programs. For TCX also whether ours runs first (`first`).
struct PodHookState {
	bool ingress = false;
	bool egress = false;
	bool first = true;
};
Result<PodHookState> query_pod_programs(const PodPrograms& progs, uint32_t ifindex, uint32_t flags);

// The pin names of an interface's TCX links, and the ifindex a pin name belongs to.
std::string pod_link_name(uint32_t ifindex, bool ingress);
std::optional<uint32_t> pod_link_ifindex(const std::string& pin_name);

} // namespace egress::kernel
