// In-kernel DNS learning on a real stack: dnsmasq answers in the server namespace; the client
// process sits in a child cgroup with the datapath attached; name rules are written the way the
// daemon writes them. What the tests prove is the point of DESIGN.md 4: the address is allowed by
// the time the application has read the answer, so an immediate connect() succeeds.
//
//   allowed names: api.allowed.test, *.hcp.eastus.azmk8s.io (tcp/443)
//   dnsmasq:       api.allowed.test -> .20, outside.test -> .21,
//                  c1.hcp.eastus.azmk8s.io -> .22, a.b.hcp.eastus.azmk8s.io -> .23 (198.51.100.x)
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "dns/message.h"
#include "dns/name_match.h"
#include "dns/name_rules.h"
#include "dnsmasq.h"
#include "fixtures.h"
#include "kernel/datapath.h"
#include "kernel/dns_maps.h"
#include "kernel/event_reader.h"
#include "kernel/map_writer.h"
#include "net_probe.h"
#include "packet_builder.h"
#include "datapath_env.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;
using namespace std::chrono_literals;

constexpr const char* kResolver = NetnsPair::kServerV4;
constexpr const char* kClient = NetnsPair::kClientV4;
constexpr uint64_t kCheckKey = 0x0123456789abcdefULL;
constexpr uint16_t kVictimPort = 45353;

// Exit codes of the client processes, besides 0 and an errno from connect().
constexpr int kLookupFailed = 200;
constexpr int kNoAddress = 201;
constexpr int kWrongAddress = 202;

// One A lookup over a connected UDP socket (what glibc's stub resolver does), no caching.
int lookup(const std::string& name, std::string& addr) {
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return kLookupFailed;
	sockaddr_in to{};
	to.sin_family = AF_INET;
	to.sin_port = htons(53);
	inet_pton(AF_INET, kResolver, &to.sin_addr);
	uint16_t id = static_cast<uint16_t>(getpid() * 7919u);
	auto q = dns::build_query(id, name, dns::kTypeA);
	uint8_t buf[1500];
	ssize_t n = -1;
	if (q.ok() && connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) == 0 &&
	    send(fd, q->data(), q->size(), 0) == static_cast<ssize_t>(q->size())) {
		pollfd p{fd, POLLIN, 0};
		if (poll(&p, 1, 3000) == 1)
			n = recv(fd, buf, sizeof(buf), 0);
	}
	close(fd);
	if (n <= 0)
		return kLookupFailed;
	auto msg = dns::parse_message(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
	if (!msg.ok())
		return kLookupFailed;
	auto chain = dns::answer_chain(*msg);
	if (chain.addresses.empty())
		return kNoAddress;
	addr = chain.addresses[0].address.to_string();
	return 0;
}

// The client: resolve, then connect at once (no sleep, no retry).
int resolve_then_connect(const std::string& name, const std::string& expected) {
	std::string addr;
	if (int r = lookup(name, addr))
		return r;
	if (addr != expected)
		return kWrongAddress;
	return tcp_hello(addr, 443);
}

