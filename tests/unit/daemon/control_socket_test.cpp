// The control socket end to end inside one process: ControlServer serviced on a thread, the
// ControlClient egressctl uses on the other side of a real unix socket.
#include <gtest/gtest.h>

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <optional>
#include <filesystem>
#include <thread>

#include "daemon/control_client.h"
#include "daemon/control_server.h"
#include "daemon/deny_feed.h"

namespace {

using namespace egress;
using namespace egress::daemon;
namespace fs = std::filesystem;

class ControlSocket : public ::testing::Test {
protected:
	void SetUp() override {
		char tmpl[] = "/tmp/aeg-ctl-XXXXXX";
		dir_ = mkdtemp(tmpl);
		path_ = (dir_ / "sub" / "egressd.sock").string();
	}
	void TearDown() override {
		stop_server();
		fs::remove_all(dir_);
	}

	void start_server() {
		auto s = ControlServer::listen(path_, [this](const control::Request& r) {
			++requests_;
			control::Response out;
			if (r.cmd == control::Command::check && r.dest == "bad")
				return control::error_response(Error("not a destination", EINVAL));
			out.result = {{"cmd", std::string(control::command_name(r.cmd))}, {"dest", r.dest}};
			if (r.cmd == control::Command::denies)
				out.result["lines"] = nlohmann::json::array({{{"n", 1}}});
			return out;
		});
		ASSERT_TRUE(s.ok()) << s.error().to_string();
		server_.emplace(std::move(*s));
		run_ = true;
		thread_ = std::thread([this] {
			while (run_) {
				pollfd p{server_->fd(), POLLIN, 0};
				if (poll(&p, 1, 20) > 0) {
					std::lock_guard lock(mu_);
					server_->service();
				}
			}
		});
	}
	void stop_server() {
		run_ = false;
		if (thread_.joinable())
			thread_.join();
		server_.reset();
	}

	size_t server_followers() {
		std::lock_guard lock(mu_);
		return server_->followers();
	}

	fs::path dir_;
	std::string path_;
	std::optional<ControlServer> server_;
	std::atomic<bool> run_{false};
	std::atomic<int> requests_{0};
	std::mutex mu_;
	std::thread thread_;
};

TEST_F(ControlSocket, SocketIsRootOnlyAndRemovedOnShutdown) {
	start_server();
	struct stat st {};
	ASSERT_EQ(stat(path_.c_str(), &st), 0);
	EXPECT_TRUE(S_ISSOCK(st.st_mode));
	EXPECT_EQ(st.st_mode & 0777, 0600u);
	struct stat dst {};
	ASSERT_EQ(stat((dir_ / "sub").c_str(), &dst), 0);
	EXPECT_EQ(dst.st_mode & 0777, 0700u);
	stop_server();
	EXPECT_FALSE(fs::exists(path_));
}

TEST_F(ControlSocket, ClientCallsEveryVerbAndSeesErrors) {
	start_server();
	auto c = ControlClient::connect(path_);
	ASSERT_TRUE(c.ok()) << c.error().to_string();
	auto st = c->status();
	ASSERT_TRUE(st.ok());
	EXPECT_EQ((*st)["cmd"], "status");
	auto chk = c->check("mcr.microsoft.com:443", "tcp");
	ASSERT_TRUE(chk.ok());
	EXPECT_EQ((*chk)["dest"], "mcr.microsoft.com:443");
	EXPECT_TRUE(c->ips().ok());
	EXPECT_TRUE(c->reload().ok());
	auto bad = c->check("bad");
	ASSERT_FALSE(bad.ok());
	EXPECT_EQ(bad.error().code(), EINVAL);
	EXPECT_NE(bad.error().message().find("not a destination"), std::string::npos);
	EXPECT_TRUE(c->denies("5m", 10).ok()) << "the connection survives an error";
	EXPECT_EQ(requests_.load(), 6);
}

TEST_F(ControlSocket, AStaleSocketIsReplacedButALiveOneIsNot) {
	fs::create_directories(dir_ / "sub");
	{
		// What a kill -9'd daemon leaves: a socket file nobody listens on.
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		sockaddr_un a{};
		a.sun_family = AF_UNIX;
		std::strcpy(a.sun_path, path_.c_str());
		ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
		close(fd);
	}
	start_server();
	auto c = ControlClient::connect(path_);
	ASSERT_TRUE(c.ok());
	EXPECT_TRUE(c->status().ok());
	auto second =
	    ControlServer::listen(path_, [](const control::Request&) { return control::Response{}; });
	ASSERT_FALSE(second.ok());
	EXPECT_EQ(second.error().code(), EADDRINUSE);
}

TEST_F(ControlSocket, ADaemonThatIsDownIsTellableFromOneThatSaysNo) {
	auto c = ControlClient::connect(path_);
	ASSERT_FALSE(c.ok());
	EXPECT_EQ(c.error().code(), ENOENT);
}

TEST_F(ControlSocket, FollowersGetNewDeniesUntilTheyStop) {
	start_server();
	std::atomic<int> seen{0};
	std::thread follower([&] {
		auto c = ControlClient::connect(path_);
		ASSERT_TRUE(c.ok());
		auto st = c->follow_denies("", 10, [&](const nlohmann::json& d) {
			++seen;
			return !(d.contains("n") && d["n"] == 3);
		});
		EXPECT_TRUE(st.ok()) << st.error().to_string();
	});
	for (int i = 0; i < 200 && server_followers() == 0; ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	ASSERT_EQ(server_followers(), 1u);
	{
		std::lock_guard lock(mu_);
		server_->broadcast_deny(R"({"n":2})");
		server_->broadcast_deny(R"({"n":3})");
	}
	follower.join();
	EXPECT_EQ(seen.load(), 3) << "one kept line from the response, then two streamed";
}

TEST(DenyFeed, KeepsRecentLinesFiltersBySinceAndSignalsNewOnes) {
	auto feed = DenyFeed::create(3);
	ASSERT_TRUE(feed.ok());
	for (int i = 1; i <= 4; ++i)
		ASSERT_TRUE((*feed)
		                ->write(R"({"time":"2026-11-21T09:30:0)" + std::to_string(i) +
		                        R"(.000Z","n":)" + std::to_string(i) + "}")
		                .ok());
	pollfd p{(*feed)->fd(), POLLIN, 0};
	EXPECT_EQ(poll(&p, 1, 0), 1);
	EXPECT_EQ((*feed)->take_new().size(), 3u) << "bounded like the ring";
	EXPECT_EQ(poll(&p, 1, 0), 0);
	auto all = (*feed)->recent("", 0);
	ASSERT_EQ(all.size(), 3u);
	EXPECT_NE(all.front().find("\"n\":2"), std::string::npos);
	EXPECT_EQ((*feed)->recent("2026-11-21T09:30:03.000Z", 0).size(), 2u);
	auto last = (*feed)->recent("", 1);
	ASSERT_EQ(last.size(), 1u);
	EXPECT_NE(last[0].find("\"n\":4"), std::string::npos);
}

} // namespace
