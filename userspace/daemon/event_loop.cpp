#include "daemon/event_loop.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>

namespace egress::daemon {
namespace {

itimerspec spec_of(std::chrono::milliseconds after, bool repeat) {
	itimerspec spec{};
	spec.it_value.tv_sec = after.count() / 1000;
	spec.it_value.tv_nsec = (after.count() % 1000) * 1'000'000;
	if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0)
		spec.it_value.tv_nsec = 1; // zero would disarm
	if (repeat)
		spec.it_interval = spec.it_value;
	return spec;
}

Result<UniqueFd> timer_fd() {
	UniqueFd fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
	if (!fd)
		return Error::from_errno(errno, "timerfd_create");
	return fd;
}

} // namespace

Result<EventLoop> EventLoop::create() {
	EventLoop loop;
	loop.epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
	if (!loop.epoll_)
		return Error::from_errno(errno, "epoll_create1");
	return loop;
}

Status EventLoop::add(int fd, Callback callback) {
	auto cb = std::make_unique<Callback>(std::move(callback));
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.ptr = cb.get();
	int op = callbacks_.count(fd) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(epoll_.get(), op, fd, &ev) != 0)
		return Error::from_errno(errno, "epoll_ctl");
	callbacks_[fd] = std::move(cb);
	return ok_status();
}

void EventLoop::remove(int fd) {
	if (callbacks_.erase(fd))
		epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

Status EventLoop::run() {
	epoll_event events[16];
	while (!stopping_) {
		int n = epoll_wait(epoll_.get(), events, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return Error::from_errno(errno, "epoll_wait");
		}
		for (int i = 0; i < n && !stopping_; ++i) {
			// A callback may remove another source: look the pointer up again before calling it.
			auto* cb = static_cast<Callback*>(events[i].data.ptr);
			bool live = false;
			for (const auto& [fd, c] : callbacks_)
				live = live || c.get() == cb;
			if (live)
				(*cb)();
		}
	}
	return ok_status();
}

Result<Timer> Timer::periodic(std::chrono::milliseconds interval) {
	auto fd = timer_fd();
	if (!fd.ok())
		return std::move(fd).error();
	itimerspec spec = spec_of(interval, true);
	if (timerfd_settime(fd->get(), 0, &spec, nullptr) != 0)
		return Error::from_errno(errno, "timerfd_settime");
	return Timer(std::move(*fd));
}

Result<Timer> Timer::one_shot() {
	auto fd = timer_fd();
	if (!fd.ok())
		return std::move(fd).error();
	return Timer(std::move(*fd));
}

void Timer::arm(std::chrono::milliseconds after) {
	itimerspec spec = spec_of(after, false);
	timerfd_settime(fd_.get(), 0, &spec, nullptr);
}

uint64_t Timer::drain() const {
	uint64_t expirations = 0;
	if (::read(fd_.get(), &expirations, sizeof(expirations)) != sizeof(expirations))
		return 0;
	return expirations;
}

Result<SignalSource> SignalSource::open(std::initializer_list<int> signals) {
	sigset_t set;
	sigemptyset(&set);
	for (int s : signals)
		sigaddset(&set, s);
	UniqueFd fd(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
	if (!fd)
		return Error::from_errno(errno, "signalfd");
	return SignalSource(std::move(fd));
}

int SignalSource::next() const {
	signalfd_siginfo si{};
	if (::read(fd_.get(), &si, sizeof(si)) != sizeof(si))
		return 0;
	return static_cast<int>(si.ssi_signo);
}

} // namespace egress::daemon
