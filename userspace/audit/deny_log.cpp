#include "audit/deny_log.h"

#include "audit/rotating_file.h"
#include "common/logger.h"

namespace egress::audit {

Result<std::vector<std::shared_ptr<LineSink>>> make_sinks(const SinkOptions& options) {
	std::vector<std::shared_ptr<LineSink>> sinks;
	if (options.to_stdout)
		sinks.push_back(std::make_shared<StreamSink>(stdout));
	if (!options.file.empty()) {
		auto file = RotatingFileSink::open(options.file, options.max_size_mb * 1024 * 1024,
		                                   options.max_files);
		if (!file)
			return std::move(file).error().wrap("denyLog.file");
		sinks.push_back(std::shared_ptr<LineSink>(std::move(file.value())));
	}
	return sinks;
}

DenyLog::DenyLog(DenyLogOptions options, const Clock& clock, PodResolver* resolver, const NameIndex* names,
                 std::vector<std::shared_ptr<LineSink>> sinks)
    : options_(std::move(options)), clock_(clock), resolver_(resolver), names_(names),
      sinks_(std::move(sinks)), queue_(options_.queue_capacity),
      aggregator_(options_.window, options_.max_open_flows) {
	writer_ = std::thread([this] { run(); });
}

DenyLog::~DenyLog() {
	stop();
}

bool DenyLog::record(const DenyEvent& event) {
	if (!queue_.try_push(event))
		return false;
	accepted_.fetch_add(1, std::memory_order_relaxed);
	return true;
}

void DenyLog::sync() {
	std::unique_lock lock(sync_mu_);
	if (finished_)
		return;
	uint64_t ticket = ++sync_requested_;
	lock.unlock();
	queue_.wake();
	lock.lock();
	sync_cv_.wait(lock, [&] { return sync_done_ >= ticket || finished_; });
}

void DenyLog::stop() {
	std::call_once(stop_once_, [this] {
		queue_.close();
		if (writer_.joinable())
			writer_.join();
	});
}

DenyLogStats DenyLog::stats() const {
	DenyLogStats s;
	s.accepted = accepted_.load(std::memory_order_relaxed);
	s.dropped = queue_.dropped();
	s.lines = lines_.load(std::memory_order_relaxed);
	s.write_errors = write_errors_.load(std::memory_order_relaxed);
	return s;
}

void DenyLog::run() {
	std::vector<DenyEvent> batch;
	for (;;) {
		uint64_t ticket;
		bool sync_pending;
		{
			std::lock_guard lock(sync_mu_);
			ticket = sync_requested_;
			sync_pending = sync_requested_ > sync_done_;
		}
		// A sync() that raced with the previous round must not wait a whole tick.
		bool open =
		    queue_.take_all(batch, sync_pending ? std::chrono::milliseconds(0) : options_.tick);
		for (const DenyEvent& e : batch)
			ingest(e);
		std::vector<std::string> notices;
		{
			std::lock_guard lock(notice_mu_);
			notices.swap(notices_);
		}
		for (auto& text : notices)
			text = format_notice_line(text, options_.node, clock_.wall());
		write_lines(notices, /*notices=*/true);
		emit(aggregator_.take_due(clock_.boot_ns()));
		if (!open)
			break;
		{
			std::lock_guard lock(sync_mu_);
			sync_done_ = ticket;
		}
		sync_cv_.notify_all();
	}
	emit(aggregator_.take_all());
	{
		std::lock_guard lock(sync_mu_);
		finished_ = true;
	}
	sync_cv_.notify_all();
}

void DenyLog::ingest(const DenyEvent& event) {
	if (aggregator_.merge(event))
		return;
	// Attribution happens once per window, on the first event, while the cgroup most likely
	// still exists (a short-lived pod may be gone when the window closes).
	uint64_t now = clock_.boot_ns();
	DenyRecord record;
	record.event = event;
	record.count = event.count;
	record.time = boot_to_wall(event.ts_ns, now, clock_.wall());
	if (resolver_)
		record.attribution = resolver_->resolve(event.cgroup_id);
	if (names_)
		record.dst_names = names_->names(event.dst, now);
	aggregator_.open(std::move(record), now);
}

void DenyLog::notice(std::string text) {
	std::lock_guard lock(notice_mu_);
	notices_.push_back(std::move(text));
}

void DenyLog::emit(std::vector<DenyRecord> records) {
	std::vector<std::string> lines;
	for (const DenyRecord& r : records)
		lines.push_back(format_deny_line(r, options_.node));
	write_lines(lines, /*notices=*/false);
}

void DenyLog::write_lines(const std::vector<std::string>& lines, bool notices) {
	if (lines.empty())
		return;
	for (const std::string& line : lines) {
		for (const auto& sink : sinks_) {
			if (notices && !sink->takes_notices())
				continue;
			if (auto st = sink->write(line); !st) {
				if (write_errors_.fetch_add(1, std::memory_order_relaxed) == 0)
					log::warn("audit") << "deny log: " << st.error().to_string();
			}
		}
		lines_.fetch_add(1, std::memory_order_relaxed);
	}
	for (const auto& sink : sinks_) {
		if (auto st = sink->flush(); !st) {
			if (write_errors_.fetch_add(1, std::memory_order_relaxed) == 0)
				log::warn("audit") << "deny log: " << st.error().to_string();
		}
	}
}

} // namespace egress::audit
