// The explainer (userspace/verdict/explain.h) against the loaded programs, on a generated table:
// every combination of what the floor, learned and CIDR maps hold for a destination (nothing, an
// entry allowing the port, one for other ports; learned entries live or expired), for TCP and
// UDP, IPv4, IPv6 and IPv4-mapped IPv6, through
//   - cgroup/connect4|6: a real connect() from a process in the datapath's cgroup (in a network
//     namespace of its own with no route out, so nothing leaves even when allowed);
//   - cgroup/sendmsg4|6: a real unconnected sendto() likewise;
//   - cgroup_skb/egress: BPF_PROG_TEST_RUN of a packet no socket judged;
//   - the pod program (pod_ingress, Path::packet too): a frame from a pod, of a flow its flow
//     table does not know yet, from the pod's own address.
// The kernel's verdict and reason are read from its per-CPU counters (each judgement counts one
// [hook][reason]); EPERM must agree with the verdict. The explainer gets the same map contents
// through kernel::VerdictMaps, as egressd's `check` does. Every row must agree.
//
// Also here: the 32-label limit of the DNS learner, answered through cgroup_skb/ingress, against
// explain_name().
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "common/abi_names.h"
#include "datapath_env.h"
#include "dns_env.h"
#include "root.h"
#include "verdict/explain.h"

namespace {

using namespace egress;
using namespace egress::testlib;

constexpr uint64_t kSecond = 1'000'000'000ULL;

enum class Floor { none, allow, other };
enum class Learned { none, live, live_other, expired };
enum class Cidr { none, allow, other };
enum class Family3 { v4, v6, mapped };

struct Row {
	Floor floor;
	Learned learned;
	Cidr cidr;
	uint8_t proto;
	verdict::Path path;
	Family3 family;
	std::string dst;  // as the socket or packet names it
	std::string key;  // the address the maps are keyed by (mapped: the IPv4 one)
	bool pod = false; // Path::packet through pod_ingress instead of cgroup_skb/egress

