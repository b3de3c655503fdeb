// The one connection layer of egressd's servers, under the control socket (control_server.h) and
// the metrics endpoint (http_server.h): a non-blocking stream server that accepts, reads what
// arrives into the connection's input, lets the protocol answer into its output, writes what it
// can (watching for writability only while output is pending) and closes finished, oversized or
// idle connections. It keeps an epoll set of its own: the daemon's loop watches fd() and calls
// service().
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "common/unique_handle.h"

namespace egress::daemon {

class StreamServer {
public:
	struct Connection {
		std::string in;
		std::string out;
		bool close_when_flushed = false;
		bool follower = false; // the protocol's mark (control: `denies --follow`)
		std::chrono::steady_clock::time_point since;
	};

	struct Protocol {
		// New bytes are in c.in: consume what is complete, append the answers to c.out.
		std::function<void(Connection&)> on_input;
		// Buffered input beyond this: on_overflow answers (into c.out), then the connection closes.
		size_t max_input = 64 * 1024;
		std::function<void(Connection&)> on_overflow;
		std::chrono::seconds idle_timeout{0}; // 0: connections may stay open
	};

	// Serves connections accepted on `listener` (listening, non-blocking).
	static Result<StreamServer> serve(UniqueFd listener, Protocol protocol);
	StreamServer(StreamServer&&) noexcept;
	StreamServer& operator=(StreamServer&&) noexcept;
	~StreamServer();

	int fd() const;
	void service();
	int listener() const;

	// Queues `data` on every connection `pick` selects and writes what it can; one with more than
	// `max_queued` bytes pending already is closed instead (a slow reader is never buffered
	// without bound). Returns how many were closed.
	size_t broadcast(const std::string& data, const std::function<bool(const Connection&)>& pick,
	                 size_t max_queued);
	size_t connections() const;
	size_t count(const std::function<bool(const Connection&)>& pick) const;

private:
	struct Impl;
	explicit StreamServer(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

} // namespace egress::daemon
