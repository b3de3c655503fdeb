#include "daemon/deny_feed.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include <nlohmann/json.hpp>

namespace egress::daemon {

Result<std::shared_ptr<DenyFeed>> DenyFeed::create(size_t capacity) {
	UniqueFd ev(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
	if (!ev)
		return Error::from_errno(errno, "eventfd");
	return std::make_shared<DenyFeed>(capacity, std::move(ev));
}

std::string deny_line_time(std::string_view line) {
	auto j = nlohmann::json::parse(line, nullptr, false);
	if (j.is_discarded() || !j.is_object() || !j.contains("time") || !j["time"].is_string())
		return "";
	return j["time"].get<std::string>();
}

Status DenyFeed::write(std::string_view line) {
	{
		std::lock_guard lock(mu_);
		kept_.emplace_back(deny_line_time(line), std::string(line));
		while (kept_.size() > capacity_)
			kept_.pop_front();
		fresh_.emplace_back(line);
		// A follower that never reads must not grow this: keep what the ring keeps.
		if (fresh_.size() > capacity_)
			fresh_.erase(fresh_.begin(),
			             fresh_.begin() + static_cast<long>(fresh_.size() - capacity_));
	}
	uint64_t one = 1;
	ssize_t n = ::write(event_.get(), &one, sizeof(one));
	(void)n; // EAGAIN means the counter is already non-zero: the loop will wake anyway
	return ok_status();
}

std::vector<std::string> DenyFeed::take_new() {
	uint64_t v;
	ssize_t n = ::read(event_.get(), &v, sizeof(v));
	(void)n;
	std::lock_guard lock(mu_);
	return std::exchange(fresh_, {});
}

std::vector<std::string> DenyFeed::recent(const std::string& since_rfc3339, size_t limit) const {
	std::lock_guard lock(mu_);
	std::vector<std::string> out;
	for (const auto& [time, line] : kept_)
		// RFC 3339 UTC times of one fixed format compare correctly as strings.
		if (since_rfc3339.empty() || time >= since_rfc3339)
			out.push_back(line);
	if (limit && out.size() > limit)
		out.erase(out.begin(), out.end() - static_cast<long>(limit));
	return out;
}

} // namespace egress::daemon
