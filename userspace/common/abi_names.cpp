#include "abi_names.h"

#include <array>

namespace egress {
namespace {

// Indexed by code; a test checks every code in [0, MAX) has a non-empty, unique entry.
constexpr std::array<std::string_view, EGRESS_REASON_MAX> kReasons = {
    "loopback",
    "safety_floor",
    "learned",
    "cidr",
    "judged_socket",
    "reply",
    "icmp_error",
    "neighbor_discovery",
    "not_ip",
    "no_rule",
    "port_not_allowed",
    "expired",
    "udp_probe",
    "raw",
    "dns_parsed",
    "dns_learned",
    "dns_untrusted_source",
    "dns_no_matching_query",
    "dns_name_not_allowed",
    "dns_hash_collision",
    "dns_malformed",
    "dns_truncated",
    "dns_too_many_records",
    "dns_tcp",
    "event_rate_limited",
    "event_lost",
    "spoofed",
    "dns_query_refused",
    "event_budget",
    "flow",
    "raw_socket_refused",
    "tamper_refused",
};

constexpr std::array<std::string_view, EGRESS_HOOK_MAX> kHooks = {
    "connect4", "connect6", "sendmsg4", "sendmsg6", "skb_egress", "skb_ingress", "tc", "pod", "lsm",
};

constexpr std::array<std::string_view, EGRESS_VERDICT_MAX> kVerdicts = {"allowed", "denied", "audit"};

template <size_t N>
std::string_view lookup(const std::array<std::string_view, N>& table, unsigned code) {
	return code < N ? table[code] : std::string_view();
}

template <size_t N>
std::optional<unsigned> find(const std::array<std::string_view, N>& table, std::string_view name) {
	for (unsigned i = 0; i < N; ++i)
		if (table[i] == name)
			return i;
	return std::nullopt;
}

} // namespace

std::string_view reason_name(unsigned reason) {
	return lookup(kReasons, reason);
}
std::string_view hook_name(unsigned hook) {
	return lookup(kHooks, hook);
}
std::string_view verdict_name(unsigned verdict) {
	return lookup(kVerdicts, verdict);
}

std::string_view mode_name(unsigned mode) {
	switch (mode) {
	case EGRESS_MODE_ENFORCE:
		return "enforce";
	case EGRESS_MODE_AUDIT:
		return "audit";
	default:
		return "";
	}
}

std::optional<unsigned> parse_reason(std::string_view name) {
	return find(kReasons, name);
}
std::optional<unsigned> parse_hook(std::string_view name) {
	return find(kHooks, name);
}

bool reason_allows(unsigned reason) {
	return egress_reason_in(reason, EGRESS_REASON_CLASS_ALLOW);
}

ReasonClass reason_class(unsigned reason) {
	if (egress_reason_in(reason, EGRESS_REASON_CLASS_ALLOW))
		return ReasonClass::allow;
	if (egress_reason_in(reason, EGRESS_REASON_CLASS_DENY))
		return ReasonClass::deny;
	if (egress_reason_in(reason, EGRESS_REASON_CLASS_DNS))
		return ReasonClass::dns;
	if (egress_reason_in(reason, EGRESS_REASON_CLASS_PLUMBING))
		return ReasonClass::plumbing;
	return ReasonClass::none;
}

} // namespace egress
