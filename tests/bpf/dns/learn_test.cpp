// What an allowed answer teaches: addresses, expiry, ports, the name hash and the learn event.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "dns/name_rules.h"
#include "dns_env.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;

constexpr uint64_t kS = 1'000'000'000ULL;

uint64_t expected_hash(const DnsEnv& dns, const std::string& pattern, const std::string& name) {
	auto p = dns::Pattern::parse(pattern);
	EXPECT_TRUE(p.ok());
	auto entries = dns::rule_entries({{*p, 10, {{443, 443, EGRESS_PROTO_TCP, {}}}}}, dns.check_key());
	EXPECT_TRUE(entries.ok());
	auto hit = dns::kernel_match(*entries, name, dns.check_key());
	EXPECT_TRUE(hit.has_value()) << name;
	return hit ? hit->hash : 0;
}

std::string ipv4(int i) {
	return "198.51.100." + std::to_string(i);
}

TEST(DnsLearn, AnAllowedAnswerIsLearnedWithPortsExpiryAndEvent) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	dns.allow({"mcr.microsoft.com"}, 42,
	          {{443, 443, EGRESS_PROTO_TCP, {}}, {9000, 9100, EGRESS_PROTO_UDP, {}}});
	dns.settings(60, 3600, 30);
	uint64_t before = boot_ns_now();
	dns.exchange(0x1234, "mcr.microsoft.com",
	             DnsBuilder::response(0x1234)
	                 .question("mcr.microsoft.com")
	                 .answer_a("mcr.microsoft.com", "20.1.2.3", 300)
	                 .build());
	uint64_t after = boot_ns_now();

	auto v = dns.learned("20.1.2.3");
	ASSERT_TRUE(v.has_value());
	EXPECT_GE(v->expires_ns, before + 330 * kS);
	EXPECT_LE(v->expires_ns, after + 330 * kS);
	EXPECT_EQ(v->ttl, 300u);
	EXPECT_EQ(v->name_hash, expected_hash(dns, "mcr.microsoft.com", "mcr.microsoft.com"));
	EXPECT_EQ(v->ports.rule_id, 42u);
	ASSERT_EQ(v->ports.n_ranges, 2u);
	EXPECT_EQ(v->ports.ranges[0].port_lo, 443);
	EXPECT_EQ(v->ports.ranges[1].port_lo, 9000);
	EXPECT_EQ(v->ports.ranges[1].port_hi, 9100);
	EXPECT_EQ(v->ports.ranges[1].proto, EGRESS_PROTO_UDP);
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_PARSED), 1u);
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_LEARNED), 1u);
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_NAME_NOT_ALLOWED), 0u);

	auto events = dns.drain_learn_events();
	ASSERT_EQ(events.size(), 1u);
	const auto& e = events[0];
	EXPECT_EQ(e.type, EGRESS_EVENT_LEARN);
	EXPECT_EQ(e.family, AF_INET);
	EXPECT_EQ(e.ttl, 300u);
	EXPECT_EQ(e.expires_ns, v->expires_ns);
	EXPECT_EQ(std::string(e.name), "mcr.microsoft.com");
	EXPECT_EQ(std::memcmp(e.addr, ip_bytes("20.1.2.3").data(), 4), 0);
	EXPECT_GE(e.ts_ns, before);
	EXPECT_NE(e.cgroup_id, 0u);
}

