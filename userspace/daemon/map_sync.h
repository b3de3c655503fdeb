// Makes the datapath's maps hold a desired state (through the kernel module's diffing map writer),
// writes the resolver's learned addresses, and collects expired learned entries.
//
// The floor, CIDR, name-rule and trusted-resolver maps are owned by the policy: apply() makes them
// hold exactly the desired entries (only changed keys are written). The DNS settings (check key,
// TTL clamp) are written by the daemon itself (check_key.h), before the first name entry.
// The learned maps are shared with the kernel's DNS learner, so they are never diffed against a
// desired set: entries are written one by one as the resolver reports them, re-pointed at the new
// rules on a policy change (relearn()), and deleted when they expire (collect()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "verdict/desired_state.h"
#include "daemon/learned_book.h"
#include "kernel/datapath.h"

namespace egress::daemon {

struct ApplyStats {
	size_t added = 0, changed = 0, removed = 0, unchanged = 0;
	std::string to_string() const;
};

Result<ApplyStats> apply_policy_maps(const kernel::Datapath& dp, const verdict::DesiredState& desired);

Status write_learned(const kernel::Datapath& dp, const LearnedWrite& write, bool only_if_ours = true);

// Re-points every learned entry at `names` (relearn()); entries no rule covers are deleted.
// `previous`: the desired state the entries' rule ids belong to (tells an exact rule from a wildcard
// of the same suffix); null when unknown (an adopted installation). Returns how many were deleted.
Result<size_t> relearn_all(const kernel::Datapath& dp, const std::vector<dns::NameRuleEntry>& names,
                           const verdict::DesiredState* previous = nullptr);

struct GcStats {
	size_t expired = 0;  // deleted because expired
	size_t evicted = 0;  // deleted to keep the map under its high-water mark
	size_t entries4 = 0; // left after collection
	size_t entries6 = 0;
	uint32_t max_entries = 0;
};

// Deletes entries expired at now_ns; then, if a map is fuller than high_water (fraction of
// max_entries), deletes the soonest-expiring entries until it is at low_water — a full hash map
// would make the kernel learner fail to insert new answers.
Result<GcStats> collect_learned(const kernel::Datapath& dp, uint64_t now_ns, double high_water = 0.9,
                                double low_water = 0.8);

} // namespace egress::daemon
