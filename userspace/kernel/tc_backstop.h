// The optional TC backstop on an interface (clsact egress, cls_bpf direct-action; with
// uplink.mode: enforce also a filter on its ingress). TCX needs
// kernel 6.6 and libbpf 1.3, so the clsact path works everywhere from 5.15. A clsact qdisc that
// existed before us belongs to someone else (other agents' filters live in it): we only ever
// remove our own filter from it, and remove the qdisc only if we created it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "kernel/uplink.h"

namespace egress::kernel {

// Our filter's identity inside the qdisc ("AE" twice): replaced in place on adoption.
inline constexpr uint32_t kTcHandle = 0x4145;
inline constexpr uint32_t kTcPriority = 0x4145;

struct TcAttachment {
	uint32_t ifindex = 0;
	bool qdisc_ours = false;
};

// Attaches (or atomically replaces) our filter on `ifname`'s egress in the current netns, and, when
// enforcing, `ingress_fd` (uplink_ingress: connections from outside open flows) on its ingress;
// -1 takes an ingress filter of ours off instead.
Result<TcAttachment> attach_tc_backstop(int prog_fd, int ingress_fd, const std::string& ifname);

Status detach_tc_backstop(const TcAttachment& tc);

// What moving the backstop to a (new or lost) uplink takes; pure.
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
BackstopMove plan_backstop_move(uint32_t attached_ifindex, const std::optional<Uplink>& to);

} // namespace egress::kernel