TEST(DnsLearn, TtlIsClampedAndGraceAdded) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	dns.allow({"*.clamp.test"});
	dns.settings(45, 600, 7);
	uint64_t before = boot_ns_now();
	dns.exchange(1, "zero.clamp.test",
	             DnsBuilder::response(1)
	                 .question("zero.clamp.test")
	                 .answer_a("zero.clamp.test", "192.0.2.1", 0)
	                 .build());
	dns.exchange(2, "long.clamp.test",
	             DnsBuilder::response(2)
	                 .question("long.clamp.test")
	                 .answer_a("long.clamp.test", "192.0.2.2", 86400)
	                 .build());
	uint64_t after = boot_ns_now();
	auto zero = dns.learned("192.0.2.1");
	auto lng = dns.learned("192.0.2.2");
	ASSERT_TRUE(zero && lng);
	EXPECT_GE(zero->expires_ns, before + 52 * kS); // min 45 + grace 7
	EXPECT_LE(zero->expires_ns, after + 52 * kS);
	EXPECT_EQ(zero->ttl, 0u);                      // the answer's own TTL, before clamping
	EXPECT_GE(lng->expires_ns, before + 607 * kS); // max 600 + grace 7
	EXPECT_LE(lng->expires_ns, after + 607 * kS);
	EXPECT_EQ(lng->ttl, 86400u);
}

TEST(DnsLearn, UnsetSettingsMeanTheDefaults) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns(0);
	ASSERT_TRUE(dns.maps().write_settings(egress_dns_settings{}).ok());
	dns.allow({"defaults.test"});
	uint64_t before = boot_ns_now();
	dns.exchange(9, "defaults.test",
	             DnsBuilder::response(9)
	                 .question("defaults.test")
	                 .answer_a("defaults.test", "192.0.2.9", 0)
	                 .build());
	auto v = dns.learned("192.0.2.9");
	ASSERT_TRUE(v.has_value());
	EXPECT_GE(v->expires_ns, before + (EGRESS_DNS_DEFAULT_MIN_TTL_S + EGRESS_DNS_DEFAULT_GRACE_S) * kS);
	EXPECT_LE(v->expires_ns,
	          boot_ns_now() + (EGRESS_DNS_DEFAULT_MIN_TTL_S + EGRESS_DNS_DEFAULT_GRACE_S) * kS);
}

TEST(DnsLearn, AaaaOverBothTransports) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	dns.allow({"v6.example.org"});
	dns.exchange(7, "v6.example.org",
	             DnsBuilder::response(7)
	                 .question("v6.example.org", 28)
	                 .answer_aaaa("v6.example.org", "2001:db8::7", 120)
	                 .answer_aaaa("v6.example.org", "2001:db8::8", 120)
	                 .build(),
	             /*v6=*/true);
	dns.exchange(8, "v6.example.org",
	             DnsBuilder::response(8)
	                 .question("v6.example.org", 28)
	                 .answer_aaaa("v6.example.org", "2001:db8::9", 120)
	                 .build());
	EXPECT_TRUE(dns.learned("2001:db8::7"));
	EXPECT_TRUE(dns.learned("2001:db8::8"));
	EXPECT_TRUE(dns.learned("2001:db8::9"));
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_LEARNED), 3u);
	auto events = dns.drain_learn_events();
	ASSERT_EQ(events.size(), 3u);
	EXPECT_EQ(events[0].family, AF_INET6);
	EXPECT_EQ(std::memcmp(events[0].addr, ip_bytes("2001:db8::7").data(), 16), 0);
}

class DnsAnswerCount : public ::testing::TestWithParam<int> {};

TEST_P(DnsAnswerCount, LearnsUpToTheLimitAndCountsTheRest) {
	EGRESS_REQUIRE_ROOT();
	const int n = GetParam();
	DnsEnv dns;
	dns.allow({"many.example.com"});
	// 64 answers make the message longer than EGRESS_DNS_BUF too: the walk stops at the limit
	// (the first 16 fit) and never reads past the copied bytes.
	auto b = DnsBuilder::response(0x4242).question("many.example.com");
	for (int i = 0; i < n; ++i)
		b.answer_a_ptr(12, ipv4(i + 1), 60);
	dns.exchange(0x4242, "many.example.com", b.build());
	const int learnable = n < EGRESS_DNS_MAX_ANSWERS ? n : EGRESS_DNS_MAX_ANSWERS;
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_LEARNED), static_cast<uint64_t>(learnable));
	EXPECT_EQ(dns.learned_count(), static_cast<size_t>(learnable));
	for (int i = 0; i < n; ++i)
		EXPECT_EQ(dns.learned(ipv4(i + 1)).has_value(), i < learnable) << i;
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_TOO_MANY_RECORDS), n > EGRESS_DNS_MAX_ANSWERS ? 1u : 0u);
	EXPECT_EQ(dns.drain_learn_events().size(), static_cast<size_t>(learnable));
}

