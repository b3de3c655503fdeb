#include "daemon/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>

#include "common/unique_handle.h"
#include "daemon/stream_server.h"

namespace egress::daemon {

namespace {

constexpr size_t kMaxRequest = 8192;
constexpr auto kIdle = std::chrono::seconds(10);

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
	std::optional<StreamServer> server;
	uint16_t port = 0;

	// One request per connection: answered once its headers are complete, then closed.
	void on_input(StreamServer::Connection& c) {
		if (c.close_when_flushed)
			return; // answered already
		auto end = c.in.find("\r\n\r\n");
		if (end == std::string::npos)
			end = c.in.find("\n\n");
		if (end == std::string::npos)
			return; // wait for the rest of the headers
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
		c.close_when_flushed = true;
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
	Impl* self = impl.get();
	StreamServer::Protocol protocol;
	protocol.on_input = [self](StreamServer::Connection& c) { self->on_input(c); };
	protocol.max_input = kMaxRequest;
	protocol.on_overflow = [](StreamServer::Connection& c) {
		c.out = render({400, "text/plain", "request too large\n"}, false);
	};
	protocol.idle_timeout = kIdle;
	auto server = StreamServer::serve(std::move(fd), std::move(protocol));
	if (!server.ok())
		return std::move(server).error();
	impl->server.emplace(std::move(*server));
	return HttpServer(std::move(impl));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
}
HttpServer::HttpServer(HttpServer&&) noexcept = default;
HttpServer& HttpServer::operator=(HttpServer&&) noexcept = default;
HttpServer::~HttpServer() = default;

int HttpServer::fd() const {
	return impl_->server->fd();
}

uint16_t HttpServer::port() const {
	return impl_->port;
}

void HttpServer::service() {
	impl_->server->service();
}

} // namespace egress::daemon
