// The pod layer end to end: egressd as a binary on the simulated node, pods with their own netns
// behind veths (tests/e2e/harness), attacks from inside a pod as uid 0 with containerd's default
// capabilities, judged by what ARRIVES at a recorder on the internet side. Every attack first runs
// with nothing enforcing, proving its frame arrives then (the self-test half of each test).
//
// The host guard's raw-socket refusal is off here (hostGuard.rawSockets: off): on a kernel with BPF
// LSM it would refuse the pod's AF_PACKET and AF_XDP sockets before a frame exists, and these tests
// are about the frames (host_guard_e2e_test.cpp covers the refusal).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/unique_handle.h"
#include "eventually.h"
#include "pod_attacks.h"
#include "probes.h"
#include "root.h"
#include "sim_node.h"
#include "system.h"

namespace egress::e2e {
namespace {

using namespace std::chrono_literals;
using testlib::eventually;

constexpr Sender kFrameSenders[] = {Sender::packet_raw, Sender::packet_dgram, Sender::packet_bypass,
                                    Sender::xdp};
constexpr uint16_t kEchoPort = 8443;

// An echo server on every internet address, for long-lived connections.
[[noreturn]] void echo_server(uint16_t port) {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	auto a = v4_sockaddr("0.0.0.0", port);
	if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 16) != 0)
		_exit(1);
	for (;;) {
		int c = accept(fd, nullptr, nullptr);
		if (c < 0)
			continue;
		if (fork() == 0) {
			char buf[256];
			for (ssize_t n; (n = read(c, buf, sizeof(buf))) > 0;)
				(void)!write(c, buf, static_cast<size_t>(n));
			_exit(0);
		}
		close(c);
	}
}

int echo_once(int fd, char what) {
	if (send(fd, &what, 1, MSG_NOSIGNAL) != 1)
		return errno;
	pollfd p{fd, POLLIN, 0};
	char back = 0;
	if (poll(&p, 1, 2000) != 1 || recv(fd, &back, 1, 0) != 1 || back != what)
		return ETIMEDOUT;
	return 0;
}

class PodLayer : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		node_ = std::make_unique<SimNode>();
		denied_ = node_->add_host("denied.example");
		allowed_ = node_->add_host("allowed.example");
		wild_ = node_->add_host("a.wild.example");
		node_->start_resolver(SimNode::default_resolver(), {}, {}, /*ttl=*/1);
		pod_ = &node_->add_pod({.ns = "team-x", .name = "attacker-0"});
	}

	std::string config(const std::string& mode = "enforce") const {
		NodeConfig c;
		c.mode = mode;
		c.extra = "allow:\n  - {cidr: \"" + allowed_ +
		          "/32\", ports: [tcp/443, udp/443]}\n"
		          "  - {fqdn: \"*.wild.example\", ports: [tcp/8443]}\n"
		          "dns: {minTTL: 1, grace: 0}\nhostGuard: {rawSockets: off, objects: off}\n";
		return node_->render(c);
	}

	void start_enforcing() {
		node_->publish_config(config());
		node_->start_egressd();
		ASSERT_TRUE(eventually([&] { return node_->status()["pods"]["guarded"] == 1; }))
		    << node_->status()["pods"].dump() << node_->egressd_log();
	}

	// Sends a marked frame from `pod` with `how` and says whether the recorder saw it.
	bool arrives(const Pod& pod, Sender how, const std::string& src, const std::string& dst,
	             uint16_t port, bool syn = false) {
		std::string marker = "aeg-" + std::string(sender_name(how)) + "-" + testlib::unique_name("m");
		for (auto& ch : marker)
			ch = ch == ' ' ? '_' : ch;
		auto rec = node_->record({}, marker);
		auto frame = syn ? syn_frame(src, dst, port, marker, pod.mac(), pod.gateway_mac())
		                 : udp_frame(src, dst, port, marker, pod.mac(), pod.gateway_mac());
		int rc = pod.run(Identity::container_root,
		                 [how, frame] { return send_frame(how, "eth0", frame); });
		EXPECT_TRUE(rc == 0 || rc == EPERM) << sender_name(how) << ": " << std::strerror(rc);
		return !rec->frames().empty();
	}

	std::unique_ptr<SimNode> node_;
	Pod* pod_ = nullptr;
	std::string denied_, allowed_, wild_;
};

TEST_F(PodLayer, FramesWithoutAnIpSocketAndForgedSourcesArriveWhenNothingEnforces) {
	for (Sender how : kFrameSenders) {
		SCOPED_TRACE(sender_name(how));
		EXPECT_TRUE(arrives(*pod_, how, pod_->ipv4(), denied_, 9999));
		EXPECT_TRUE(arrives(*pod_, how, pod_->ipv4(), denied_, 443, /*syn=*/true));
	}
	// Forged sources (another pod's address) to an allowed destination, by raw IP and by frame.
	EXPECT_TRUE(arrives(*pod_, Sender::raw_ip, "10.244.1.250", allowed_, 443));
	EXPECT_TRUE(arrives(*pod_, Sender::packet_raw, "10.244.1.250", allowed_, 443));
	EXPECT_TRUE(arrives(*pod_, Sender::packet_raw, "fd00:10:244::fa", "fd00:200::2", 443));
}

