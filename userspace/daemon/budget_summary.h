// The deny log's side of the kernel's per-cgroup deny-event budget (bpf/lib/events.h): one pod
// that makes 200k denied flows gets its burst of lines and then one summary line per heartbeat —
// "N more denies from cgroup X suppressed" with the last suppressed deny as its flow — while the
// other pods' denies keep their own budgets. Pure: the daemon reads egress_event_budget and feeds
// the entries in.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include <egress/abi.h>

#include "audit/event.h"

namespace egress::daemon {

class BudgetSummaries {
public:
	using Entries = std::vector<std::pair<uint64_t, egress_event_budget>>; // cgroup id -> budget

	// A summary event (reason EGRESS_REASON_EVENT_BUDGET, count = denies suppressed since the last
	// call) for every cgroup whose count grew, stamped `now_ns` and `generation`. A cgroup whose
	// entry the LRU map dropped and made again counts from zero. The first call only takes note:
	// what an earlier egressd found in the same pinned map it has reported already.
	std::vector<audit::DenyEvent> take(const Entries& entries, uint64_t now_ns, uint64_t generation);

private:
	std::unordered_map<uint64_t, uint64_t> reported_; // cgroup id -> suppressed already reported
	bool seeded_ = false;
};

} // namespace egress::daemon
