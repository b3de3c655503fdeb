// One line of the deny log: a denied (or audited) flow, enriched with who sent it and which names
// its destination was learned under, and how many kernel events it stands for. The JSON schema
// (docs/deny-log.md) is a published contract: fields are only ever added, with a new
// kDenyLogSchema for anything else.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/event.h"
#include "audit/pod_resolver.h"

namespace egress::audit {

inline constexpr int kDenyLogSchema = 1;

struct DenyRecord {
	DenyEvent event; // the first event of the aggregate (its sport, pid, comm are reported)
	std::chrono::system_clock::time_point time; // when the first event happened
	uint64_t count = 1;
	std::vector<std::string> dst_names;
	Attribution attribution;
};

// The JSON object of a record, every field of docs/deny-log.md, in the documented order.
nlohmann::ordered_json to_json(const DenyRecord& record, std::string_view node);

// The same, serialised on one line without the trailing newline.
std::string format_deny_line(const DenyRecord& record, std::string_view node);

// A line that reports no deny: {"schema", "time", "notice", "node"} (docs/deny-log.md), e.g. that
// this node's kernel leaves raw frames of host processes unguarded.
std::string format_notice_line(std::string_view text, std::string_view node,
                               std::chrono::system_clock::time_point time);

// "2026-11-21T09:30:30.123Z": RFC 3339, UTC, millisecond precision.
std::string format_rfc3339_ms(std::chrono::system_clock::time_point t);

// The wall-clock time of a kernel CLOCK_BOOTTIME timestamp, given a reading of both clocks. A
// timestamp in the future or zero (no timestamp) maps to `wall_now`.
std::chrono::system_clock::time_point boot_to_wall(uint64_t ts_ns, uint64_t boot_now_ns,
                                                   std::chrono::system_clock::time_point wall_now);

} // namespace egress::audit
