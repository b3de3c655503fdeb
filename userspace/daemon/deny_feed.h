// A deny-log sink that keeps the most recent lines for `egressctl denies` and hands new ones to the
// daemon's loop for `denies --follow`. The deny log's writer thread calls write(); the loop learns
// of new lines through an eventfd (fd()) and takes them with take_new(), so the writer never waits
// on a slow follower.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "audit/line_sink.h"
#include "common/result.h"
#include "common/unique_handle.h"

namespace egress::daemon {

class DenyFeed final : public audit::LineSink {
public:
	static Result<std::shared_ptr<DenyFeed>> create(size_t capacity = 1000);

	Status write(std::string_view line) override;
	bool takes_notices() const override { return false; } // `denies` streams denies only

	int fd() const { return event_.get(); }
	// Clears the eventfd and returns the lines written since the last call.
	std::vector<std::string> take_new();

	// Kept lines whose `time` is at or after `since_rfc3339` ("" = all), the last `limit` of them
	// (0 = all), oldest first.
	std::vector<std::string> recent(const std::string& since_rfc3339, size_t limit) const;

	explicit DenyFeed(size_t capacity, UniqueFd event) : capacity_(capacity), event_(std::move(event)) {}

private:
	size_t capacity_;
	UniqueFd event_;
	mutable std::mutex mu_;
	std::deque<std::pair<std::string, std::string>> kept_; // (time, line)
	std::vector<std::string> fresh_;
};

// The `time` field of a deny-log line ("" when absent or not JSON).
std::string deny_line_time(std::string_view line);

} // namespace egress::daemon