	std::string name() const {
		static const char* f[] = {"-", "floor", "floor-other"};
		static const char* l[] = {"-", "learned", "learned-other", "expired"};
		static const char* c[] = {"-", "cidr", "cidr-other"};
		static const char* p[] = {"connect", "sendmsg", "packet"};
		return std::string(f[int(floor)]) + "/" + l[int(learned)] + "/" + c[int(cidr)] + " " +
		       (proto == EGRESS_PROTO_TCP ? "tcp" : "udp") + " " + p[int(path)] +
		       (pod ? "(pod)" : "") + " " + dst;
	}
};

constexpr uint16_t kPort = 443;

egress_ports allowing(uint8_t proto) {
	return make_ports({{proto, kPort, kPort}});
}
egress_ports other_ports() {
	return make_ports({{EGRESS_PROTO_TCP, 8443, 8443}});
}

class VerdictAgreement : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		env_ = std::make_unique<DatapathEnv>();
		env_->set_mode(EGRESS_MODE_ENFORCE);
		// The pod behind interface 1 (where BPF_PROG_TEST_RUN runs the pod program) sends from
		// the addresses packet_call() uses.
		env_->pod(1, {"10.200.0.1/32", "fd00:200::1/128"}, 77);
		auto st = env_->dp().attach();
		ASSERT_TRUE(st.ok()) << st.error().to_string();
	}

	std::vector<Row> table() {
		std::vector<Row> rows;
		int n = 0;
		for (auto fam : {Family3::v4, Family3::v6, Family3::mapped})
			for (auto proto : {uint8_t(EGRESS_PROTO_TCP), uint8_t(EGRESS_PROTO_UDP)})
				for (auto path : {verdict::Path::connect, verdict::Path::sendmsg,
				                  verdict::Path::packet}) {
					if (path == verdict::Path::sendmsg && proto != EGRESS_PROTO_UDP)
						continue; // sendmsg hooks see unconnected UDP only
					if (path == verdict::Path::packet && fam == Family3::mapped)
						continue; // a mapped address is a socket's, not a header's
					for (bool pod : {false, true})
						for (int f = 0; f < 3; ++f)
							for (int l = 0; l < 4; ++l)
								for (int c = 0; c < 3; ++c) {
									++n;
									if (pod &&
									    path != verdict::Path::packet)
										continue;
									Row r{Floor(f), Learned(l), Cidr(c),
									      proto,    path,       fam,
									      "",       "",         pod};
									std::string v4 =
									    "198.18." +
									    std::to_string(n / 250) + "." +
									    std::to_string(n % 250 + 1);
									std::string v6 = "2001:db8:77::" +
									                 std::to_string(n);
									r.key = fam == Family3::v6 ? v6 : v4;
									r.dst = fam == Family3::mapped
									            ? "::ffff:" + v4
									            : r.key;
									rows.push_back(r);
								}
				}
		// Loopback is never judged by the maps.
		rows.push_back({Floor::none, Learned::none, Cidr::none, EGRESS_PROTO_TCP,
		                verdict::Path::connect, Family3::v4, "127.0.0.5", "127.0.0.5"});
		rows.push_back({Floor::other, Learned::none, Cidr::none, EGRESS_PROTO_UDP,
		                verdict::Path::connect, Family3::v6, "::1", "::1"});
		return rows;
	}

	void write(const Row& r) {
		uint64_t now = boot_ns_now();
		std::string cidr = r.key + (r.key.find(':') == std::string::npos ? "/32" : "/128");
		if (r.floor != Floor::none)
			env_->floor(cidr, r.floor == Floor::allow ? allowing(r.proto) : other_ports());
		if (r.learned != Learned::none)
			env_->learn(r.key,
			            r.learned == Learned::expired ? now - 10 * kSecond : now + 3600 * kSecond,
			            r.learned == Learned::live_other ? other_ports() : allowing(r.proto));
		if (r.cidr != Cidr::none)
			env_->cidr(cidr, r.cidr == Cidr::allow ? allowing(r.proto) : other_ports());
	}

	// The hook that judges the row in the kernel.
	static uint32_t hook_of(const Row& r) {
		bool v6 = r.family != Family3::v4;
		switch (r.path) {
		case verdict::Path::connect:
			return v6 ? EGRESS_HOOK_CONNECT6 : EGRESS_HOOK_CONNECT4;
		case verdict::Path::sendmsg:
			// udpv6_sendmsg hands a v4-mapped destination to udp_sendmsg, whose hook is sendmsg4.
			return r.family == Family3::v6 ? EGRESS_HOOK_SENDMSG6 : EGRESS_HOOK_SENDMSG4;
		case verdict::Path::packet:
			break;
		}
		return r.pod ? EGRESS_HOOK_POD : EGRESS_HOOK_SKB_EGRESS;
	}

	// connect() or sendto() from the cgroup, in an empty network namespace: the errno (0 for none).
	int socket_call(const Row& r) {
		return run_in("", &env_->cgroup(), [r]() -> int {
			if (unshare(CLONE_NEWNET) != 0)
				return 200;
			bool v6 = r.family != Family3::v4;
			int type = r.proto == EGRESS_PROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
			int fd = socket(v6 ? AF_INET6 : AF_INET, type | SOCK_NONBLOCK, 0);
			if (fd < 0)
				return 201;
			sockaddr_storage ss{};
			socklen_t len;
			if (v6) {
				auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
				a->sin6_family = AF_INET6;
				a->sin6_port = htons(kPort);
				inet_pton(AF_INET6, r.dst.c_str(), &a->sin6_addr);
				len = sizeof(*a);
			} else {
				auto* a = reinterpret_cast<sockaddr_in*>(&ss);
				a->sin_family = AF_INET;
				a->sin_port = htons(kPort);
				inet_pton(AF_INET, r.dst.c_str(), &a->sin_addr);
				len = sizeof(*a);
			}
			int rc = r.path == verdict::Path::sendmsg
			             ? static_cast<int>(
			                   sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&ss), len))
			             : connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
			return rc < 0 ? errno : 0;
		});
	}

	uint32_t packet_call(const Row& r) {
		PacketBuilder b = PacketBuilder().ethernet();
		if (r.family == Family3::v6)
			b.ipv6("fd00:200::1", r.dst);
		else
			b.ipv4("10.200.0.1", r.dst);
		if (r.proto == EGRESS_PROTO_TCP)
			b.tcp(40000, kPort).syn();
		else
			b.udp(40000, kPort).payload("x");
		if (r.pod)
			return env_->pod_in(b.build()).retval == static_cast<uint32_t>(TC_ACT_SHOT) ? 0 : 1;
		return env_->egress(b.build()).retval;
	}

	// The verdict-class reason whose counter moved on `hook`.
	static std::vector<unsigned> moved(const std::vector<uint64_t>& before,
	                                   const std::vector<uint64_t>& after, uint32_t hook) {
		std::vector<unsigned> out;
		for (unsigned reason = 0; reason < EGRESS_REASON_MAX; ++reason) {
			auto c = reason_class(reason);
			if (c != ReasonClass::allow && c != ReasonClass::deny)
				continue;
			size_t i = EGRESS_COUNTER_INDEX(hook, reason);
			if (after[i] != before[i])
				out.push_back(reason);
		}
		return out;
	}

	std::unique_ptr<DatapathEnv> env_;
};

