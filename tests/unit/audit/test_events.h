// Decoded events for the audit tests, built field by field (the decoder has its own tests).
#pragma once

#include <arpa/inet.h>
#include <egress/abi.h>

#include <string>

#include "audit/event.h"

namespace egress::audit::testing {

inline IpAddress addr(const std::string& text) {
	return *parse_ip(text);
}

inline DenyEvent deny(const std::string& dst = "203.0.113.7", uint16_t dport = 443,
                      uint64_t cgroup_id = 1234) {
	DenyEvent e;
	e.verdict = EGRESS_VERDICT_DENY;
	e.hook = EGRESS_HOOK_CONNECT4;
	e.reason = EGRESS_REASON_NO_RULE;
	e.proto = EGRESS_PROTO_TCP;
	e.sport = 40000;
	e.dport = dport;
	e.pid = 4242;
	e.cgroup_id = cgroup_id;
	e.policy_generation = 3;
	e.src = addr(dst.find(':') == std::string::npos ? "10.224.0.5" : "fd00::5");
	e.dst = addr(dst);
	e.comm = "curl";
	return e;
}

inline LearnEvent learn(const std::string& address, const std::string& name, uint64_t expires_ns) {
	LearnEvent e;
	e.address = addr(address);
	e.name = name;
	e.expires_ns = expires_ns;
	e.ttl = 60;
	return e;
}

} // namespace egress::audit::testing
