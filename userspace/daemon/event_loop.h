// egressd's one thread of control: an epoll set where each source registers one callback for its
// fd, plus the timer and signal fds the daemon's sources use. Callbacks run on the loop's thread,
// one at a time, so the parts they call need no locks of their own.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include "common/result.h"
#include "common/unique_handle.h"

namespace egress::daemon {

class EventLoop {
public:
	using Callback = std::function<void()>;

	static Result<EventLoop> create();

	// Calls `callback` whenever `fd` is readable. One callback per fd; adding it again replaces it.
	Status add(int fd, Callback callback);
	void remove(int fd);

	// Runs callbacks until stop() (from a callback) or an epoll error.
	Status run();
	void stop() { stopping_ = true; }
	bool stopping() const { return stopping_; }

private:
	EventLoop() = default;
	UniqueFd epoll_;
	// Stable addresses: epoll's data points at the callback.
	std::map<int, std::unique_ptr<Callback>> callbacks_;
	bool stopping_ = false;
};

// A timerfd (CLOCK_MONOTONIC, non-blocking).
class Timer {
public:
	static Result<Timer> periodic(std::chrono::milliseconds interval);
	static Result<Timer> one_shot(); // disarmed until arm()

	int fd() const { return fd_.get(); }
	void arm(std::chrono::milliseconds after); // one shot, replaces a pending one
	// Reads the expiration count so the fd stops being readable; returns it.
	uint64_t drain() const;

private:
	explicit Timer(UniqueFd fd) : fd_(std::move(fd)) {}
	UniqueFd fd_;
};

// A signalfd for signals the process blocked (block_daemon_signals()); `next()` yields them one by
// one (0 when none is pending).
class SignalSource {
public:
	static Result<SignalSource> open(std::initializer_list<int> signals);
	int fd() const { return fd_.get(); }
	int next() const;

private:
	explicit SignalSource(UniqueFd fd) : fd_(std::move(fd)) {}
	UniqueFd fd_;
};

} // namespace egress::daemon
