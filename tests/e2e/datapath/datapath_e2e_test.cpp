// The datapath on a real stack: a client network namespace whose processes sit in a child cgroup
// with the programs attached, a server namespace holding "internet" hosts, and a private bpffs.
//
//   allowed:  198.51.100.0/24 tcp/443 udp/5353, 198.51.100.11 any, [fd00:200::2] tcp/443
//   denied:   203.0.113.10, 2001:db8:dead::1 (everything else)
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include "datapath_env.h"
#include "egress.skel.h"
#include "fixtures.h"
#include "kernel/datapath.h"
#include "kernel/event_reader.h"
#include "net_probe.h"
#include "root.h"
#include "system.h"

namespace {

using namespace egress;
using namespace egress::testlib;
using namespace std::chrono_literals;

constexpr const char* kAllowed = "198.51.100.10";
constexpr const char* kAllowedAnyPort = "198.51.100.11";
constexpr const char* kDenied = "203.0.113.10";
constexpr const char* kDenied6 = "2001:db8:dead::1";

class DatapathE2e : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		net_ = std::make_unique<NetnsPair>();
		cg_ = std::make_unique<ChildCgroup>();
		pins_ = std::make_unique<PinDir>();
		for (const char* a :
		     {"198.51.100.10/32", "198.51.100.11/32", "203.0.113.10/32", "2001:db8:dead::1/128"})
			net_->add_server_address(a);
		// Dual-stack servers in the server namespace (outside the guarded cgroup).
		greeter_ = std::make_unique<ChildProcess>(net_->server(), nullptr,
		                                          []() -> int { run_tcp_greeter("::", 443); });
		// Bound to the address: a wildcard UDP socket would answer from the namespace's main address,
		// which a connected client socket ignores.
		echo_ = std::make_unique<ChildProcess>(net_->server(), nullptr,
		                                       []() -> int { run_udp_echo(kAllowed, 5353); });
	}

	void TearDown() override {
		if (pins_)
			(void)kernel::uninstall(options().pin_dir);
	}

	kernel::DatapathOptions options() const {
		kernel::DatapathOptions o;
		o.cgroup_path = cg_->path();
		o.pin_dir = pins_->path() + "/egress";
		return o;
	}

	static void write_policy(const kernel::Datapath& dp, uint8_t mode) {
		PolicyWriter p(dp);
		p.set_mode(mode);
		p.cidr("198.51.100.0/24",
		       make_ports({{EGRESS_PROTO_TCP, 443, 443}, {EGRESS_PROTO_UDP, 5353, 5353}}));
		p.cidr("198.51.100.11/32", any_port());
		p.cidr("fd00:200::2/128", make_ports({{EGRESS_PROTO_TCP, 443, 443}}));
	}

	kernel::Datapath install(uint8_t mode = EGRESS_MODE_ENFORCE) {
		auto dp = kernel::Datapath::load(options());
		if (!dp.ok())
			throw std::runtime_error(dp.error().to_string());
		write_policy(*dp, mode);
		auto st = dp->attach();
		if (!st.ok())
			throw std::runtime_error(st.error().to_string());
		return std::move(*dp);
	}

	// Runs `fn` in the client namespace, inside the guarded cgroup; returns its exit status.
	int in_client(std::function<int()> fn) { return run_in(net_->client(), cg_.get(), std::move(fn)); }

	std::vector<egress_deny_event> drain_events() {
		auto fd =
		    kernel::open_pinned_map(kernel::PinLayout(options().pin_dir), kernel::MapId::events);
		EXPECT_TRUE(fd.ok());
		std::vector<egress_deny_event> out;
		kernel::EventReader::Handlers h;
		h.deny = [&](const egress_deny_event& e) { out.push_back(e); };
		auto reader = kernel::EventReader::open(fd->get(), std::move(h));
		EXPECT_TRUE(reader.ok());
		EXPECT_TRUE(reader->consume().ok());
		return out;
	}

	std::string attached_programs() { return run("bpftool cgroup show " + cg_->path()).output; }

	std::unique_ptr<NetnsPair> net_;
	std::unique_ptr<ChildCgroup> cg_;
	std::unique_ptr<PinDir> pins_;
	std::unique_ptr<ChildProcess> greeter_, echo_;
};

