#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "daemon/http_server.h"

namespace {

using namespace egress::daemon;

std::string get(uint16_t port, const std::string& request) {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
		close(fd);
		return "connect failed";
	}
	(void)!write(fd, request.data(), request.size());
	std::string out;
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		out.append(buf, static_cast<size_t>(n));
	close(fd);
	return out;
}

class Http : public ::testing::Test {
protected:
	void SetUp() override {
		auto s = HttpServer::listen({"127.0.0.1", 0}, [](const std::string& path) {
			if (path == "/metrics")
				return HttpResponse{200, "text/plain; version=0.0.4", "egress_up 1\n"};
			return HttpResponse{404, "text/plain", "not found\n"};
		});
		ASSERT_TRUE(s.ok()) << s.error().to_string();
		server_.emplace(std::move(*s));
		thread_ = std::thread([this] {
			while (run_) {
				pollfd p{server_->fd(), POLLIN, 0};
				if (poll(&p, 1, 20) > 0)
					server_->service();
			}
		});
	}
	void TearDown() override {
		run_ = false;
		if (thread_.joinable())
			thread_.join();
	}
	std::optional<HttpServer> server_;
	std::atomic<bool> run_{true};
	std::thread thread_;
};

TEST_F(Http, ServesAPathWithLengthAndType) {
	ASSERT_NE(server_->port(), 0);
	auto r = get(server_->port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	EXPECT_EQ(r.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << r;
	EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4\r\n"), std::string::npos);
	EXPECT_NE(r.find("Content-Length: 12\r\n"), std::string::npos);
	EXPECT_EQ(r.substr(r.size() - 12), "egress_up 1\n");
}

TEST_F(Http, QueryStringsUnknownPathsAndMethods) {
	EXPECT_EQ(get(server_->port(), "GET /metrics?x=1 HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 200", 0), 0u);
	EXPECT_EQ(get(server_->port(), "GET /nope HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 404", 0), 0u);
	EXPECT_EQ(get(server_->port(), "POST /metrics HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 405", 0), 0u);
	auto head = get(server_->port(), "HEAD /metrics HTTP/1.0\r\n\r\n");
	EXPECT_EQ(head.find("egress_up"), std::string::npos) << "HEAD has no body";
}

} // namespace
