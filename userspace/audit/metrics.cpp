#include "audit/metrics.h"

#include <egress/abi.h>

#include "common/abi_names.h"

namespace egress::audit {
namespace {

bool is_dns_reason(unsigned reason) {
	return reason_class(reason) == ReasonClass::dns;
}

bool is_verdict_reason(unsigned reason) {
	auto c = reason_class(reason);
	return c == ReasonClass::allow || c == ReasonClass::deny;
}

// dns_responses_total's result for a per-response DNS reason.
std::string dns_result(unsigned reason) {
	if (reason == EGRESS_REASON_DNS_PARSED)
		return "parsed";
	std::string_view name = reason_name(reason);
	if (name.substr(0, 4) == "dns_")
		name.remove_prefix(4);
	return "rejected_" + std::string(name);
}

constexpr std::string_view kMapPrefix = "egress_";

} // namespace

Metrics::Metrics() {
	using T = MetricType;
	registry_.describe(std::string(metric::kVerdicts), T::counter,
	                   "Verdicts taken by the datapath, by hook and reason (kernel per-CPU counters). "
	                   "verdict=denied counts would-be denies in audit mode.");
	registry_.describe(std::string(metric::kLearnedAddresses), T::gauge,
	                   "Addresses currently in the learned-address maps, by family.");
	registry_.describe(std::string(metric::kDnsResponses), T::counter,
	                   "DNS responses from resolvers seen by the in-kernel learner: parsed, or "
	                   "rejected (by reason).");
	registry_.describe(std::string(metric::kDnsRecordsLearned), T::counter,
	                   "A/AAAA records the in-kernel learner inserted into the learned-address maps.");
	registry_.describe(std::string(metric::kDnsHashCollisions), T::counter,
	                   "Name lookups of the in-kernel learner whose suffix hash matched another name.");
	registry_.describe(std::string(metric::kRingbufLost), T::counter,
	                   "Events the kernel could not put in the ring buffer because it was full.");
	registry_.describe(std::string(metric::kEventsRateLimited), T::counter,
	                   "Deny events suppressed in the kernel by the per-flow rate limit.");
	registry_.describe(std::string(metric::kDenyLogDropped), T::counter,
	                   "Deny events dropped because the deny log writer could not keep up.");
	registry_.describe(std::string(metric::kDenyLogLines), T::counter,
	                   "Lines written to the deny log (each may aggregate several events).");
	registry_.describe(std::string(metric::kDenyLogWriteErrors), T::counter,
	                   "Failed writes to a deny log sink.");
	registry_.describe(std::string(metric::kPolicyGeneration), T::gauge,
	                   "Generation of the policy currently enforced.");
	registry_.describe(std::string(metric::kPolicyReloadErrors), T::counter,
	                   "Policy reloads rejected; the last good policy stays enforced.");
	registry_.describe(std::string(metric::kMapFillRatio), T::gauge,
	                   "Entries in a BPF map divided by its maximum size.");
	registry_.describe(
	    std::string(metric::kBuildInfo), T::gauge,
	    "Always 1; labels carry the egressd version, the map layout and the event schema.");
	registry_.describe(std::string(metric::kTamperRepairs), T::counter,
	                   "Our kernel objects found changed by someone else and put back, by object "
	                   "(config, policy_maps, link, pod_interface, tc_backstop, host_guard).");
	registry_.describe(std::string(metric::kPodInterfaces), T::gauge,
	                   "Pod interfaces on the node, by state: guarded (the pod programs run on them) "
	                   "or not_guarded (see status.pods for why).");
	registry_.describe(std::string(metric::kHostGuard), T::gauge,
	                   "1 when the BPF LSM guard of a feature runs (raw_sockets: packet, AF_XDP and "
	                   "raw IP sockets outside the allow-list; objects: our pins, maps, programs and "
	                   "links), 0 when this kernel or the config leaves it off.");
	registry_.set(metric::kRingbufLost, {}, 0);
	registry_.set(metric::kEventsRateLimited, {}, 0);
	registry_.set(metric::kPolicyReloadErrors, {}, 0);
	registry_.set(metric::kDnsRecordsLearned, {}, 0);
	registry_.set(metric::kDnsHashCollisions, {}, 0);
	set_deny_log(0, 0, 0);
}

Status Metrics::update_from_kernel_counters(std::span<const uint64_t> counters) {
	if (counters.size() < static_cast<size_t>(EGRESS_COUNTERS))
		return Error("kernel counter snapshot of " + std::to_string(counters.size()) +
		                 " entries, expected " + std::to_string(EGRESS_COUNTERS),
		             EINVAL);
	uint64_t lost = 0;
	uint64_t rate_limited = 0;
	uint64_t learned = 0;
	uint64_t collisions = 0;
	std::map<std::string, uint64_t> dns;
	for (unsigned reason = 0; reason < EGRESS_REASON_MAX; ++reason)
		if (is_dns_reason(reason) && reason != EGRESS_REASON_DNS_LEARNED &&
		    reason != EGRESS_REASON_DNS_COLLISION)
			dns[dns_result(reason)] = 0; // present even at zero: dashboards divide by them
	for (unsigned hook = 0; hook < EGRESS_HOOK_MAX; ++hook) {
		for (unsigned reason = 0; reason < EGRESS_REASON_MAX; ++reason) {
			uint64_t n = counters[EGRESS_COUNTER_INDEX(hook, reason)];
			if (reason == EGRESS_REASON_EVENT_LOST)
				lost += n;
			else if (reason == EGRESS_REASON_EVENT_RATE_LIMITED)
				rate_limited += n;
			else if (reason == EGRESS_REASON_DNS_LEARNED)
				learned += n;
			else if (reason == EGRESS_REASON_DNS_COLLISION)
				collisions += n;
			else if (is_dns_reason(reason))
				dns[dns_result(reason)] += n;
			else if (is_verdict_reason(reason) && n != 0)
				registry_.set(metric::kVerdicts,
				              {{"hook", std::string(hook_name(hook))},
				               {"reason", std::string(reason_name(reason))},
				               {"verdict", reason_allows(reason) ? "allowed" : "denied"}},
				              static_cast<double>(n));
		}
	}
	for (const auto& [result, n] : dns)
		registry_.set(metric::kDnsResponses, {{"result", result}}, static_cast<double>(n));
	registry_.set(metric::kDnsRecordsLearned, {}, static_cast<double>(learned));
	registry_.set(metric::kDnsHashCollisions, {}, static_cast<double>(collisions));
	registry_.set(metric::kRingbufLost, {}, static_cast<double>(lost));
	registry_.set(metric::kEventsRateLimited, {}, static_cast<double>(rate_limited));
	return ok_status();
}

void Metrics::set_learned_entries(std::string_view family, uint64_t entries) {
	registry_.set(metric::kLearnedAddresses, {{"family", std::string(family)}},
	              static_cast<double>(entries));
}

void Metrics::set_deny_log(uint64_t dropped, uint64_t lines, uint64_t write_errors) {
	registry_.set(metric::kDenyLogDropped, {}, static_cast<double>(dropped));
	registry_.set(metric::kDenyLogLines, {}, static_cast<double>(lines));
	registry_.set(metric::kDenyLogWriteErrors, {}, static_cast<double>(write_errors));
}

void Metrics::set_policy_generation(uint64_t generation) {
	registry_.set(metric::kPolicyGeneration, {}, static_cast<double>(generation));
}

void Metrics::inc_policy_reload_errors() {
	registry_.add(metric::kPolicyReloadErrors, {}, 1);
}

void Metrics::set_map_fill_ratio(std::string_view map, double ratio) {
	if (map.substr(0, kMapPrefix.size()) == kMapPrefix)
		map.remove_prefix(kMapPrefix.size());
	registry_.set(metric::kMapFillRatio, {{"map", std::string(map)}}, ratio);
}

void Metrics::set_build_info(std::string_view version, unsigned map_layout, unsigned event_schema) {
	registry_.set(metric::kBuildInfo,
	              {{"event_schema", std::to_string(event_schema)},
	               {"map_layout", std::to_string(map_layout)},
	               {"version", std::string(version)}},
	              1);
}

void Metrics::inc_tamper_repairs(std::string_view object) {
	registry_.add(metric::kTamperRepairs, {{"object", std::string(object)}}, 1);
}

void Metrics::set_pod_interfaces(uint64_t guarded, uint64_t not_guarded) {
	registry_.set(metric::kPodInterfaces, {{"state", "guarded"}}, static_cast<double>(guarded));
	registry_.set(metric::kPodInterfaces, {{"state", "not_guarded"}}, static_cast<double>(not_guarded));
}

void Metrics::set_host_guard(std::string_view feature, bool on) {
	registry_.set(metric::kHostGuard, {{"feature", std::string(feature)}}, on ? 1 : 0);
}

} // namespace egress::audit
