// Folds repeats of one flow into one deny-log line. The kernel already limits deny events to one
// per flow and second; this turns a client retrying for minutes into one line per window with a
// `count`, instead of a line per second.
//
// The flow key is (verdict, reason, hook, cgroup, proto, src, dst, dport, policy generation). The
// source port is not part of it: every connection attempt gets a new one, so keying on it would
// defeat aggregation; the line reports the first attempt's port. A policy reload starts a new
// line, so a line never mixes two policies.
//
// A window opens with the first event of a flow and closes `window` later on the caller's clock;
// window 0 writes every event on its own line.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

#include "audit/deny_record.h"

namespace egress::audit {

struct FlowKey {
	uint8_t verdict = 0;
	uint8_t reason = 0;
	uint8_t hook = 0;
	uint8_t proto = 0;
	uint16_t dport = 0;
	uint8_t socket_family = 0; // the host guard's refused sockets: packet and xdp apart
	uint64_t cgroup_id = 0;
	uint64_t policy_generation = 0;
	IpAddress src;
	IpAddress dst;

	static FlowKey of(const DenyEvent& e);
	bool operator==(const FlowKey&) const = default;
};

struct FlowKeyHash {
	size_t operator()(const FlowKey& k) const;
};

class Aggregator {
public:
	// max_open bounds memory under a scan of many destinations: past it the oldest windows close
	// early.
	Aggregator(std::chrono::nanoseconds window, size_t max_open);

	// Counts a repeat into the open window of the event's flow; false when none is open (then
	// the caller enriches the event into a record and calls open()).
	bool merge(const DenyEvent& event);

	// Opens a window for the record's flow at now_ns (CLOCK_BOOTTIME of the caller's clock).
	void open(DenyRecord record, uint64_t now_ns);

	// Records whose window has closed at now_ns, oldest first.
	std::vector<DenyRecord> take_due(uint64_t now_ns);

	// Every open record (shutdown).
	std::vector<DenyRecord> take_all();

	size_t open_count() const { return open_.size(); }

private:
	struct Window {
		FlowKey key;
		uint64_t closes_ns;
		DenyRecord record;
	};

	uint64_t window_ns_;
	size_t max_open_;
	std::list<Window> open_; // by closing time: one window length for all, so insertion order
	std::unordered_map<FlowKey, std::list<Window>::iterator, FlowKeyHash> index_;
};

} // namespace egress::audit