TEST_F(VerdictAgreement, TheExplainerAndTheLoadedProgramsGiveTheSameVerdictAndReasonOnEveryRow) {
	auto rows = table();
	ASSERT_GT(rows.size(), 550u);
	size_t checked = 0;
	for (const auto& r : rows) {
		SCOPED_TRACE(r.name());
		write(r);
		auto before = env_->dp().counters();
		ASSERT_TRUE(before.ok());
		int err = 0;
		uint32_t retval = 1;
		if (r.path == verdict::Path::packet)
			retval = packet_call(r);
		else
			err = socket_call(r);
		ASSERT_LT(err, 200) << "the probe process failed to set up";
		auto after = env_->dp().counters();
		ASSERT_TRUE(after.ok());
		auto reasons = moved(*before, *after, hook_of(r));
		ASSERT_EQ(reasons.size(), 1u) << "one judgement, one counter";
		unsigned kernel_reason = reasons[0];
		bool kernel_allowed = reason_allows(kernel_reason);
		if (r.path == verdict::Path::packet)
			EXPECT_EQ(retval, kernel_allowed ? 1u : 0u);
		else
			EXPECT_EQ(err == EPERM, !kernel_allowed) << "errno " << err;

		verdict::AddressQuery q{*parse_ip(r.dst), r.proto, kPort, r.path, false};
		auto entries = verdict::lookup(env_->dp().verdict_maps(), verdict::judged_address(q));
		ASSERT_TRUE(entries.ok()) << entries.error().to_string();
		auto v = verdict::explain(*entries, q, boot_ns_now());
		EXPECT_EQ(reason_name(v.reason), reason_name(kernel_reason));
		EXPECT_EQ(v.allowed, kernel_allowed);
		++checked;
	}
	EXPECT_EQ(checked, rows.size());
}

TEST(VerdictAgreementNames, TheLearnersLabelLimitIsTheExplainers) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	dns.allow({"**.example.com"});
	auto rule = dns::Pattern::parse("**.example.com");
	ASSERT_TRUE(rule.ok());
	auto entries = dns::rule_entries({{*rule, 10, {{443, 443, EGRESS_PROTO_TCP, {}}}}}, dns.check_key());
	ASSERT_TRUE(entries.ok());
	dns::KernelNameTable table(*entries, dns.check_key());
	std::string name = "example.com";
	uint16_t id = 0x4000;
	int learned_addresses = 0;
	for (int labels = 3; labels <= EGRESS_DNS_MAX_LABELS + 2; ++labels) {
		name = "a." + name;
		SCOPED_TRACE(std::to_string(labels) + " labels");
		std::string addr = "198.19.0." + std::to_string(labels);
		auto answer = DnsBuilder::response(++id).question(name).answer_a(name, addr, 300).build();
		dns.exchange(id, name, answer);
		bool kernel_learned = dns.learned(addr).has_value();
		auto v = verdict::explain_name(table, name, EGRESS_PROTO_TCP, 443);
		EXPECT_EQ(kernel_learned, v.learnable && v.allowed);
		EXPECT_EQ(v.learnable, labels <= EGRESS_DNS_MAX_LABELS);
		learned_addresses += kernel_learned;
	}
	EXPECT_EQ(learned_addresses, EGRESS_DNS_MAX_LABELS - 2) << "3 .. 32 labels";
}

} // namespace
