// Moving the TC backstop with the uplink (`uplink: auto`): our filter leaves the old interface
// (its clsact qdisc goes only if we created it: other agents' filters may live there) and is
// attached to the new one, and the pinned install record follows, so that `egressctl uninstall`
// and the next egressd find it where it is.
#pragma once

#include <cstdint>
#include <optional>

#include "common/result.h"
#include "kernel/datapath.h"
#include "kernel/uplink.h"

namespace egress::daemon {

// The interface our filter is on according to the install record (0: none).
Result<uint32_t> attached_backstop(const kernel::Datapath& dp);

// Puts the backstop on `to` (nullopt: nowhere) in the current netns; returns the ifindex it is on
// afterwards. A failed attach leaves the filter detached and the record saying so.
Result<uint32_t> move_backstop(kernel::Datapath& dp, const std::optional<kernel::Uplink>& to);

} // namespace egress::daemon