TEST_F(DatapathE2e, ConnectAndSendmsgAllowWhatThePolicyAllowsAndFailDeniesWithEperm) {
	auto dp = install();
	EXPECT_EQ(in_client([] { return tcp_hello(kAllowed, 443); }), 0);
	EXPECT_EQ(in_client([] { return tcp_hello(kDenied, 443); }), EPERM);
	EXPECT_EQ(in_client([] { return tcp_hello(kAllowed, 8443); }), EPERM) << "port not allowed";
	EXPECT_EQ(in_client([] { return udp_echo_round_trip(kAllowed, 5353, true); }), 0);
	EXPECT_EQ(in_client([] { return udp_echo_round_trip(kAllowed, 5353, false); }), 0);
	EXPECT_EQ(in_client([] { return udp_echo_round_trip(kDenied, 5353, true); }), EPERM);
	EXPECT_EQ(in_client([] { return udp_echo_round_trip(kDenied, 5353, false); }), EPERM);
	// IPv6, and IPv4-mapped IPv6 judged by the IPv4 policy.
	EXPECT_EQ(in_client([] { return tcp_hello(NetnsPair::kServerV6, 443); }), 0);
	EXPECT_EQ(in_client([] { return tcp_hello(kDenied6, 443); }), EPERM);
	EXPECT_EQ(in_client([] { return udp_echo_round_trip(kDenied6, 5353, false); }), EPERM);
	EXPECT_EQ(in_client([] { return tcp_hello("::ffff:198.51.100.10", 443); }), 0);
	EXPECT_EQ(in_client([] { return tcp_hello("::ffff:203.0.113.10", 443); }), EPERM);
	// Loopback is never judged away.
	EXPECT_EQ(in_client([] { return udp_send("127.0.0.1", 9); }), 0);
	// Outside the cgroup nothing is enforced.
	EXPECT_EQ(run_in(net_->client(), nullptr, [] { return tcp_hello(kDenied, 443); }), 0);
	auto counters = dp.counters();
	ASSERT_TRUE(counters.ok());
	EXPECT_GT((*counters)[EGRESS_COUNTER_INDEX(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_JUDGED_SOCKET)], 0u);
}

TEST_F(DatapathE2e, EachDenyYieldsExactlyOneEventWithTheRightFields) {
	auto dp = install();
	drain_events(); // nothing from before
	ChildProcess client(net_->client(), cg_.get(), [] {
		for (int i = 0; i < 5; ++i)
			if (tcp_hello(kDenied, 443) != EPERM)
				return 10;
		if (udp_echo_round_trip(kDenied, 5353, false) != EPERM)
			return 11;
		if (udp_echo_round_trip(kDenied, 5353, true) != EPERM)
			return 12;
		return 0;
	});
	ASSERT_EQ(client.wait(), 0);
	auto events = drain_events();
	ASSERT_EQ(events.size(), 3u);
	auto find = [&](uint8_t hook, uint8_t reason) -> const egress_deny_event* {
		for (const auto& e : events)
			if (e.hook == hook && e.reason == reason)
				return &e;
		return nullptr;
	};
	const auto* tcp = find(EGRESS_HOOK_CONNECT4, EGRESS_REASON_NO_RULE);
	const auto* sendto = find(EGRESS_HOOK_SENDMSG4, EGRESS_REASON_NO_RULE);
	const auto* probe = find(EGRESS_HOOK_CONNECT4, EGRESS_REASON_UDP_PROBE);
	ASSERT_TRUE(tcp && sendto && probe);
	uint8_t denied[4];
	inet_pton(AF_INET, kDenied, denied);
	for (const auto* e : {tcp, sendto, probe}) {
		EXPECT_EQ(e->type, EGRESS_EVENT_DENY);
		EXPECT_EQ(e->verdict, EGRESS_VERDICT_DENY);
		EXPECT_EQ(e->family, AF_INET);
		EXPECT_EQ(std::memcmp(e->daddr, denied, 4), 0);
		EXPECT_EQ(e->cgroup_id, cg_->id());
		EXPECT_NE(e->sock_cookie, 0u);
		EXPECT_EQ(e->policy_generation, 7u);
		if (dp.skeleton()->rodata->task_info) {
			EXPECT_EQ(e->pid, static_cast<uint32_t>(client.pid()));
			EXPECT_GT(std::strlen(e->comm), 0u);
		}
	}
	EXPECT_EQ(tcp->proto, IPPROTO_TCP);
	EXPECT_EQ(ntohs(tcp->dport), 443);
	EXPECT_EQ(sendto->proto, IPPROTO_UDP);
	EXPECT_EQ(ntohs(sendto->dport), 5353);
	EXPECT_EQ(probe->proto, IPPROTO_UDP);
	auto counters = dp.counters();
	ASSERT_TRUE(counters.ok());
	EXPECT_EQ((*counters)[EGRESS_COUNTER_INDEX(EGRESS_HOOK_CONNECT4, EGRESS_REASON_NO_RULE)], 5u);
	EXPECT_EQ((*counters)[EGRESS_COUNTER_INDEX(EGRESS_HOOK_CONNECT4, EGRESS_REASON_EVENT_RATE_LIMITED)],
	          4u);
}

