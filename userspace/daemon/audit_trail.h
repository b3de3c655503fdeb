// The audit trail as one part of egressd: the kernel's ring buffer, each record decoded once
// (audit::decode_event) and dispatched — denies to the deny log, learned answers to the name index
// that `dst_names` and `ips` read — and the deny log with its sinks, pod attribution and the deny
// feed that `denies` and `denies --follow` read.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "audit/deny_log.h"
#include "audit/name_index.h"
#include "audit/pod_resolver.h"
#include "common/result.h"
#include "daemon/deny_feed.h"
#include "daemon/event_loop.h"
#include "kernel/datapath.h"
#include "kernel/event_reader.h"
#include "policy/config.h"

namespace egress::daemon {

class AuditTrail {
public:
	struct Options {
		std::string node;
		std::chrono::milliseconds deny_window{10000};
		std::string pod_logs_root = "/var/log/pods";
	};

	// Opens the sinks of `deny_log`, the feed and the ring buffer, and registers the ring buffer
	// and the feed with the loop; every new deny line is handed to `on_line` (the followers).
	static Result<std::unique_ptr<AuditTrail>> open(const policy::DenyLog& deny_log,
	                                                const Options& options, const kernel::Datapath& dp,
	                                                EventLoop& loop,
	                                                std::function<void(const std::string&)> on_line);
	~AuditTrail();

	const audit::NameIndex& names() const { return names_; }
	audit::NameIndex& names() { return names_; }
	const DenyFeed& feed() const { return *feed_; }
	audit::DenyLogStats stats() const { return log_->stats(); }
	// A deny the daemon made itself (a budget summary, budget_summary.h), logged like the kernel's.
	void record(const audit::DenyEvent& event) { log_->record(event); }
	// A notice line in the deny log (e.g. what this node's kernel leaves unguarded).
	void notice(std::string text) { log_->notice(std::move(text)); }
	// Flushes the deny log (every open window) and hands the last lines to the followers.
	void stop();

private:
	AuditTrail() = default;
	void on_record(std::span<const uint8_t> record);
	void on_feed();

	audit::NameIndex names_;
	std::unique_ptr<audit::PodResolver> pods_;
	std::shared_ptr<DenyFeed> feed_;
	std::unique_ptr<audit::DenyLog> log_;
	std::optional<kernel::EventReader> events_;
	std::function<void(const std::string&)> on_line_;
	EventLoop* loop_ = nullptr;
};

} // namespace egress::daemon
