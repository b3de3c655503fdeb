// JSON pieces that egressd's answers and egressctl's answers from the pins share (docs/daemon.md
// has the shapes): map values as text, learned entries, the counter summary, the map hits of a
// verdict. One implementation, so that `status`, `ips` and `check` say the same thing whether the
// daemon or the pins answer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <egress/abi.h>
#include <nlohmann/json.hpp>

#include "common/ip_address.h"
#include "verdict/explain.h"

namespace egress::verdict {

// "tcp/443", "udp/53", "tcp" (every TCP port), "any" (policy::PortRange::to_string of each range).
std::vector<std::string> ports_list(const egress_ports& ports);
std::string ports_text(const egress_ports& ports); // comma-joined ports_list

// One `ips` entry: address, family, expires_in_s, expired, ttl, ports, rule_id (names and source
// are the caller's).
nlohmann::json learned_json(const IpAddress& address, const egress_learned_value& value, uint64_t now_ns);

// {"allowed": N, "denied": N, "by_reason": {"floor": N, ...}, "lost_events": N} from summed per-CPU
// counters (EGRESS_COUNTER_INDEX layout), by the reason classes of abi.h. "denied" counts
// would-be denies in audit mode too.
nlohmann::json counters_summary(std::span<const uint64_t> counters);

// The maps that hold the destination, in the kernel's order: type (safety_floor, learned, cidr),
// map (egress_floor4 ...), rule_id, ports, portAllowed, and for learned entries expired and
// expires_in_s.
nlohmann::ordered_json map_hits_json(const Verdict& verdict, uint64_t now_ns);

} // namespace egress::verdict
