#include "audit/line_sink.h"

#include <cerrno>

namespace egress::audit {

Status StreamSink::write(std::string_view line) {
	if (std::fwrite(line.data(), 1, line.size(), stream_) != line.size() ||
	    std::fputc('\n', stream_) == EOF)
		return Error::from_errno(errno, "writing the deny log to a stream");
	return ok_status();
}

Status StreamSink::flush() {
	if (std::fflush(stream_) != 0)
		return Error::from_errno(errno, "flushing the deny log stream");
	return ok_status();
}

Status MemorySink::write(std::string_view line) {
	std::lock_guard lock(mu_);
	lines_.emplace_back(line);
	while (lines_.size() > capacity_)
		lines_.pop_front();
	return ok_status();
}

std::vector<std::string> MemorySink::lines() const {
	std::lock_guard lock(mu_);
	return {lines_.begin(), lines_.end()};
}

} // namespace egress::audit
