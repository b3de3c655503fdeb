// Ring-buffer records decoded into plain C++ values. The kernel writes `struct egress_deny_event`
// and `struct egress_learn_event` (include/egress/abi.h); the first byte says which. Bytes come
// from a ring buffer the kernel fills, so every size is checked: a short or unknown record is an
// Error, never a read past the end.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "common/ip_address.h"
#include "common/result.h"

namespace egress::audit {

struct DenyEvent {
	uint8_t verdict = 0; // EGRESS_VERDICT_DENY or _AUDIT
	uint8_t hook = 0;
	uint8_t reason = 0;
	uint8_t proto = 0;
	uint16_t sport = 0; // host byte order
	uint16_t dport = 0; // host byte order
	uint32_t pid = 0;   // 0: no process context
	uint64_t ts_ns = 0; // CLOCK_BOOTTIME
	uint64_t cgroup_id = 0;
	uint64_t policy_generation = 0;
	IpAddress src;
	IpAddress dst;
	std::string comm; // "" when the hook has no process context
	uint64_t sock_cookie = 0;
	// Kernel events this one stands for: 1 for a ring-buffer record; N for the daemon's summary of
	// a cgroup's denies over its budget (reason EGRESS_REASON_EVENT_BUDGET, the last one's flow).
	uint64_t count = 1;
	// The host guard (hook lsm) refuses sockets and object access, not flows: no addresses (src
	// and dst stay 0.0.0.0), and this is the refused socket's family (AF_PACKET, AF_XDP), or 0 for
	// an object; sport/dport then hold the socket's type and protocol (abi.h).
	uint8_t socket_family = 0;
	bool no_address() const;
};

struct LearnEvent {
	IpAddress address;
	uint32_t ttl = 0;
	uint64_t ts_ns = 0;
	uint64_t cgroup_id = 0;
	uint64_t expires_ns = 0; // CLOCK_BOOTTIME
	std::string name;        // dotted, lower case
};

using Event = std::variant<DenyEvent, LearnEvent>;

// Decodes one ring-buffer record. Records longer than the struct are accepted (a newer kernel
// object may append fields); shorter ones, unknown types and unknown address families are errors.
Result<Event> decode_event(std::span<const uint8_t> record);

} // namespace egress::audit
