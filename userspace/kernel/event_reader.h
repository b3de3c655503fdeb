// Reads the datapath's ring buffer. Records are dispatched on their first byte (the event type,
// enum egress_event_type); a record too short for its type, or of an unknown type (a newer
// kernel object), is counted and skipped, never read past its end.
//
//   EventReader::Handlers h;
//   h.deny = [](const egress_deny_event& e) { ... };
//   auto reader = EventReader::open(dp.map_fd(MapId::events), std::move(h));
//   epoll on reader->epoll_fd(), then reader->consume(); or reader->poll(100);
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include <egress/abi.h>

#include "common/result.h"
#include "kernel/libbpf_handles.h"

namespace egress::kernel {

class EventReader {
public:
	struct Handlers {
		// Every record as the kernel wrote it (it may be longer than this build's struct): for a
		// reader that decodes records itself (egressd: audit::decode_event, once per record).
		// When set, deny/learn are not called.
		std::function<void(std::span<const uint8_t>)> record;
		std::function<void(const egress_deny_event&)> deny;
		std::function<void(const egress_learn_event&)> learn;
	};
	struct Stats {
		uint64_t deny = 0;
		uint64_t learn = 0;
		uint64_t malformed = 0; // too short, or an unknown type
	};

	// ringbuf_fd is borrowed (keep the map open while reading).
	static Result<EventReader> open(int ringbuf_fd, Handlers handlers);
	EventReader(EventReader&&) noexcept;
	EventReader& operator=(EventReader&&) noexcept;
	~EventReader();

	// Readable when events are waiting: for the caller's own epoll loop.
	int epoll_fd() const;
	// Waits up to timeout_ms and handles what arrived; returns how many records were handled.
	Result<int> poll(int timeout_ms);
	// Handles what is there now, without waiting.
	Result<int> consume();
	const Stats& stats() const;

private:
	struct State;
	EventReader(std::unique_ptr<State> state, UniqueRingBuffer rb);
	std::unique_ptr<State> state_; // stable address: libbpf keeps a pointer to it
	UniqueRingBuffer rb_;
};

} // namespace egress::kernel
