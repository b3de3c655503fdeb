// egressd's answers as the pins can give them, for egressctl while the daemon is down (`status`,
// `ips`, `check` of an address): the read-only view kernel::PinnedInstallation supplies the maps,
// verdict/ the decision and the JSON pieces the daemon's own answers use. Library
// egress_pinned_reader; no libbpf here (kernel/ is the one door).
//
// The JSON shapes match the daemon's (docs/daemon.md) where the pins hold the data, and add
// "source": "pinned-maps" so a reader can tell. What only the daemon knows (names of learned
// addresses, rule names, reload results, uptime) is absent, not invented.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace egress::daemon {

// The daemon-down `status`: config map, install record, map fill levels, counters.
Result<nlohmann::json> pinned_status(const std::string& pin_dir);
// The daemon-down `ips`: every learned entry, names unknown ("names": []).
Result<nlohmann::json> pinned_ips(const std::string& pin_dir);
// The daemon-down `check` of an address (the maps hold only hashes of names: a name is an Error
// with EINVAL that says so). proto: "tcp" | "udp".
Result<nlohmann::ordered_json> pinned_check(const std::string& pin_dir, const std::string& dest,
                                            const std::string& proto);

} // namespace egress::daemon
