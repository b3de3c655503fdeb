#include "daemon/stream_server.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <map>
#include <vector>

namespace egress::daemon {

struct StreamServer::Impl {
	UniqueFd listener;
	UniqueFd epoll;
	Protocol protocol;
	struct Conn {
		UniqueFd fd;
		Connection c;
	};
	std::map<int, Conn> conns;

	void watch(int fd, uint32_t events, int op) {
		epoll_event ev{};
		ev.events = events;
		ev.data.fd = fd;
		epoll_ctl(epoll.get(), op, fd, &ev);
	}

	void drop(int fd) {
		epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
		conns.erase(fd);
	}

	void accept_all() {
		for (;;) {
			int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0)
				return;
			Conn conn;
			conn.fd.reset(fd);
			conn.c.since = std::chrono::steady_clock::now();
			conns.emplace(fd, std::move(conn));
			watch(fd, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_ADD);
		}
	}

	// false when the peer is gone
	bool read_from(Conn& k) {
		char buf[16384];
		for (;;) {
			ssize_t n = ::recv(k.fd.get(), buf, sizeof(buf), MSG_DONTWAIT);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN)
					break;
				return false;
			}
			if (n == 0)
				return false;
			k.c.in.append(buf, static_cast<size_t>(n));
			if (k.c.in.size() > protocol.max_input)
				break;
		}
		if (k.c.in.size() > protocol.max_input) {
			if (protocol.on_overflow)
				protocol.on_overflow(k.c);
			k.c.in.clear();
			k.c.close_when_flushed = true;
			return true;
		}
		protocol.on_input(k.c);
		return true;
	}

	// Writes what it can; false when the connection is done (gone, or flushed and closing).
	bool flush(Conn& k) {
		while (!k.c.out.empty()) {
			ssize_t n =
			    ::send(k.fd.get(), k.c.out.data(), k.c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN)
					break;
				return false;
			}
			k.c.out.erase(0, static_cast<size_t>(n));
		}
		if (k.c.out.empty() && k.c.close_when_flushed)
			return false;
		watch(k.fd.get(),
		      EPOLLIN | EPOLLRDHUP | (k.c.out.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT)),
		      EPOLL_CTL_MOD);
		return true;
	}

	void drop_idle() {
		if (protocol.idle_timeout.count() == 0)
			return;
		auto now = std::chrono::steady_clock::now();
		std::vector<int> idle;
		for (const auto& [fd, k] : conns)
			if (now - k.c.since > protocol.idle_timeout)
				idle.push_back(fd);
		for (int fd : idle)
			drop(fd);
	}
};

Result<StreamServer> StreamServer::serve(UniqueFd listener, Protocol protocol) {
	auto impl = std::make_unique<Impl>();
	impl->listener = std::move(listener);
	impl->protocol = std::move(protocol);
	impl->epoll.reset(epoll_create1(EPOLL_CLOEXEC));
	if (!impl->epoll)
		return Error::from_errno(errno, "epoll_create1");
	impl->watch(impl->listener.get(), EPOLLIN, EPOLL_CTL_ADD);
	return StreamServer(std::move(impl));
}

StreamServer::StreamServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
}
StreamServer::StreamServer(StreamServer&&) noexcept = default;
StreamServer& StreamServer::operator=(StreamServer&&) noexcept = default;
StreamServer::~StreamServer() = default;

int StreamServer::fd() const {
	return impl_->epoll.get();
}

int StreamServer::listener() const {
	return impl_->listener.get();
}

void StreamServer::service() {
	epoll_event events[32];
	int n = epoll_wait(impl_->epoll.get(), events, 32, 0);
	for (int i = 0; i < n; ++i) {
		int fd = events[i].data.fd;
		if (fd == impl_->listener.get()) {
			impl_->accept_all();
			continue;
		}
		auto it = impl_->conns.find(fd);
		if (it == impl_->conns.end())
			continue;
		bool alive = true;
		if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			alive = impl_->read_from(it->second);
		if (alive)
			alive = impl_->flush(it->second);
		if (!alive)
			impl_->drop(fd);
	}
	impl_->drop_idle();
}

size_t StreamServer::broadcast(const std::string& data, const std::function<bool(const Connection&)>& pick,
                               size_t max_queued) {
	std::vector<int> gone;
	for (auto& [fd, k] : impl_->conns) {
		if (!pick(k.c))
			continue;
		if (k.c.out.size() + data.size() > max_queued) {
			gone.push_back(fd);
			continue;
		}
		k.c.out += data;
		if (!impl_->flush(k))
			gone.push_back(fd);
	}
	for (int fd : gone)
		impl_->drop(fd);
	return gone.size();
}

size_t StreamServer::connections() const {
	return impl_->conns.size();
}

size_t StreamServer::count(const std::function<bool(const Connection&)>& pick) const {
	size_t n = 0;
	for (const auto& [fd, k] : impl_->conns)
		n += pick(k.c) ? 1 : 0;
	return n;
}

} // namespace egress::daemon
