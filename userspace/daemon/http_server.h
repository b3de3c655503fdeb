// A minimal HTTP/1.0 responder for the metrics endpoint: GET /metrics, /healthz, /readyz (the paths
// are the daemon's business, through the handler). One response per connection, then close; no
// keep-alive, no chunking, no TLS — a Prometheus scrape and a kubelet probe need nothing more, and
// it avoids a web-server dependency. Non-blocking, driven by the daemon's epoll loop like the
// control socket. Requests over 8 KiB or idle connections past 10 s are dropped.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "policy/net_types.h"

namespace egress::daemon {

struct HttpResponse {
	int status = 200;
	std::string content_type = "text/plain; charset=utf-8";
	std::string body;
};

class HttpServer {
public:
	// path (without the query string) -> response; only GET and HEAD reach it.
	using Handler = std::function<HttpResponse(const std::string& path)>;

	static Result<HttpServer> listen(const policy::ListenAddress& address, Handler handler);
	HttpServer(HttpServer&&) noexcept;
	HttpServer& operator=(HttpServer&&) noexcept;
	~HttpServer();

	int fd() const;
	void service();
	uint16_t port() const; // the bound port (useful with port 0)

private:
	struct Impl;
	explicit HttpServer(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

} // namespace egress::daemon
