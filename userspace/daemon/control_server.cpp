#include "daemon/control_server.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "common/logger.h"
#include "common/unique_handle.h"

namespace egress::daemon {

namespace {

constexpr size_t kMaxQueuedBytes = 1 << 20;

struct Connection {
	UniqueFd fd;
	std::string in;
	std::string out;
	bool follower = false;
	bool closing = false; // close once `out` is flushed
};

Result<sockaddr_un> unix_address(const std::string& path) {
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	if (path.size() >= sizeof(addr.sun_path))
		return Error("control socket path too long: " + path, ENAMETOOLONG);
	std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
	return addr;
}

// A socket file nobody accepts on is stale (a killed daemon's): remove it. A live one is an error.
Status clear_stale(const std::string& path, const sockaddr_un& addr) {
	struct stat st {};
	if (lstat(path.c_str(), &st) != 0)
		return errno == ENOENT ? ok_status() : Error::from_errno(errno, "stat " + path);
	if (!S_ISSOCK(st.st_mode))
		return Error(path + " exists and is not a socket: refusing to replace it", EEXIST);
	UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (probe && ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0)
		return Error("another egressd is listening on " + path, EADDRINUSE);
	if (unlink(path.c_str()) != 0 && errno != ENOENT)
		return Error::from_errno(errno, "removing stale socket " + path);
	log::info("control") << "removed stale control socket " << path;
	return ok_status();
}

} // namespace

struct ControlServer::Impl {
	std::string path;
	Handler handler;
	UniqueFd listener;
	UniqueFd epoll;
	std::map<int, Connection> conns;

	~Impl() {
		conns.clear();
		if (listener) {
			listener.reset();
			unlink(path.c_str());
		}
	}

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
			Connection c;
			c.fd.reset(fd);
			conns.emplace(fd, std::move(c));
			watch(fd, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_ADD);
		}
	}

	// Writes what it can; false when the connection is gone.
	bool flush(Connection& c) {
		while (!c.out.empty()) {
			ssize_t n =
			    ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN)
					break;
				return false;
			}
			c.out.erase(0, static_cast<size_t>(n));
		}
		if (c.out.empty() && c.closing)
			return false;
		watch(c.fd.get(),
		      EPOLLIN | EPOLLRDHUP | (c.out.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT)),
		      EPOLL_CTL_MOD);
		return true;
	}

	void answer(Connection& c, const std::string& line) {
		control::Response r;
		bool follow = false;
		auto req = control::decode_request(line);
		if (!req.ok()) {
			r = control::error_response(req.error());
		} else {
			r = handler(*req);
			follow = req->cmd == control::Command::denies && req->follow && r.ok;
		}
		c.out += control::encode_response(r) + "\n";
		c.follower = c.follower || follow;
	}

	// false when the connection is gone
	bool read_from(Connection& c) {
		char buf[16384];
		for (;;) {
			ssize_t n = ::recv(c.fd.get(), buf, sizeof(buf), MSG_DONTWAIT);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN)
					break;
				return false;
			}
			if (n == 0)
				return false;
			c.in.append(buf, static_cast<size_t>(n));
		}
		size_t nl;
		while ((nl = c.in.find('\n')) != std::string::npos) {
			std::string line = c.in.substr(0, nl);
			c.in.erase(0, nl + 1);
			if (!line.empty() && line.back() == '\r')
				line.pop_back();
			if (!line.empty())
				answer(c, line);
		}
		if (c.in.size() > control::kMaxRequestBytes) {
			c.out += control::encode_response(
			             control::error_response(Error("request line too long", EMSGSIZE))) +
			         "\n";
			c.closing = true;
		}
		return true;
	}
};

Result<ControlServer> ControlServer::listen(const std::string& path, Handler handler) {
	auto impl = std::make_unique<Impl>();
	impl->path = path;
	impl->handler = std::move(handler);
	auto addr = unix_address(path);
	if (!addr.ok())
		return std::move(addr).error();
	auto dir = std::filesystem::path(path).parent_path();
	if (!dir.empty() && !std::filesystem::exists(dir)) {
		std::error_code ec;
		std::filesystem::create_directories(dir, ec);
		if (ec)
			return Error("creating " + dir.string() + ": " + ec.message(), ec.value());
		chmod(dir.c_str(), 0700);
	}
	EGRESS_TRY(clear_stale(path, *addr));
	UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	if (!fd)
		return Error::from_errno(errno, "socket");
	// umask makes the socket 0600 from its creation: no window in which others could connect.
	mode_t old = umask(0177);
	int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr));
	int err = errno;
	umask(old);
	if (rc != 0)
		return Error::from_errno(err, "binding control socket " + path);
	if (chmod(path.c_str(), 0600) != 0)
		return Error::from_errno(errno, "chmod 0600 " + path);
	if (::listen(fd.get(), 64) != 0)
		return Error::from_errno(errno, "listening on " + path);
	impl->listener = std::move(fd);
	impl->epoll.reset(epoll_create1(EPOLL_CLOEXEC));
	if (!impl->epoll)
		return Error::from_errno(errno, "epoll_create1");
	impl->watch(impl->listener.get(), EPOLLIN, EPOLL_CTL_ADD);
	return ControlServer(std::move(impl));
}

ControlServer::ControlServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
}
ControlServer::ControlServer(ControlServer&&) noexcept = default;
ControlServer& ControlServer::operator=(ControlServer&&) noexcept = default;
ControlServer::~ControlServer() = default;

int ControlServer::fd() const {
	return impl_->epoll.get();
}

void ControlServer::service() {
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
		Connection& c = it->second;
		bool alive = true;
		if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			alive = impl_->read_from(c);
		if (alive)
			alive = impl_->flush(c);
		if (!alive)
			impl_->drop(fd);
	}
}

void ControlServer::broadcast_deny(const std::string& deny_json_line) {
	std::string line = control::encode_deny(deny_json_line) + "\n";
	std::vector<int> gone;
	for (auto& [fd, c] : impl_->conns) {
		if (!c.follower)
			continue;
		if (c.out.size() + line.size() > kMaxQueuedBytes) {
			log::warn("control") << "a denies follower does not keep up: disconnecting it";
			gone.push_back(fd);
			continue;
		}
		c.out += line;
		if (!impl_->flush(c))
			gone.push_back(fd);
	}
	for (int fd : gone)
		impl_->drop(fd);
}

size_t ControlServer::connections() const {
	return impl_->conns.size();
}

size_t ControlServer::followers() const {
	size_t n = 0;
	for (const auto& [fd, c] : impl_->conns)
		n += c.follower ? 1 : 0;
	return n;
}

} // namespace egress::daemon
