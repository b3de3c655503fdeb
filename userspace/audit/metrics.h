// The daemon's metrics (docs/metrics.md): a Registry with every aks_egress_guard_* family described up front
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
// Every name carries the project's prefix and counts one unit (verdicts, responses, records,
// addresses, events, lines, errors, a ratio): docs/metrics.md.
inline constexpr std::string_view kVerdicts = "aks_egress_guard_verdicts_total";
inline constexpr std::string_view kLearnedAddresses = "aks_egress_guard_learned_addresses";
inline constexpr std::string_view kDnsResponses = "aks_egress_guard_dns_responses_total";
inline constexpr std::string_view kDnsRecordsLearned = "aks_egress_guard_dns_records_learned_total";
inline constexpr std::string_view kDnsHashCollisions = "aks_egress_guard_dns_name_hash_collisions_total";
inline constexpr std::string_view kRingbufLost = "aks_egress_guard_ringbuf_lost_events_total";
inline constexpr std::string_view kEventsRateLimited = "aks_egress_guard_deny_events_rate_limited_total";
inline constexpr std::string_view kDenyLogDropped = "aks_egress_guard_deny_log_dropped_events_total";
inline constexpr std::string_view kDenyLogLines = "aks_egress_guard_deny_log_lines_total";
inline constexpr std::string_view kDenyLogWriteErrors = "aks_egress_guard_deny_log_write_errors_total";
inline constexpr std::string_view kPolicyGeneration = "aks_egress_guard_policy_generation";
inline constexpr std::string_view kPolicyReloadErrors = "aks_egress_guard_policy_reload_errors_total";
inline constexpr std::string_view kMapFillRatio = "aks_egress_guard_map_fill_ratio";
inline constexpr std::string_view kBuildInfo = "aks_egress_guard_build_info";
inline constexpr std::string_view kTamperRepairs = "aks_egress_guard_tamper_repairs_total";
inline constexpr std::string_view kPodInterfaces = "aks_egress_guard_pod_interfaces";
inline constexpr std::string_view kHostGuard = "aks_egress_guard_host_guard";
} // namespace metric

class Metrics {
public:
	Metrics();

	// A snapshot of the kernel's per-CPU counters, summed over CPUs, indexed by
	// EGRESS_COUNTER_INDEX(hook, reason) (EGRESS_COUNTERS entries; a longer array from a newer
	// kernel object is accepted and the extra entries ignored). Fills:
	//  - verdicts_total{hook,reason,verdict} for the allow and deny reasons, verdict "allowed" or
	//    "denied" by reason_allows() (in audit mode "denied" counts would-be denies);
	//  - the DNS learner, one unit per family: dns_responses_total{result} counts responses
	//    (dns_parsed -> "parsed", every per-response dns_<x> -> "rejected_<x>"),
	//    dns_records_learned_total A/AAAA records (dns_learned), dns_name_hash_collisions_total
	//    name lookups whose suffix hash hit another name (dns_collision);
	//  - ringbuf_lost_events_total and deny_events_rate_limited_total.
	// Only non-zero verdict series are exported (most hook x reason pairs cannot happen).
	Status update_from_kernel_counters(std::span<const uint64_t> counters);

	void set_learned_entries(std::string_view family, uint64_t entries);        // "ipv4" | "ipv6"
	void set_deny_log(uint64_t dropped, uint64_t lines, uint64_t write_errors); // DenyLog::stats()
	void set_policy_generation(uint64_t generation);
	void inc_policy_reload_errors();
	// entries / max_entries; `map` is the BPF map's name, the label its name without the
	// "egress_" prefix ("egress_learned4" -> map="learned4").
	void set_map_fill_ratio(std::string_view map, double ratio);
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