class DnsLearningE2e : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		net_ = std::make_unique<NetnsPair>();
		cg_ = std::make_unique<ChildCgroup>();
		pins_ = std::make_unique<PinDir>();
		for (const char* a :
		     {"198.51.100.20/32", "198.51.100.21/32", "198.51.100.22/32", "198.51.100.23/32"})
			net_->add_server_address(a);
		greeter_ = std::make_unique<ChildProcess>(net_->server(), nullptr,
		                                          []() -> int { run_tcp_greeter("0.0.0.0", 443); });
		resolver::e2e::DnsmasqConfig cfg;
		cfg.netns = net_->server();
		cfg.listen = kResolver;
		cfg.port = 53;
		cfg.records = {"--host-record=api.allowed.test,198.51.100.20",
		               "--host-record=outside.test,198.51.100.21",
		               "--host-record=c1.hcp.eastus.azmk8s.io,198.51.100.22",
		               "--host-record=a.b.hcp.eastus.azmk8s.io,198.51.100.23"};
		dnsmasq_ = std::make_unique<resolver::e2e::Dnsmasq>(cfg);
		install();
	}

	void TearDown() override {
		dp_.reset();
		if (pins_)
			(void)kernel::uninstall(pins_->path() + "/egress");
	}

	void install() {
		kernel::DatapathOptions o;
		o.cgroup_path = cg_->path();
		o.pin_dir = pins_->path() + "/egress";
		auto dp = kernel::Datapath::load(o);
		if (!dp.ok())
			throw std::runtime_error(dp.error().to_string());
		dp_.emplace(std::move(*dp));
		PolicyWriter p(*dp_);
		p.set_mode(EGRESS_MODE_ENFORCE);
		p.cidr(std::string(kResolver) + "/32", make_ports({{EGRESS_PROTO_UDP, 53, 53}}));

		kernel::DnsMaps dns(*dp_);
		write_dns_settings(EGRESS_QUERY_POLICY_ALLOWED);
		ASSERT_TRUE(dns.trust_resolver(ip_bytes(kResolver)).ok());
		std::vector<dns::NameRuleInput> rules;
		for (const char* text : {"api.allowed.test", "*.hcp.eastus.azmk8s.io"}) {
			auto pat = dns::Pattern::parse(text);
			ASSERT_TRUE(pat.ok());
			rules.push_back({*pat, 7, {{443, 443, EGRESS_PROTO_TCP, {}}}});
		}
		auto entries = dns::rule_entries(rules, kCheckKey);
		ASSERT_TRUE(entries.ok());
		auto names = dns.names();
		ASSERT_TRUE(names.ok());
		for (const auto& e : *entries)
			ASSERT_TRUE(names->put(e.key, e.value).ok());
		auto st = dp_->attach();
		if (!st.ok())
			throw std::runtime_error(st.error().to_string());
	}

	int in_client(std::function<int()> fn) { return run_in(net_->client(), cg_.get(), std::move(fn)); }

	uint64_t counter(uint32_t reason, uint32_t hook = EGRESS_HOOK_SKB_INGRESS) {
		auto all = dp_->counters();
		EXPECT_TRUE(all.ok());
		return all.ok() ? (*all)[EGRESS_COUNTER_INDEX(hook, reason)] : 0;
	}

	void write_dns_settings(uint8_t query_policy) {
		egress_dns_settings s{};
		s.check_key = kCheckKey;
		s.min_ttl_s = 60;
		s.max_ttl_s = 3600;
		s.grace_s = 30;
		s.query_policy = query_policy;
		ASSERT_TRUE(kernel::DnsMaps(*dp_).write_settings(s).ok());
	}

	// dns.queryPolicy: any — for tests of the learner's own name check, which under the default
	// (allowed) the query's check at egress pre-empts.
	void let_every_name_be_asked() { write_dns_settings(EGRESS_QUERY_POLICY_ANY); }

	bool learned(const std::string& addr) {
		egress_learned4_key k{};
		std::memcpy(k.addr, ip_bytes(addr).data(), 4);
		egress_learned_value v{};
		return bpf_map_lookup_elem(dp_->map_fd(kernel::MapId::learned4), &k, &v) == 0;
	}

	std::vector<egress_learn_event> learn_events() {
		std::vector<egress_learn_event> out;
		kernel::EventReader::Handlers h;
		h.learn = [&](const egress_learn_event& e) { out.push_back(e); };
		auto reader = kernel::EventReader::open(dp_->map_fd(kernel::MapId::events), std::move(h));
		EXPECT_TRUE(reader.ok());
		if (reader.ok()) {
			EXPECT_TRUE(reader->consume().ok());
		}
		return out;
	}

	std::unique_ptr<NetnsPair> net_;
	std::unique_ptr<ChildCgroup> cg_;
	std::unique_ptr<PinDir> pins_;
	std::unique_ptr<ChildProcess> greeter_;
	std::unique_ptr<resolver::e2e::Dnsmasq> dnsmasq_;
	std::optional<kernel::Datapath> dp_;
};

TEST_F(DnsLearningE2e, ALookupFollowedAtOnceByConnectSucceeds) {
	// nothing learned yet: the address is denied
	ASSERT_EQ(in_client([] { return tcp_hello("198.51.100.20", 443); }), EPERM);
	// a fresh process each round: no cache anywhere but the kernel's learned map
	for (int round = 0; round < 20; ++round)
		ASSERT_EQ(in_client([] { return resolve_then_connect("api.allowed.test", "198.51.100.20"); }),
		          0)
		    << "round " << round << "\n"
		    << dnsmasq_->log();
	EXPECT_TRUE(learned("198.51.100.20"));
	EXPECT_GE(counter(EGRESS_REASON_DNS_LEARNED), 20u);
	EXPECT_EQ(counter(EGRESS_REASON_DNS_NO_QUERY), 0u);
	auto events = learn_events();
	ASSERT_FALSE(events.empty());
	EXPECT_EQ(std::string(events[0].name), "api.allowed.test");
	EXPECT_EQ(events[0].ttl, 0u); // dnsmasq's local answers: TTL 0, clamped to minTTL
	EXPECT_EQ(events[0].cgroup_id, cg_->id());
	// the port comes from the rule: tcp/443 only
	EXPECT_EQ(in_client([] { return tcp_hello("198.51.100.20", 444); }), EPERM);
}

