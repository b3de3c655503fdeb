// What the online verbs (status, ips, denies, check without --config) share: reaching egressd over
// its control socket and, when it is down, reading the pinned maps instead (DESIGN.md §6).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "daemon/control_client.h"

namespace egress::cli {

// A missing socket, or one nobody listens on: egressd is not running (as opposed to a daemon
// that answered with an error).
bool daemon_down(const Error& error);

// Connects to egressd; nullopt when it is down (the caller falls back to the pins), an Error for
// anything else (permissions, a timeout).
Result<std::optional<daemon::ControlClient>> connect_daemon(const std::string& socket);

// The line printed above table output read from the pins, so nobody mistakes it for live state.
std::string down_banner(const std::string& pin_dir);

} // namespace egress::cli