INSTANTIATE_TEST_SUITE_P(Answers, DnsAnswerCount, ::testing::Values(1, 4, 16, 64));

TEST(DnsLearn, CompressedOwnersAndUncompressedOwnersAlike) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	dns.allow({"ptr.example.com"});
	dns.exchange(3, "ptr.example.com",
	             DnsBuilder::response(3)
	                 .question("ptr.example.com")
	                 .answer_a_ptr(12, "203.0.113.1", 60)
	                 .answer_a("ptr.example.com", "203.0.113.2", 60)
	                 .build());
	EXPECT_TRUE(dns.learned("203.0.113.1"));
	EXPECT_TRUE(dns.learned("203.0.113.2"));
}

// www.outside.test (not allowed) -> CNAME edge.allowed.net (owner: pointer to the question)
// edge.allowed.net (owner: pointer into the first CNAME's rdata) -> CNAME e1.cdn.test -> A.
Bytes chain_response(uint16_t id) {
	Bytes msg = DnsBuilder::response(id).question("www.outside.test").build();
	size_t first_rdata = msg.size() + 2 + 10; // owner pointer, fixed fields
	append_rr(msg, pointer(12), 5, 300, DnsBuilder::encode_name("edge.allowed.net"));
	size_t second_rdata = msg.size() + 2 + 10;
	append_rr(msg, pointer(static_cast<uint16_t>(first_rdata)), 5, 300,
	          DnsBuilder::encode_name("e1.cdn.test"));
	append_rr(msg, pointer(static_cast<uint16_t>(second_rdata)), 1, 20, ip_bytes("203.0.113.50"));
	append_rr(msg, pointer(static_cast<uint16_t>(second_rdata)), 1, 20, ip_bytes("203.0.113.51"));
	return msg;
}

TEST(DnsLearn, ACnameOwnerInTheChainMatches) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	dns.query_policy(EGRESS_QUERY_POLICY_ANY); // the learner's own check, not the query's
	dns.allow({"edge.allowed.net"}, 77);
	dns.exchange(0x77, "www.outside.test", chain_response(0x77));
	auto v = dns.learned("203.0.113.50");
	ASSERT_TRUE(v.has_value());
	EXPECT_TRUE(dns.learned("203.0.113.51"));
	EXPECT_EQ(v->ports.rule_id, 77u);
	EXPECT_EQ(v->name_hash, expected_hash(dns, "edge.allowed.net", "edge.allowed.net"));
	auto events = dns.drain_learn_events();
	ASSERT_EQ(events.size(), 2u);
	EXPECT_EQ(std::string(events[0].name), "edge.allowed.net");
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_NAME_NOT_ALLOWED), 0u);
}

TEST(DnsLearn, TheQuestionMatchingCoversTheWholeChain) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	dns.allow({"*.outside.test"});
	dns.exchange(0x78, "www.outside.test", chain_response(0x78));
	EXPECT_TRUE(dns.learned("203.0.113.50"));
	EXPECT_TRUE(dns.learned("203.0.113.51"));
	auto events = dns.drain_learn_events();
	ASSERT_EQ(events.size(), 2u);
	EXPECT_EQ(std::string(events[1].name), "www.outside.test");
}

TEST(DnsLearn, AChainOfUnallowedNamesTeachesNothing) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	dns.query_policy(EGRESS_QUERY_POLICY_ANY); // the learner's own check, not the query's
	dns.allow({"e1.cdn.test.example"});
	dns.exchange(0x79, "www.outside.test", chain_response(0x79));
	EXPECT_EQ(dns.learned_count(), 0u);
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_NAME_NOT_ALLOWED), 1u);
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_PARSED), 1u);
}

