#include "kernel/event_reader.h"

#include <cerrno>
#include <cstring>
#include <utility>

namespace egress::kernel {

struct EventReader::State {
	Handlers handlers;
	Stats stats;
};

namespace {

template <typename T>
bool copy_record(const void* data, size_t size, T& out) {
	if (size < sizeof(T))
		return false;
	std::memcpy(&out, data, sizeof(T)); // ring-buffer records are only 8-byte aligned
	return true;
}

} // namespace

EventReader::EventReader(std::unique_ptr<State> state, UniqueRingBuffer rb)
    : state_(std::move(state)), rb_(std::move(rb)) {
}

EventReader::EventReader(EventReader&&) noexcept = default;
EventReader& EventReader::operator=(EventReader&&) noexcept = default;
EventReader::~EventReader() = default;

Result<EventReader> EventReader::open(int ringbuf_fd, Handlers handlers) {
	auto state = std::make_unique<State>();
	state->handlers = std::move(handlers);
	auto dispatch = [](void* ctx, void* data, size_t size) -> int {
		auto* s = static_cast<State*>(ctx);
		if (size == 0) {
			++s->stats.malformed;
			return 0;
		}
		uint8_t type = *static_cast<const uint8_t*>(data);
		if (type == EGRESS_EVENT_DENY)
			++s->stats.deny;
		else if (type == EGRESS_EVENT_LEARN)
			++s->stats.learn;
		if (s->handlers.record) {
			s->handlers.record(std::span(static_cast<const uint8_t*>(data), size));
			return 0;
		}
		switch (type) {
		case EGRESS_EVENT_DENY: {
			egress_deny_event e;
			if (!copy_record(data, size, e)) {
				++s->stats.malformed;
				return 0;
			}
			if (s->handlers.deny)
				s->handlers.deny(e);
			return 0;
		}
		case EGRESS_EVENT_LEARN: {
			egress_learn_event e;
			if (!copy_record(data, size, e)) {
				++s->stats.malformed;
				return 0;
			}
			if (s->handlers.learn)
				s->handlers.learn(e);
			return 0;
		}
		default:
			++s->stats.malformed;
			return 0;
		}
	};
	ring_buffer* rb = ring_buffer__new(ringbuf_fd, dispatch, state.get(), nullptr);
	if (!rb)
		return Error::from_errno(errno, "opening the event ring buffer");
	return EventReader(std::move(state), UniqueRingBuffer(rb));
}

int EventReader::epoll_fd() const {
	return ring_buffer__epoll_fd(rb_.get());
}

Result<int> EventReader::poll(int timeout_ms) {
	int n = ring_buffer__poll(rb_.get(), timeout_ms);
	if (n < 0 && n != -EINTR)
		return Error::from_errno(n, "polling the event ring buffer");
	return n < 0 ? 0 : n;
}

Result<int> EventReader::consume() {
	int n = ring_buffer__consume(rb_.get());
	if (n < 0)
		return Error::from_errno(n, "reading the event ring buffer");
	return n;
}

const EventReader::Stats& EventReader::stats() const {
	return state_->stats;
}

} // namespace egress::kernel
