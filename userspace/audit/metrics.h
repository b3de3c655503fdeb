// The daemon's metrics (docs/metrics.md): a Registry with every egress_* family described up front
// and typed setters, so a family name is written in one place. The HTTP endpoint serves render().
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "audit/registry.h"
#include "common/result.h"

namespace egress::audit {

namespace metric {
inline constexpr std::string_view kVerdicts = "egress_verdicts_total";
inline constexpr std::string_view kLearnedEntries = "egress_learned_entries";
inline constexpr std::string_view kDnsAnswers = "egress_dns_answers_total";
inline constexpr std::string_view kRingbufLost = "egress_ringbuf_lost_events_total";
inline constexpr std::string_view kEventsRateLimited = "egress_deny_events_rate_limited_total";
inline constexpr std::string_view kDenyLogDropped = "egress_deny_log_dropped_total";
inline constexpr std::string_view kDenyLogLines = "egress_deny_log_lines_total";
inline constexpr std::string_view kDenyLogWriteErrors = "egress_deny_log_write_errors_total";
inline constexpr std::string_view kPolicyGeneration = "egress_policy_generation";
inline constexpr std::string_view kPolicyReloadErrors = "egress_policy_reload_errors_total";
inline constexpr std::string_view kMapFillRatio = "egress_map_fill_ratio";
inline constexpr std::string_view kBuildInfo = "egress_build_info";
inline constexpr std::string_view kTamperRepairs = "egress_tamper_repairs_total";
inline constexpr std::string_view kPodInterfaces = "egress_pod_interfaces";
inline constexpr std::string_view kHostGuard = "egress_host_guard";
} // namespace metric

class Metrics {
public:
	Metrics();

	// A snapshot of the kernel's per-CPU counters, summed over CPUs, indexed by
	// EGRESS_COUNTER_INDEX(hook, reason) (EGRESS_COUNTERS entries; a longer array from a newer
	// kernel object is accepted and the extra entries ignored). Fills:
	//  - egress_verdicts_total{hook,reason,verdict} for the allow and deny reasons, verdict
	//    "allowed" or "denied" by reason_allows() (in audit mode "denied" counts would-be denies);
	//  - egress_dns_answers_total{result} from the DNS-learning reasons: dns_parsed -> "seen",
	//    dns_learned -> "learned", every other dns_<x> -> "rejected_<x>";
	//  - egress_ringbuf_lost_events_total and egress_deny_events_rate_limited_total.
	// Only non-zero verdict series are exported (most hook x reason pairs cannot happen).
	Status update_from_kernel_counters(std::span<const uint64_t> counters);

	void set_learned_entries(std::string_view family, uint64_t entries);        // "ipv4" | "ipv6"
	void set_deny_log(uint64_t dropped, uint64_t lines, uint64_t write_errors); // DenyLog::stats()
	void set_policy_generation(uint64_t generation);
	void inc_policy_reload_errors();
	void set_map_fill_ratio(std::string_view map, double ratio); // entries / max_entries
	void set_build_info(std::string_view version, unsigned map_layout, unsigned event_schema);
	// object: "config" | "policy_maps" | "link" | "pod_interface" | "tc_backstop"
	void inc_tamper_repairs(std::string_view object);
	void set_pod_interfaces(uint64_t guarded, uint64_t not_guarded);
	// feature: "raw_sockets" | "objects"; on: the BPF LSM program runs
	void set_host_guard(std::string_view feature, bool on);

	std::string render() const { return registry_.render(); }
	Registry& registry() { return registry_; }
	const Registry& registry() const { return registry_; }

private:
	Registry registry_;
};

} // namespace egress::audit
