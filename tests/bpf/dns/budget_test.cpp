// The verifier's cost of DNS learning, and the ABI the learner shares with userspace.
#include <gtest/gtest.h>

#include <bpf/bpf.h>

#include <cstddef>
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <bpf/libbpf.h>

#include "dns_env.h"
#include "egress.skel.h"
#include "root.h"
#include "verifier_steps.h"

namespace {

using namespace egress;
using namespace egress::testlib;

// 25% of the 1M-instruction limit, for the programs DNS learning lives in (and its subprograms,
// which the kernel counts in the program's total).
TEST(DnsBudget, IngressAndEgressStayUnderAQuarterOfTheVerifierLimit) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	int seen = 0;
	for (const auto& p : verifier_steps(dns.env().dp())) {
		if (p.name != "skb_ingress" && p.name != "skb_egress")
			continue;
		++seen;
		std::printf("verifier %-12s %7u insns  (verified_insns %u)\n", p.name.c_str(), p.steps(),
		            p.verified_insns);
		EXPECT_LT(p.steps(), kVerifierInsnLimit / 4) << p.name;
	}
	EXPECT_EQ(seen, 2);
}

TEST(DnsAbi, LayoutsMatchTheKernelMaps) {
	static_assert(sizeof(egress_dns_settings) == 24);
	static_assert(offsetof(egress_dns_settings, check_key) == 0);
	static_assert(offsetof(egress_dns_settings, min_ttl_s) == 8);
	static_assert(offsetof(egress_dns_settings, max_ttl_s) == 12);
	static_assert(offsetof(egress_dns_settings, grace_s) == 16);
	static_assert(offsetof(egress_dns_settings, query_policy) == 20);
	static_assert(sizeof(egress_dns_query_key) == 32);
	static_assert(offsetof(egress_dns_query_key, local_addr) == 8);
	static_assert(offsetof(egress_dns_query_key, local_port) == 24);
	static_assert(offsetof(egress_dns_query_key, dns_id) == 26);
	static_assert(offsetof(egress_dns_query_key, family) == 28);
	static_assert(sizeof(egress_dns_query_value) == 32);
	static_assert(offsetof(egress_dns_query_value, resolver) == 16);
	static_assert(sizeof(egress_dns_local_key) == 24);
	static_assert(sizeof(egress_dns_resolver4_key) == 4);
	static_assert(sizeof(egress_dns_resolver6_key) == 16);
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	// The kernel's key/value sizes, checked by TypedMap::open, must agree with the structs.
	EXPECT_TRUE(dns.maps().names().ok());
	EXPECT_TRUE(dns.maps().queries().ok());
	EXPECT_TRUE(dns.maps().read_settings().ok());
	EXPECT_TRUE(dns.maps().resolver_cgroups().ok());
	EXPECT_TRUE(dns.maps().local_answers().ok());
	for (auto id : {kernel::MapId::names, kernel::MapId::dns_settings, kernel::MapId::dns_resolvers4,
	                kernel::MapId::dns_resolvers6, kernel::MapId::dns_queries, kernel::MapId::dns_local,
	                kernel::MapId::dns_resolver_cgroups}) {
		bpf_map_info info{};
		uint32_t len = sizeof(info);
		ASSERT_EQ(bpf_obj_get_info_by_fd(dns.env().dp().map_fd(id), &info, &len), 0);
		EXPECT_EQ(std::string(kernel::map_name(id)).substr(0, 15), std::string(info.name));
	}
	auto settings = dns.maps().read_settings();
	ASSERT_TRUE(settings.ok());
	EXPECT_EQ(settings->check_key, dns.check_key());
}

// What parsing costs per response (issue 5 item 5, informational): the median of single
// BPF_PROG_TEST_RUN runs of cgroup_skb/ingress, each answering a fresh query (a response consumes
// its query, so runs cannot be repeated in the kernel). Includes about 25 ns of harness.
TEST(DnsCost, NanosecondsPerResponseAt1_4_16Answers) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	dns.allow({"cost.example.com"});
	std::printf("%-28s %8s\n", "response", "ns/run");
	for (int answers : {1, 4, 16}) {
		auto b = DnsBuilder::response(0x5151).question("cost.example.com");
		for (int i = 0; i < answers; ++i)
			b.answer_a_ptr(12, "198.18.0." + std::to_string(i + 1), 60);
		const Bytes pkt = dns.response_packet(b.build());
		std::vector<uint32_t> ns;
		const uint64_t learned_before = dns.counter(EGRESS_REASON_DNS_LEARNED);
		for (int run = 0; run < 301; ++run) {
			dns.query(0x5151, "cost.example.com");
			auto r =
			    prog_test_run(bpf_program__fd(dns.env().dp().skeleton()->progs.skb_ingress), pkt);
			ASSERT_EQ(r.err, 0);
			ns.push_back(r.duration_ns);
		}
		EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_LEARNED) - learned_before, 301u * answers);
		std::nth_element(ns.begin(), ns.begin() + 150, ns.end());
		std::printf("allowed, %2d x A%16s %8u\n", answers, "", ns[150]);
		(void)dns.drain_learn_events();
	}
	// the cheap exits: an untrusted source, and a response nobody asked for
	for (const char* what : {"untrusted source", "no outstanding query"}) {
		const bool untrusted = std::string(what) == "untrusted source";
		const Bytes pkt = dns.response_packet(DnsBuilder::response(0x5252)
		                                          .question("cost.example.com")
		                                          .answer_a_ptr(12, "198.18.1.1", 60)
		                                          .build(),
		                                      false, kClientPort, untrusted ? "10.9.9.9" : "");
		auto r =
		    prog_test_run(bpf_program__fd(dns.env().dp().skeleton()->progs.skb_ingress), pkt, 1000);
		ASSERT_EQ(r.err, 0);
		std::printf("%-28s %8u\n", what, r.duration_ns);
	}
}

} // namespace
