#include "daemon/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

#include "common/unique_handle.h"

namespace egress::daemon {

namespace {

constexpr size_t kMaxRequest = 8192;
constexpr auto kIdle = std::chrono::seconds(10);

struct Conn {
	UniqueFd fd;
	std::string in;
	std::string out;
	bool responded = false;
	std::chrono::steady_clock::time_point since;
};

std::string_view reason_phrase(int status) {
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 503:
		return "Service Unavailable";
	default:
		return "Status";
	}
}

std::string render(const HttpResponse& r, bool head) {
	std::string out = "HTTP/1.0 " + std::to_string(r.status) + " " +
	                  std::string(reason_phrase(r.status)) + "\r\nContent-Type: " + r.content_type +
	                  "\r\nContent-Length: " + std::to_string(r.body.size()) +
	                  "\r\nConnection: close\r\n\r\n";
	if (!head)
		out += r.body;
	return out;
}

} // namespace

struct HttpServer::Impl {
	Handler handler;
	UniqueFd listener;
	UniqueFd epoll;
	uint16_t port = 0;
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

	void respond(Conn& c) {
		auto end = c.in.find("\r\n\r\n");
		if (end == std::string::npos)
			end = c.in.find("\n\n");
		if (end == std::string::npos) {
			if (c.in.size() < kMaxRequest)
				return; // wait for the rest of the headers
			c.out = render({400, "text/plain", "request too large\n"}, false);
			c.responded = true;
			return;
		}
		std::string line = c.in.substr(0, c.in.find_first_of("\r\n"));
		auto sp1 = line.find(' ');
		auto sp2 = line.find(' ', sp1 == std::string::npos ? 0 : sp1 + 1);
		if (sp1 == std::string::npos) {
			c.out = render({400, "text/plain", "bad request line\n"}, false);
		} else {
			std::string method = line.substr(0, sp1);
			std::string target = line.substr(sp1 + 1, sp2 == std::string::npos ? std::string::npos
			                                                                   : sp2 - sp1 - 1);
			target = target.substr(0, target.find('?'));
			if (method != "GET" && method != "HEAD")
				c.out = render({405, "text/plain", "only GET\n"}, false);
			else
				c.out = render(handler(target), method == "HEAD");
		}
		c.responded = true;
	}

	// false: close the connection
	bool step(Conn& c, uint32_t events) {
		if (!c.responded && (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP | EPOLLERR))) {
			char buf[4096];
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
				if (c.in.size() > kMaxRequest)
					break;
			}
			respond(c);
		}
		while (c.responded && !c.out.empty()) {
			ssize_t n =
			    ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN) {
					watch(c.fd.get(), EPOLLOUT, EPOLL_CTL_MOD);
					return true;
				}
				return false;
			}
			c.out.erase(0, static_cast<size_t>(n));
		}
		return !c.responded; // responded and flushed: done
	}
};

Result<HttpServer> HttpServer::listen(const policy::ListenAddress& address, Handler handler) {
	auto impl = std::make_unique<Impl>();
	impl->handler = std::move(handler);
	bool v6 = address.host.find(':') != std::string::npos || address.host.empty();
	UniqueFd fd(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	if (!fd)
		return Error::from_errno(errno, "socket");
	int one = 1;
	setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	std::string where = address.to_string();
	int rc;
	if (v6) {
		sockaddr_in6 a{};
		a.sin6_family = AF_INET6;
		a.sin6_port = htons(address.port);
		if (address.host.empty()) {
			a.sin6_addr = in6addr_any; // dual stack: every IPv4 and IPv6 address
			int zero = 0;
			setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		} else if (inet_pton(AF_INET6, address.host.c_str(), &a.sin6_addr) != 1) {
			return Error("metrics listen address " + where + ": not an IPv6 address", EINVAL);
		}
		rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a));
	} else {
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_port = htons(address.port);
		if (inet_pton(AF_INET, address.host.c_str(), &a.sin_addr) != 1)
			return Error("metrics listen address " + where + ": not an IPv4 address", EINVAL);
		rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a));
	}
	if (rc != 0)
		return Error::from_errno(errno, "binding the metrics endpoint to " + where);
	if (::listen(fd.get(), 64) != 0)
		return Error::from_errno(errno, "listening on " + where);
	sockaddr_storage bound{};
	socklen_t len = sizeof(bound);
	getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &len);
	impl->port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
	                                               : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
	impl->listener = std::move(fd);
	impl->epoll.reset(epoll_create1(EPOLL_CLOEXEC));
	if (!impl->epoll)
		return Error::from_errno(errno, "epoll_create1");
	impl->watch(impl->listener.get(), EPOLLIN, EPOLL_CTL_ADD);
	return HttpServer(std::move(impl));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
}
HttpServer::HttpServer(HttpServer&&) noexcept = default;
HttpServer& HttpServer::operator=(HttpServer&&) noexcept = default;
HttpServer::~HttpServer() = default;

int HttpServer::fd() const {
	return impl_->epoll.get();
}

uint16_t HttpServer::port() const {
	return impl_->port;
}

void HttpServer::service() {
	auto now = std::chrono::steady_clock::now();
	epoll_event events[32];
	int n = epoll_wait(impl_->epoll.get(), events, 32, 0);
	for (int i = 0; i < n; ++i) {
		int fd = events[i].data.fd;
		if (fd == impl_->listener.get()) {
			for (;;) {
				int c = ::accept4(impl_->listener.get(), nullptr, nullptr,
				                  SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (c < 0)
					break;
				Conn conn;
				conn.fd.reset(c);
				conn.since = now;
				impl_->conns.emplace(c, std::move(conn));
				impl_->watch(c, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_ADD);
			}
			continue;
		}
		auto it = impl_->conns.find(fd);
		if (it != impl_->conns.end() && !impl_->step(it->second, events[i].events))
			impl_->drop(fd);
	}
	std::vector<int> idle;
	for (const auto& [fd, c] : impl_->conns)
		if (now - c.since > kIdle)
			idle.push_back(fd);
	for (int fd : idle)
		impl_->drop(fd);
}

} // namespace egress::daemon
