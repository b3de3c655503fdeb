// The built egressctl's online verbs on a simulated node (daemon_node.h): status, ips, check and
// denies answered by a running egressd; status, ips and check answered from the pinned maps once
// egressd is killed; then uninstall takes everything off the cgroup and out of bpffs, twice.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <filesystem>
#include <thread>

#include "daemon_node.h"
#include "root.h"
#include "system.h"

namespace {

using namespace egress;
using namespace egress::e2e;
using namespace std::chrono_literals;
using nlohmann::json;

struct Ctl {
	int status;
	std::string out;
};

class CliOnline : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		node_ = std::make_unique<DaemonNode>();
		node_->publish_config(node_->config_yaml());
	}
	void TearDown() override {
		if (node_ && HasFailure())
			std::cerr << "---- egressd log ----\n"
			          << node_->egressd_log() << "---------------------\n";
		node_.reset();
	}

	// egressctl with the node's socket and pins; stdout only unless with_stderr.
	Ctl ctl(const std::string& args, bool with_stderr = false, const std::string& prefix = "") const {
		// testlib::run appends 2>&1, so stderr is dropped inside a group to keep stdout alone.
		std::string cmd = "{ " + prefix + std::string(EGRESSCTL_BINARY) + " --socket " +
		                  node_->control_socket() + " --pins " + node_->pin_dir() + " " + args +
		                  (with_stderr ? "; }" : " 2>/dev/null; }");
		auto r = testlib::run(cmd);
		// CLI_ONLINE_TRACE=1 shows every command line and its output (debugging, docs examples).
		if (getenv("CLI_ONLINE_TRACE"))
			std::cerr << "$ egressctl " << args << "  [exit " << r.status << "]\n" << r.output;
		return {r.status, r.output};
	}
	json ctl_json(const std::string& args, int expect_status = 0) const {
		Ctl r = ctl(args + " -o json");
		EXPECT_EQ(r.status, expect_status) << args << "\n" << ctl(args, true).out;
		try {
			return json::parse(r.out);
		} catch (const json::exception& e) {
			ADD_FAILURE() << args << ": not JSON: " << r.out;
			return nullptr;
		}
	}

	std::unique_ptr<DaemonNode> node_;
};

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 10s) {
	auto end = std::chrono::steady_clock::now() + timeout;
	while (std::chrono::steady_clock::now() < end) {
		if (pred())
			return true;
		std::this_thread::sleep_for(200ms);
	}
	return pred();
}

bool has_address(const json& ips, const std::string& address) {
	for (const auto& e : ips.value("entries", json::array()))
		if (e.value("address", "") == address)
			return true;
	return false;
}