TEST(DnsLearn, MixedCaseAndTrailingDots) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	dns.allow({"Login.MicrosoftOnline.com."});
	// 0x20 encoding: resolvers echo the client's random case back
	dns.exchange(0x20, "LOGIN.microsoftonline.COM.",
	             DnsBuilder::response(0x20)
	                 .question("LOGIN.microsoftonline.COM.")
	                 .answer_a_ptr(12, "40.126.0.1", 60)
	                 .build());
	ASSERT_TRUE(dns.learned("40.126.0.1"));
	auto events = dns.drain_learn_events();
	ASSERT_EQ(events.size(), 1u);
	EXPECT_EQ(std::string(events[0].name), "login.microsoftonline.com");
}

TEST(DnsLearn, OneLabelWildcardLearnsOnlyOneLabelNames) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	dns.query_policy(EGRESS_QUERY_POLICY_ANY); // the learner's own check, not the query's
	dns.allow({"*.hcp.eastus.azmk8s.io"});
	const std::pair<const char*, const char*> cases[] = {
	    {"mycluster-dns-1a2b3c.hcp.eastus.azmk8s.io", "20.0.0.1"},
	    {"a.b.hcp.eastus.azmk8s.io", "20.0.0.2"},
	    {"hcp.eastus.azmk8s.io", "20.0.0.3"},
	    {"x.hcp.westus.azmk8s.io", "20.0.0.4"},
	    {"evilhcp.eastus.azmk8s.io", "20.0.0.5"},
	};
	uint16_t id = 100;
	for (auto [name, addr] : cases) {
		dns.exchange(id, name,
		             DnsBuilder::response(id).question(name).answer_a_ptr(12, addr, 60).build());
		++id;
	}
	EXPECT_TRUE(dns.learned("20.0.0.1"));
	EXPECT_FALSE(dns.learned("20.0.0.2"));
	EXPECT_FALSE(dns.learned("20.0.0.3"));
	EXPECT_FALSE(dns.learned("20.0.0.4"));
	EXPECT_FALSE(dns.learned("20.0.0.5"));
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_NAME_NOT_ALLOWED), 4u);
}

TEST(DnsLearn, MultiLabelWildcardLearnsDeeperNamesButNotTheDomain) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	dns.allow({"**.blob.core.windows.net"});
	dns.exchange(1, "a.b.blob.core.windows.net",
	             DnsBuilder::response(1)
	                 .question("a.b.blob.core.windows.net")
	                 .answer_a_ptr(12, "20.1.1.1", 60)
	                 .build());
	dns.exchange(2, "blob.core.windows.net",
	             DnsBuilder::response(2)
	                 .question("blob.core.windows.net")
	                 .answer_a_ptr(12, "20.1.1.2", 60)
	                 .build());
	EXPECT_TRUE(dns.learned("20.1.1.1"));
	EXPECT_FALSE(dns.learned("20.1.1.2"));
}

TEST(DnsLearn, OtherRecordTypesAndClassesAreSkipped) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	dns.allow({"mixed.example.com"});
	dns.exchange(5, "mixed.example.com",
	             DnsBuilder::response(5)
	                 .question("mixed.example.com")
	                 .answer_raw("mixed.example.com", 16, 1, 60, {3, 'a', 'b', 'c'})    // TXT
	                 .answer_raw("mixed.example.com", 1, 3, 60, ip_bytes("192.0.2.77")) // A, class CH
	                 .answer_raw("mixed.example.com", 1, 1, 60, {192, 0, 2, 78, 0})     // A, rdlength 5
	                 .answer_a("mixed.example.com", "192.0.2.79", 60)
	                 .build());
	EXPECT_FALSE(dns.learned("192.0.2.77"));
	EXPECT_FALSE(dns.learned("192.0.2.78"));
	EXPECT_TRUE(dns.learned("192.0.2.79"));
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_LEARNED), 1u);
}

} // namespace