TEST_F(PodLayer, NoFrameToADeniedAddressAndNoForgedSourceArrivesAndDeniesNameThePod) {
	start_enforcing();
	for (Sender how : kFrameSenders) {
		SCOPED_TRACE(sender_name(how));
		EXPECT_FALSE(arrives(*pod_, how, pod_->ipv4(), denied_, 9999));
		EXPECT_FALSE(arrives(*pod_, how, pod_->ipv4(), denied_, 443, /*syn=*/true));
		// The allowed destination on its port still gets the same kind of frame.
		EXPECT_TRUE(arrives(*pod_, how, pod_->ipv4(), allowed_, 443));
	}
	EXPECT_FALSE(arrives(*pod_, Sender::raw_ip, "10.244.1.250", allowed_, 443));
	EXPECT_FALSE(arrives(*pod_, Sender::packet_raw, "10.244.1.250", allowed_, 443));
	EXPECT_FALSE(arrives(*pod_, Sender::packet_raw, "fd00:10:244::fa", "fd00:200::2", 443));
	std::string log;
	ASSERT_TRUE(eventually([&] {
		log = testlib::read_file(node_->deny_log_path());
		return log.find("\"spoofed\"") != std::string::npos && log.find(denied_) != std::string::npos;
	})) << log
	    << node_->egressd_log();
	EXPECT_NE(log.find("\"hook\":\"pod\""), std::string::npos) << log;
	EXPECT_NE(log.find("\"name\":\"attacker-0\""), std::string::npos) << log;
	EXPECT_NE(log.find("\"namespace\":\"team-x\""), std::string::npos) << log;
}

TEST_F(PodLayer, AllowedTrafficAndRepliesToAConnectionFromTheInternetPass) {
	start_enforcing();
	EXPECT_EQ(pod_->tcp(allowed_, 443), 0);
	EXPECT_EQ(pod_->tcp(denied_, 443), EPERM);
	auto listener = pod_->spawn(Identity::nobody, [] {
		UniqueFd fd(socket(AF_INET, SOCK_STREAM, 0));
		int one = 1;
		setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		auto a = v4_sockaddr("0.0.0.0", 8080);
		if (bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
		    listen(fd.get(), 8) != 0)
			return 1;
		for (;;) {
			UniqueFd c(accept(fd.get(), nullptr, nullptr));
			(void)!write(c.get(), "hi", 2);
		}
	});
	std::string addr = pod_->ipv4();
	// A LoadBalancer's client on the internet: an address the pod may not open anything to.
	const std::string client = "203.0.113.80";
	node_->add_address(client);
	EXPECT_EQ(pod_->tcp(client, 443), EPERM);
	EXPECT_EQ(node_->in_internet([addr, client] {
		auto from = v4_sockaddr(client, 0);
		auto to = v4_sockaddr(addr, 8080);
		for (int attempt = 0; attempt < 50; ++attempt) {
			UniqueFd fd(socket(AF_INET, SOCK_STREAM, 0));
			if (bind(fd.get(), reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0)
				return errno;
			if (connect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof(to)) == 0)
				return read_hello(fd.get());
			std::this_thread::sleep_for(20ms); // the listener is still starting
		}
		return ECONNREFUSED;
	}),
	          0);
	auto counters = node_->status()["counters"].dump();
	EXPECT_NE(counters.find("flow"), std::string::npos) << counters;
}

TEST_F(PodLayer, ALongLivedConnectionOutlivesItsLearnedEntryButANewOneIsRefused) {
	auto echo = node_->spawn_in_internet([]() -> int { echo_server(kEchoPort); });
	start_enforcing();
	std::string wild = wild_;
	// In one pod process: refused before the name is resolved; resolved (learned in the kernel,
	// TTL 1 s, no grace), connected and used; past the expiry a new connection is refused and the
	// established one goes on.
	int rc = pod_->run(Identity::nobody, [wild] {
		auto a = v4_sockaddr(wild, kEchoPort);
		auto* sa = reinterpret_cast<sockaddr*>(&a);
		UniqueFd before(socket(AF_INET, SOCK_STREAM, 0));
		if (connect(before.get(), sa, sizeof(a)) == 0 || errno != EPERM)
			return 10;
		std::string first;
		if (dns_query("a.wild.example", SimNode::default_resolver(), first) != 0 || first != wild)
			return 11;
		UniqueFd fd(socket(AF_INET, SOCK_STREAM, 0));
		if (connect(fd.get(), sa, sizeof(a)) != 0)
			return 20;
		if (echo_once(fd.get(), '1') != 0)
			return 30;
		std::this_thread::sleep_for(2500ms);
		UniqueFd late(socket(AF_INET, SOCK_STREAM, 0));
		if (connect(late.get(), sa, sizeof(a)) == 0 || errno != EPERM)
			return 40;
		if (echo_once(fd.get(), '2') != 0)
			return 50;
		return 0;
	});
	EXPECT_EQ(rc, 0) << node_->egressd_log();
}

TEST_F(PodLayer, APodCreatedWhileEgressdRunsIsGuardedWithinASecond) {
	start_enforcing();
	auto t0 = std::chrono::steady_clock::now();
	Pod& late = node_->add_pod({.ns = "team-y", .name = "late-1"});
	ASSERT_TRUE(eventually([&] { return node_->status()["pods"]["guarded"] == 2; }, 3s))
	    << node_->status()["pods"].dump();
	auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
	              .count();
	std::printf("a new pod was guarded %lld ms after its veth was made\n", static_cast<long long>(ms));
	EXPECT_LT(ms, 1000);
	for (Sender how : kFrameSenders)
		EXPECT_FALSE(arrives(late, how, late.ipv4(), denied_, 9999)) << sender_name(how);
	EXPECT_TRUE(arrives(late, Sender::packet_raw, late.ipv4(), allowed_, 443));
	node_->remove_pod(late);
	EXPECT_TRUE(eventually([&] { return node_->status()["pods"]["total"] == 1; }, 3s))
	    << node_->status()["pods"].dump();
}

} // namespace
} // namespace egress::e2e
