#include "daemon/resolver_worker.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "common/clock.h"
#include "common/logger.h"

namespace egress::daemon {

Result<std::unique_ptr<ResolverWorker>> ResolverWorker::start(resolver::Options options,
                                                              resolver::CaresOptions transport) {
	std::unique_ptr<ResolverWorker> w(new ResolverWorker());
	w->servers_ = transport.servers;
	auto t = resolver::CaresTransport::create(transport);
	if (!t.ok())
		return std::move(t).error().wrap("starting active resolution");
	w->transport_ = std::move(*t);
	auto r = resolver::Resolver::create(options, *w->transport_, SystemClock::instance());
	if (!r.ok())
		return std::move(r).error().wrap("starting active resolution");
	w->resolver_.emplace(std::move(*r));
	w->event_.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
	if (!w->event_)
		return Error::from_errno(errno, "eventfd");
	w->thread_ = std::thread([p = w.get()] { p->run(); });
	return w;
}

ResolverWorker::~ResolverWorker() {
	{
		std::lock_guard lock(mu_);
		stop_ = true;
	}
	cv_.notify_all();
	if (thread_.joinable())
		thread_.join();
}

void ResolverWorker::set_names(std::vector<std::string> names) {
	{
		std::lock_guard lock(mu_);
		pending_names_ = std::move(names);
	}
	cv_.notify_all();
}

std::vector<resolver::AddressChange> ResolverWorker::take_changes() {
	uint64_t v;
	ssize_t n = ::read(event_.get(), &v, sizeof(v));
	(void)n;
	std::lock_guard lock(mu_);
	return std::exchange(changes_, {});
}

std::vector<resolver::RecordStatus> ResolverWorker::status() const {
	std::lock_guard lock(mu_);
	return status_;
}

void ResolverWorker::run() {
	const Clock& clock = SystemClock::instance();
	for (;;) {
		std::optional<std::vector<std::string>> names;
		{
			std::lock_guard lock(mu_);
			if (stop_)
				return;
			names = std::exchange(pending_names_, std::nullopt);
		}
		if (names) {
			if (auto st = resolver_->set_names(*names); !st.ok())
				log::error("resolver") << "names not taken: " << st.error().to_string();
		}
		auto changes = resolver_->tick();
		auto status = resolver_->status();
		{
			std::lock_guard lock(mu_);
			status_ = std::move(status);
			if (!changes.empty())
				changes_.insert(changes_.end(), changes.begin(), changes.end());
		}
		if (!changes.empty()) {
			uint64_t one = 1;
			ssize_t n = ::write(event_.get(), &one, sizeof(one));
			(void)n;
		}
		// Sleep until the resolver has work (at most 1 s, so that a stop or new names are seen).
		uint64_t next = resolver_->next_wakeup_ns();
		uint64_t now = clock.boot_ns();
		auto wait = std::chrono::milliseconds(1000);
		if (next != resolver::Resolver::kNever && next > now)
			wait = std::min(wait, std::chrono::milliseconds((next - now) / 1'000'000 + 1));
		else if (next != resolver::Resolver::kNever)
			wait = std::chrono::milliseconds(0);
		std::unique_lock lock(mu_);
		cv_.wait_for(lock, wait, [&] { return stop_ || pending_names_.has_value(); });
	}
}

} // namespace egress::daemon