TEST_F(DnsLearningE2e, ANameOutsideThePolicyStaysDenied) {
	// dns.queryPolicy: allowed: the query itself does not leave (DNS tunnelling), so the lookup fails
	EXPECT_NE(in_client([] { return resolve_then_connect("outside.test", "198.51.100.21"); }), 0);
	EXPECT_GE(counter(EGRESS_REASON_DNS_QUERY_REFUSED, EGRESS_HOOK_SKB_EGRESS), 1u);
	EXPECT_EQ(counter(EGRESS_REASON_DNS_PARSED), 0u) << "no answer came";
	EXPECT_EQ(in_client([] { return tcp_hello("198.51.100.21", 443); }), EPERM);

	// queryPolicy: any: asked and answered, the answer is parsed and teaches nothing
	let_every_name_be_asked();
	EXPECT_EQ(in_client([] { return resolve_then_connect("outside.test", "198.51.100.21"); }), EPERM);
	EXPECT_FALSE(learned("198.51.100.21"));
	EXPECT_GE(counter(EGRESS_REASON_DNS_NAME_NOT_ALLOWED), 1u);
	EXPECT_GE(counter(EGRESS_REASON_DNS_PARSED), 1u);
}

TEST_F(DnsLearningE2e, AOneLabelWildcardLearnsOnlyOneLabelNames) {
	let_every_name_be_asked(); // the learner's check, not the query's
	EXPECT_EQ(in_client([] { return resolve_then_connect("c1.hcp.eastus.azmk8s.io", "198.51.100.22"); }),
	          0);
	EXPECT_EQ(in_client([] { return resolve_then_connect("a.b.hcp.eastus.azmk8s.io", "198.51.100.23"); }),
	          EPERM);
	EXPECT_TRUE(learned("198.51.100.22"));
	EXPECT_FALSE(learned("198.51.100.23"));
}

// Another local process (outside the cgroup, with a raw socket) sends the client a response that
// looks like the resolver's: spoofed source 10.200.0.2:53, an allowed question, an address of its
// choosing. It travels the namespace's loopback device (it is addressed to the namespace's own
// address), where a source that is not the namespace's own is dropped before any socket gets it;
// it teaches nothing.
TEST_F(DnsLearningE2e, AForgedResponseFromAnotherLocalProcessTeachesNothing) {
	auto victim = std::make_unique<ChildProcess>(net_->client(), cg_.get(), []() -> int {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in me{};
		me.sin_family = AF_INET;
		me.sin_port = htons(kVictimPort);
		inet_pton(AF_INET, kClient, &me.sin_addr);
		if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&me), sizeof(me)) != 0)
			return 1;
		pollfd p{fd, POLLIN, 0};
		if (poll(&p, 1, 5000) != 1)
			return 2; // the forged datagram never arrived
		return 0;
	});
	std::this_thread::sleep_for(300ms); // the victim binds
	const int sent = run_in(net_->client(), nullptr, [] {
		Bytes forged = PacketBuilder()
		                   .ipv4(kResolver, kClient)
		                   .udp(53, kVictimPort)
		                   .payload(DnsBuilder::response(0x4242)
		                                .question("api.allowed.test")
		                                .answer_a_ptr(12, "198.51.100.21", 3600)
		                                .build())
		                   .build();
		int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
		sockaddr_in to{};
		to.sin_family = AF_INET;
		inet_pton(AF_INET, kClient, &to.sin_addr);
		if (fd < 0)
			return 1;
		return sendto(fd, forged.data(), forged.size(), 0, reinterpret_cast<sockaddr*>(&to),
		              sizeof(to)) == static_cast<ssize_t>(forged.size())
		           ? 0
		           : 2;
	});
	ASSERT_EQ(sent, 0);
	EXPECT_EQ(victim->wait(), 2) << "dropped on loopback: the forged response never reaches the socket";
	EXPECT_FALSE(learned("198.51.100.21"));
	EXPECT_EQ(counter(EGRESS_REASON_SPOOFED), 1u);
	EXPECT_EQ(counter(EGRESS_REASON_DNS_LEARNED), 0u);
	EXPECT_EQ(in_client([] { return tcp_hello("198.51.100.21", 443); }), EPERM);
	// and the real resolver still teaches the real address
	EXPECT_EQ(in_client([] { return resolve_then_connect("api.allowed.test", "198.51.100.20"); }), 0);
}

} // namespace