TEST_F(DatapathE2e, AServerInTheCgroupAnswersClientsAtNonAllowedAddresses) {
	auto dp = install();
	ChildProcess tcp_server(net_->client(), cg_.get(), []() -> int { run_tcp_greeter("0.0.0.0", 8080); });
	ChildProcess udp_server(net_->client(), cg_.get(), []() -> int { run_udp_echo("0.0.0.0", 8081); });
	// The remote clients (10.200.0.2) are in no rule of the policy.
	EXPECT_EQ(run_in(net_->server(), nullptr, [] { return tcp_hello(NetnsPair::kClientV4, 8080); }), 0);
	EXPECT_EQ(run_in(net_->server(), nullptr,
	                 [] { return udp_echo_round_trip(NetnsPair::kClientV4, 8081, false); }),
	          0);
	auto counters = dp.counters();
	ASSERT_TRUE(counters.ok());
	// The kernel runs cgroup egress for a SYN-ACK with the listener as the socket, so the
	// handshake and the data are judged-socket packets; the UDP echo is a sendmsg4 reply.
	EXPECT_GT((*counters)[EGRESS_COUNTER_INDEX(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_JUDGED_SOCKET)], 0u);
	EXPECT_GT((*counters)[EGRESS_COUNTER_INDEX(EGRESS_HOOK_SENDMSG4, EGRESS_REASON_REPLY)], 0u);
	// But the server cannot start a conversation with that peer on another port.
	EXPECT_EQ(in_client([] { return udp_echo_round_trip(NetnsPair::kServerV4, 5353, false); }), EPERM);
}

TEST_F(DatapathE2e, AuditLetsTrafficThroughAndReportsIt) {
	auto dp = install(EGRESS_MODE_AUDIT);
	EXPECT_EQ(in_client([] { return tcp_hello(kDenied, 443); }), 0);
	auto events = drain_events();
	ASSERT_EQ(events.size(), 1u);
	EXPECT_EQ(events[0].verdict, EGRESS_VERDICT_AUDIT);
	EXPECT_EQ(events[0].reason, EGRESS_REASON_NO_RULE);
	EXPECT_EQ(events[0].hook, EGRESS_HOOK_CONNECT4);
}

TEST_F(DatapathE2e, RawIcmpEchoToADeniedAddressIsBlocked) {
	auto dp = install();
	EXPECT_EQ(in_client([] { return raw_icmp_echo(kDenied); }), EPERM);
	EXPECT_EQ(in_client([] { return raw_icmp_echo(kAllowedAnyPort); }), 0);
	auto events = drain_events();
	ASSERT_EQ(events.size(), 1u);
	EXPECT_EQ(events[0].hook, EGRESS_HOOK_SKB_EGRESS);
	EXPECT_EQ(events[0].reason, EGRESS_REASON_RAW);
	EXPECT_EQ(events[0].proto, IPPROTO_ICMP);
}

// A loader in its own process: installs, says so through a pipe, then waits to be killed.
std::unique_ptr<ChildProcess> start_loader(std::function<void()> install) {
	int ready[2];
	if (pipe(ready) != 0)
		throw std::runtime_error("pipe");
	auto loader = std::make_unique<ChildProcess>("", nullptr, [install, ready] {
		install();
		if (write(ready[1], "r", 1) != 1)
			return 1;
		pause();
		return 0;
	});
	close(ready[1]);
	pollfd p{ready[0], POLLIN, 0};
	char c = 0;
	bool ok = poll(&p, 1, 20000) == 1 && read(ready[0], &c, 1) == 1;
	close(ready[0]);
	if (!ok)
		throw std::runtime_error("the loader did not come up");
	return loader;
}

TEST_F(DatapathE2e, KillingTheLoaderLeavesEnforcementInPlace) {
	auto loader = start_loader([this] { install(); });
	loader->kill(SIGKILL);
	EXPECT_EQ(loader->wait(), 128 + SIGKILL);
	EXPECT_NE(attached_programs().find("connect4"), std::string::npos);
	EXPECT_EQ(in_client([] { return tcp_hello(kDenied, 443); }), EPERM);
	EXPECT_EQ(in_client([] { return tcp_hello(kAllowed, 443); }), 0);
}