TEST_F(CliOnline, DaemonThenPinsThenUninstall) {
	node_->start_egressd();

	// status from the daemon.
	json st = ctl_json("status");
	EXPECT_EQ(st["source"], "daemon");
	EXPECT_EQ(st["daemon"], "up");
	EXPECT_EQ(st["mode"], "enforce");
	std::string cgroup = st["cgroup"]["path"].get<std::string>();
	std::string dns_server = st["dns_learning"]["trusted_resolvers"][0].get<std::string>();
	EXPECT_NE(ctl("status").out.find("daemon: up"), std::string::npos) << ctl("status").out;

	// ips: the actively resolved name's address, with its name.
	json ips;
	ASSERT_TRUE(eventually([&] {
		ips = ctl_json("ips");
		return has_address(ips, kResolvedHost);
	})) << ips.dump();
	EXPECT_EQ(ips["source"], "daemon");
	Ctl table = ctl("ips");
	EXPECT_NE(table.out.find(kResolvedHost), std::string::npos) << table.out;
	EXPECT_NE(table.out.find("allowed.test"), std::string::npos) << table.out;

	// check against the live policy: exit 0 allowed, 1 denied.
	json c = ctl_json(std::string("check ") + kAllowedCidrHost + ":443", 0);
	EXPECT_EQ(c["verdict"], "allowed");
	EXPECT_EQ(c["source"], "daemon");
	EXPECT_EQ(ctl(std::string("check ") + kDeniedHost + ":443").status, 1);
	EXPECT_EQ(ctl("check allowed.test:443").status, 0);
	EXPECT_EQ(ctl(std::string("check ") + kAllowedCidrHost + ":8443").status, 1);
	EXPECT_EQ(ctl("check 'not a destination'").status, 2);

	// denies: a denied connect shows up (the deny log aggregates for 1 s first).
	EXPECT_EQ(node_->tcp(kDeniedHost, 443), EPERM);
	Ctl denies;
	ASSERT_TRUE(eventually([&] {
		denies = ctl("denies --since 5m -o json");
		return denies.out.find(kDeniedHost) != std::string::npos;
	})) << denies.out;
	EXPECT_EQ(denies.status, 0);
	for (size_t pos = 0, nl; (nl = denies.out.find('\n', pos)) != std::string::npos; pos = nl + 1)
		EXPECT_TRUE(json::accept(denies.out.substr(pos, nl - pos))) << "one JSON object a line";
	Ctl bad = ctl("denies --since yesterday-ish");
	EXPECT_EQ(bad.status, 2) << ctl("denies --since yesterday-ish", true).out;
	EXPECT_EQ(bad.out, "") << "an error leaves stdout empty";
	table = ctl("denies --since 5m");
	EXPECT_NE(table.out.find(kDeniedHost), std::string::npos) << table.out;
	EXPECT_NE(table.out.find(std::string(kPodNamespace) + "/" + kPodName), std::string::npos)
	    << table.out;
	// --follow streams until interrupted: the past line first, then it keeps waiting.
	// (timeout sends SIGINT like Ctrl-C and exits 124 when it had to.)
	Ctl follow = ctl("denies --follow --since 5m -o json", false, "timeout -s INT 2 ");
	EXPECT_NE(follow.out.find(kDeniedHost), std::string::npos) << follow.out;
	EXPECT_EQ(follow.status, 124) << "still following when interrupted";

	// egressd gone: status, ips and check read the pins and say so; denies cannot.
	node_->kill_egressd(SIGKILL);
	node_->wait_egressd();
	st = ctl_json("status");
	EXPECT_EQ(st["source"], "pinned-maps");
	EXPECT_EQ(st["daemon"], "down");
	EXPECT_EQ(st["mode"], "enforce");
	EXPECT_GT(st["counters"]["denied"].get<int>(), 0);
	table = ctl("status");
	EXPECT_EQ(table.status, 0);
	EXPECT_NE(table.out.find("daemon: down, read from pinned maps"), std::string::npos) << table.out;
	ips = ctl_json("ips");
	EXPECT_EQ(ips["source"], "pinned-maps");
	EXPECT_TRUE(has_address(ips, kResolvedHost)) << ips.dump();
	c = ctl_json(std::string("check ") + kAllowedCidrHost + ":443", 0);
	EXPECT_EQ(c["source"], "pinned-maps");
	EXPECT_EQ(c["reason"], "cidr");
	c = ctl_json(std::string("check ") + kResolvedHost + ":443", 0);
	EXPECT_EQ(c["reason"], "learned");
	c = ctl_json("check " + dns_server + ":53 --proto udp", 0);
	EXPECT_EQ(c["reason"], "safety_floor") << c.dump();
	c = ctl_json(std::string("check ") + kDeniedHost + ":443", 1);
	EXPECT_EQ(c["reason"], "no_rule");
	c = ctl_json(std::string("check ") + kAllowedCidrHost + ":8443", 1);
	EXPECT_EQ(c["reason"], "port_not_allowed");
	ASSERT_EQ(c["matches"].size(), 1u) << c.dump();
	EXPECT_EQ(c["matches"][0]["type"], "cidr");
	EXPECT_EQ(c["matches"][0]["portAllowed"], false);
	table = ctl(std::string("check ") + kDeniedHost + ":443");
	EXPECT_NE(table.out.find("daemon: down, read from pinned maps"), std::string::npos) << table.out;
	EXPECT_EQ(ctl("check allowed.test:443").status, 5) << "names are hashed in the maps";
	EXPECT_EQ(ctl("denies").status, 5);

	// uninstall: the manifests' command line; nothing left on the cgroup or in bpffs.
	EXPECT_NE(testlib::run("bpftool cgroup show " + cgroup).output, "");
	Ctl un = ctl("uninstall", true);
	EXPECT_EQ(un.status, 0) << un.out;
	EXPECT_NE(un.out.find("unpinned map egress_config"), std::string::npos) << un.out;
	auto shown = testlib::run("bpftool cgroup show " + cgroup);
	EXPECT_EQ(shown.status, 0) << shown.output;
	EXPECT_EQ(shown.output, "") << "programs still attached";
	std::error_code ec;
	EXPECT_TRUE(!std::filesystem::exists(node_->pin_dir()) ||
	            std::filesystem::is_empty(node_->pin_dir(), ec));
	EXPECT_EQ(node_->tcp(kDeniedHost, 443), 0) << "nothing enforces any more";
	un = ctl("uninstall", true);
	EXPECT_EQ(un.status, 0) << un.out;
	EXPECT_NE(un.out.find("nothing to remove"), std::string::npos) << un.out;
	json again = ctl_json("uninstall");
	EXPECT_EQ(again["removed"], false);
	EXPECT_EQ(again["maps"], json::array());
	EXPECT_EQ(ctl("status").status, 5) << "down and nothing pinned";
}

// Nothing running and nothing pinned: the online verbs say so with exit 5 (no root needed).
TEST(CliOnlineNoNode, UnreachableIsExitFive) {
	std::string base =
	    std::string(EGRESSCTL_BINARY) + " --socket /nonexistent/egressd.sock --pins /nonexistent/pins ";
	EXPECT_EQ(testlib::run(base + "status").status, 5);
	EXPECT_EQ(testlib::run(base + "ips").status, 5);
	EXPECT_EQ(testlib::run(base + "denies").status, 5);
	EXPECT_EQ(testlib::run(base + "check 10.0.0.1:443").status, 5);
	EXPECT_EQ(testlib::run(base + "check 'not a destination'").status, 2);
}

} // namespace
