#include "daemon/budget_summary.h"

#include <arpa/inet.h>

namespace egress::daemon {
namespace {

audit::DenyEvent summary_event(uint64_t cgroup, const egress_event_budget& b, uint64_t count) {
	audit::DenyEvent e;
	e.verdict = b.verdict;
	e.hook = b.hook;
	e.reason = EGRESS_REASON_EVENT_BUDGET;
	e.proto = b.proto;
	e.sport = ntohs(b.sport);
	e.dport = ntohs(b.dport);
	e.cgroup_id = cgroup;
	if (auto src = ip_from_af(b.family, b.saddr); src.ok())
		e.src = *src;
	if (auto dst = ip_from_af(b.family, b.daddr); dst.ok())
		e.dst = *dst;
	e.count = count;
	return e;
}

} // namespace

std::vector<audit::DenyEvent> BudgetSummaries::take(const Entries& entries, uint64_t now_ns,
                                                    uint64_t generation) {
	std::vector<audit::DenyEvent> out;
	std::unordered_map<uint64_t, uint64_t> now;
	for (const auto& [cgroup, budget] : entries) {
		now[cgroup] = budget.suppressed;
		auto it = reported_.find(cgroup);
		uint64_t before = it == reported_.end() || it->second > budget.suppressed ? 0 : it->second;
		if (!seeded_ || budget.suppressed == before)
			continue;
		auto e = summary_event(cgroup, budget, budget.suppressed - before);
		e.ts_ns = now_ns;
		e.policy_generation = generation;
		out.push_back(std::move(e));
	}
	reported_ = std::move(now); // cgroups the map no longer holds are forgotten
	seeded_ = true;
	return out;
}

} // namespace egress::daemon
