// A fixed-capacity multi-producer queue whose push never waits: when full the item is dropped and
// counted. The consumer takes everything at once, so the lock is held for a swap, never for I/O.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

namespace egress::audit {

template <typename T>
class BoundedQueue {
public:
	explicit BoundedQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
		items_.reserve(capacity_);
	}

	// False (and counted) when the queue is full or closed.
	bool try_push(const T& item) {
		{
			std::lock_guard lock(mu_);
			if (closed_ || items_.size() >= capacity_) {
				dropped_.fetch_add(1, std::memory_order_relaxed);
				return false;
			}
			items_.push_back(item);
		}
		cv_.notify_one();
		return true;
	}

	// Waits up to `timeout` for items (or close()), then moves all of them into `out` (cleared).
	// Returns false once closed and empty.
	bool take_all(std::vector<T>& out, std::chrono::nanoseconds timeout) {
		out.clear();
		std::unique_lock lock(mu_);
		cv_.wait_for(lock, timeout, [&] { return !items_.empty() || closed_ || woken_; });
		woken_ = false;
		out.swap(items_);
		items_.reserve(capacity_);
		return !(closed_ && out.empty());
	}

	// Makes a waiting take_all() return now (with whatever is queued).
	void wake() {
		{
			std::lock_guard lock(mu_);
			woken_ = true;
		}
		cv_.notify_all();
	}

	void close() {
		{
			std::lock_guard lock(mu_);
			closed_ = true;
		}
		cv_.notify_all();
	}

	uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
	size_t capacity() const { return capacity_; }

private:
	const size_t capacity_;
	std::mutex mu_;
	std::condition_variable cv_;
	std::vector<T> items_;
	bool closed_ = false;
	bool woken_ = false;
	std::atomic<uint64_t> dropped_{0};
};

} // namespace egress::audit
