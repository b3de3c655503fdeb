// The client side of egressd's control socket, for egressctl (no libbpf: library
// egress_control_client). Protocol: control_protocol.h and docs/daemon.md.
//
//   auto c = ControlClient::connect("/run/aks-egress-guard/egressd.sock");
//   if (!c.ok()) { /* daemon down: fall back to pinned_reader.h */ }
//   auto status = c->status();                       // Result<json>: the "result" object
//   auto verdict = c->check("mcr.microsoft.com:443", "tcp");
//   c->follow_denies("5m", 20, [](const json& deny) { print(deny); return true; });
//
// A daemon that answers {"ok":false} becomes an Error carrying its message and errno. A missing or
// refused socket is an Error with ENOENT / ECONNREFUSED (the "daemon is down" cases), so callers
// can tell them from a daemon that said no.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "common/unique_handle.h"
#include "daemon/control_protocol.h"

namespace egress::daemon {

class ControlClient {
public:
	static Result<ControlClient> connect(const std::string& socket_path,
	                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

	// One request, one response; returns the response's result object.
	Result<nlohmann::json> call(const control::Request& request);

	Result<nlohmann::json> status();
	Result<nlohmann::json> ips();
	Result<nlohmann::json> check(const std::string& dest, const std::string& proto = "tcp");
	Result<nlohmann::json> denies(const std::string& since = "", std::size_t limit = 100);
	Result<nlohmann::json> reload();

	// `denies` with follow: calls on_deny for every kept line that matches (oldest first), then for
	// each new deny as it happens, until on_deny returns false, the daemon closes the connection
	// (success), or an error. The read timeout does not apply while following.
	Status follow_denies(const std::string& since, std::size_t limit,
	                     const std::function<bool(const nlohmann::json&)>& on_deny);

private:
	ControlClient(UniqueFd fd, std::chrono::milliseconds timeout)
	    : fd_(std::move(fd)), timeout_(timeout) {}
	Status send_line(const std::string& line);
	// One line without its newline; `wait_forever` ignores the timeout.
	Result<std::string> read_line(bool wait_forever = false);

	UniqueFd fd_;
	std::chrono::milliseconds timeout_;
	std::string buffer_;
};

} // namespace egress::daemon
