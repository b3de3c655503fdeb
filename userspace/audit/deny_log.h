// The deny log: decoded deny events in, JSON lines out (docs/deny-log.md).
//
// record() is called from the ring-buffer poller and never blocks it: it copies the event into a
// bounded queue, and when the queue is full the event is dropped and counted
// (aks_egress_guard_deny_log_dropped_events_total). One writer thread drains the queue: it attributes the
// cgroup to a pod, looks up the names the destination was learned under, aggregates repeats of a flow
// (aggregator.h) and writes each line to every sink when its window closes, and everything still
// open on stop().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audit/aggregator.h"
#include "audit/bounded_queue.h"
#include "audit/event.h"
#include "audit/line_sink.h"
#include "audit/name_index.h"
#include "audit/pod_resolver.h"
#include "common/clock.h"

namespace egress::audit {

struct DenyLogOptions {
	std::string node;                                           // the `node` field
	std::chrono::nanoseconds window = std::chrono::seconds(10); // 0: no aggregation
	size_t queue_capacity = 4096;
	size_t max_open_flows = 16384;
	// How often the writer looks for closed windows when no event arrives (real time).
	std::chrono::milliseconds tick = std::chrono::milliseconds(250);
};

// The `denyLog` config keys, turned into sinks.
struct SinkOptions {
	bool to_stdout = true;
	std::string file; // "" for none
	uint64_t max_size_mb = 100;
	unsigned max_files = 5;
};
Result<std::vector<std::shared_ptr<LineSink>>> make_sinks(const SinkOptions& options);

struct DenyLogStats {
	uint64_t accepted = 0;     // events queued
	uint64_t dropped = 0;      // events dropped because the queue was full
	uint64_t lines = 0;        // lines written (to every sink)
	uint64_t write_errors = 0; // sink write/flush failures
};

class DenyLog {
public:
	// resolver and names may be null (no attribution / no dst_names); they and clock must outlive
	// the log. Starts the writer thread.
	DenyLog(DenyLogOptions options, const Clock& clock, PodResolver* resolver, const NameIndex* names,
	        std::vector<std::shared_ptr<LineSink>> sinks);
	~DenyLog();
	DenyLog(const DenyLog&) = delete;
	DenyLog& operator=(const DenyLog&) = delete;

	// Never blocks. False when the event was dropped (queue full, or the log stopped).
	bool record(const DenyEvent& event);
	// A notice line (format_notice_line), written by the writer with its next round to every sink
	// that takes notices.
	void notice(std::string text);

	// Returns once every event recorded before the call has been processed and the windows that
	// are closed by the clock's current time have been written. For tests and orderly shutdown.
	void sync();

	// Drains the queue, writes every open window, stops the writer. Idempotent.
	void stop();

	DenyLogStats stats() const;

private:
	void run();
	void ingest(const DenyEvent& event);
	void emit(std::vector<DenyRecord> records);
	void write_lines(const std::vector<std::string>& lines, bool notices);

	DenyLogOptions options_;
	const Clock& clock_;
	PodResolver* resolver_;
	const NameIndex* names_;
	std::vector<std::shared_ptr<LineSink>> sinks_;

	BoundedQueue<DenyEvent> queue_;
	Aggregator aggregator_; // writer thread only

	std::atomic<uint64_t> accepted_{0};
	std::atomic<uint64_t> lines_{0};
	std::atomic<uint64_t> write_errors_{0};

	std::mutex sync_mu_;
	std::condition_variable sync_cv_;
	uint64_t sync_requested_ = 0;
	uint64_t sync_done_ = 0;
	bool finished_ = false;

	std::mutex notice_mu_;
	std::vector<std::string> notices_; // text of notices not written yet

	std::once_flag stop_once_;
	std::thread writer_;
};

} // namespace egress::audit
