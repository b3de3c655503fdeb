// egressd's side of the control socket: a non-blocking unix stream server driven by the daemon's
// epoll loop (it owns an inner epoll set; the daemon polls fd() and calls service()).
//
// The socket file is created mode 0600 (root only: the socket can reload the policy and reveals
// the deny log), its directory 0700 if it has to be created. A stale socket left by a killed daemon
// is removed at start; a live one (something accepts connections on it) is an error, so two daemons
// never fight over one node.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "daemon/control_protocol.h"

namespace egress::daemon {

class ControlServer {
public:
	using Handler = std::function<control::Response(const control::Request&)>;

	static Result<ControlServer> listen(const std::string& path, Handler handler);
	ControlServer(ControlServer&&) noexcept;
	ControlServer& operator=(ControlServer&&) noexcept;
	~ControlServer(); // closes every connection and removes the socket file

	int fd() const; // readable when a connection or the listener needs service
	void service();

	// Sends a deny line (the deny log's JSON) to every connection following denies. A follower
	// that cannot keep up (over 1 MiB queued) is disconnected rather than buffered without bound.
	void broadcast_deny(const std::string& deny_json_line);
	size_t connections() const;
	size_t followers() const;

private:
	struct Impl;
	explicit ControlServer(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

} // namespace egress::daemon
