// Reading an installation straight from its pinned maps: what egressctl shows when egressd is down
// (`status`, `ips`), and the map statistics the daemon itself reports. Library egress_pinned_reader
// (links egress_kernel, so libbpf); egressctl links it next to egress_control_client.
//
// The JSON shapes match the daemon's `status` / `ips` results (docs/daemon.md) where the pinned
// maps hold the data, and add "source": "pinned-maps" so a reader can tell. What only the daemon
// knows (names of learned addresses, reload results, uptime) is absent, not invented.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <egress/abi.h>
#include <nlohmann/json.hpp>

#include "common/result.h"
#include "kernel/maps.h"

namespace egress::daemon {

struct MapFill {
	std::string name;
	uint64_t entries = 0;
	uint32_t max_entries = 0;
};

// Counts the keys of a (non-per-CPU) map by walking it; array maps report max_entries.
Result<MapFill> map_fill(int map_fd);
// The maps whose fill level means something (not the fixed-size config/install/counters arrays or
// the ring buffer): what status and the egress_map_fill_ratio metric report.
bool reports_fill(kernel::MapId id);

struct LearnedEntry {
	uint8_t family = 0; // AF_INET or AF_INET6
	std::string address;
	egress_learned_value value{};
};

// Every entry of the learned maps (either fd may be -1 to skip that family).
Result<std::vector<LearnedEntry>> read_learned(int learned4_fd, int learned6_fd);

// {"allowed": N, "denied": N, "by_reason": {"floor": N, ...}, "lost_events": N} from summed
// per-CPU counters (EGRESS_COUNTER_INDEX layout). "denied" counts would-be denies in audit mode.
nlohmann::json counters_summary(const std::vector<uint64_t>& counters);

// One `ips` entry (names and source are the caller's).
nlohmann::json learned_json(const LearnedEntry& entry, uint64_t now_boot_ns);

// The daemon-down `status`: config map, install info, map fill levels, counters.
Result<nlohmann::json> pinned_status(const std::string& pin_dir);
// The daemon-down `ips`: every learned entry, names unknown ("names": []).
Result<nlohmann::json> pinned_ips(const std::string& pin_dir);

} // namespace egress::daemon