TEST_F(DatapathE2e, ASecondLoaderAdoptsThePinsWithoutAGap) {
	auto first = start_loader([this] { install(); });
	first->kill(SIGKILL);
	first->wait();

	int report[2];
	ASSERT_EQ(pipe(report), 0);
	ChildProcess probe(net_->client(), cg_.get(), [report] {
		int runs = 0, violations = 0;
		auto until = std::chrono::steady_clock::now() + 3s;
		while (std::chrono::steady_clock::now() < until) {
			violations += tcp_hello(kAllowed, 443) != 0;
			violations += tcp_hello(kDenied, 443) != EPERM;
			violations += udp_echo_round_trip(kDenied, 5353, false) != EPERM;
			++runs;
		}
		int out[2] = {runs, violations};
		return write(report[1], out, sizeof(out)) == sizeof(out) ? 0 : 1;
	});
	close(report[1]);
	std::optional<kernel::Datapath> second;
	for (int i = 0; i < 5; ++i) {
		std::this_thread::sleep_for(300ms);
		auto dp = kernel::Datapath::load(options());
		ASSERT_TRUE(dp.ok()) << dp.error().to_string();
		EXPECT_TRUE(dp->adopted());
		auto st = dp->attach();
		ASSERT_TRUE(st.ok()) << st.error().to_string();
		second.emplace(std::move(*dp));
	}
	EXPECT_EQ(probe.wait(), 0);
	int result[2] = {0, 0};
	ASSERT_EQ(read(report[0], result, sizeof(result)), static_cast<ssize_t>(sizeof(result)));
	close(report[0]);
	EXPECT_GT(result[0], 10) << "probe iterations";
	EXPECT_EQ(result[1], 0) << "denied connects that succeeded or allowed ones that failed";

	// The links now run the last loader's programs, and nothing was attached twice.
	int link = bpf_obj_get(second->pins().link("connect4").c_str());
	ASSERT_GE(link, 0);
	bpf_link_info info{};
	uint32_t len = sizeof(info);
	ASSERT_EQ(bpf_obj_get_info_by_fd(link, &info, &len), 0);
	close(link);
	bpf_prog_info prog{};
	uint32_t plen = sizeof(prog);
	ASSERT_EQ(bpf_obj_get_info_by_fd(bpf_program__fd(second->skeleton()->progs.connect4), &prog, &plen),
	          0);
	EXPECT_EQ(info.prog_id, prog.id);
	std::string shown = attached_programs();
	size_t count = 0;
	for (size_t pos = shown.find("connect4"); pos != std::string::npos;
	     pos = shown.find("connect4", pos + 1))
		++count;
	EXPECT_EQ(count, 1u) << shown;
}

TEST_F(DatapathE2e, TheTcBackstopReportsOnTheUplinkAndLeavesWithUninstall) {
	// Interfaces are per namespace: the loader and uninstall run where the uplink lives.
	std::string ifname = net_->client_if();
	auto opts = options();
	opts.tc_interface = ifname;
	ASSERT_EQ(run_in(net_->client(), nullptr,
	                 [&] {
		                 auto dp = kernel::Datapath::load(opts);
		                 if (!dp.ok())
			                 return 2;
		                 write_policy(*dp, EGRESS_MODE_ENFORCE);
		                 return dp->attach().ok() ? 0 : 3;
	                 }),
	          0);
	EXPECT_NE(run(NetnsPair::in(net_->client(), "tc filter show dev " + ifname + " egress"))
	              .output.find("tc_backstop"),
	          std::string::npos);
	// A ping from outside the guarded cgroup: only the backstop sees it, and it only reports.
	EXPECT_EQ(run(NetnsPair::in(net_->client(), std::string("ping -c1 -W2 ") + kDenied)).status, 0);
	auto events = drain_events();
	ASSERT_GE(events.size(), 1u);
	EXPECT_EQ(events[0].hook, EGRESS_HOOK_TC);
	EXPECT_EQ(events[0].verdict, EGRESS_VERDICT_AUDIT);
	EXPECT_EQ(events[0].proto, IPPROTO_ICMP);

	ASSERT_EQ(
	    run_in(net_->client(), nullptr, [&] { return kernel::uninstall(opts.pin_dir).ok() ? 0 : 4; }), 0);
	// We created the clsact qdisc, so it goes too.
	EXPECT_EQ(run(NetnsPair::in(net_->client(), "tc qdisc show dev " + ifname)).output.find("clsact"),
	          std::string::npos);
}

TEST_F(DatapathE2e, UninstallLeavesNothingAttached) {
	{
		auto dp = install();
		EXPECT_EQ(in_client([] { return tcp_hello(kDenied, 443); }), EPERM);
	}
	auto st = kernel::uninstall(options().pin_dir);
	ASSERT_TRUE(st.ok()) << st.error().to_string();
	std::string shown = attached_programs();
	for (const char* name : {"connect4", "connect6", "sendmsg4", "sendmsg6", "skb_egress", "skb_ingress"})
		EXPECT_EQ(shown.find(name), std::string::npos) << shown;
	EXPECT_EQ(in_client([] { return tcp_hello(kDenied, 443); }), 0);
}

} // namespace
