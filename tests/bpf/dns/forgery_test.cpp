// Anti-forgery: only a trusted resolver's answer to a query this cgroup's socket sent teaches,
// and each query teaches once.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <optional>

#include "dns/name_rules.h"
#include "dns_env.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;

Bytes answer(uint16_t id, const char* name, const char* addr) {
	return DnsBuilder::response(id).question(name).answer_a_ptr(12, addr, 60).build();
}

class DnsForgery : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		dns_.emplace();
		dns_->allow({"api.github.com"});
	}
	std::optional<DnsEnv> dns_;
};

TEST_F(DnsForgery, AQueryIsRecordedAtEgressAndConsumedByItsAnswer) {
	auto& dns = *dns_;
	dns.query(0xbeef, "api.github.com");
	auto q = dns.maps().queries();
	ASSERT_TRUE(q.ok());
	auto entries = q->entries();
	ASSERT_TRUE(entries.ok());
	ASSERT_EQ(entries->size(), 1u);
	const auto& [k, v] = (*entries)[0];
	EXPECT_EQ(k.local_port, htons(kClientPort));
	EXPECT_EQ(k.dns_id, htons(0xbeef));
	EXPECT_EQ(k.family, AF_INET);
	EXPECT_NE(k.cgroup_id, 0u);
	auto hashes = dns::suffix_hashes("api.github.com", dns.check_key());
	ASSERT_TRUE(hashes.ok());
	EXPECT_EQ(v.qname_hash, (*hashes)[0].hash);
	EXPECT_GT(v.sent_ns, 0u);

	dns.respond(answer(0xbeef, "api.github.com", "140.82.112.5"));
	EXPECT_TRUE(dns.learned("140.82.112.5"));
	EXPECT_EQ(dns.outstanding_queries(), 0u);
	// A replay of the same answer finds no query any more.
	ASSERT_TRUE(dns.maps().names().ok());
	dns.respond(answer(0xbeef, "api.github.com", "140.82.112.6"));
	EXPECT_FALSE(dns.learned("140.82.112.6"));
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_NO_QUERY), 1u);
}

TEST_F(DnsForgery, AnAnswerNobodyAskedForTeachesNothing) {
	auto& dns = *dns_;
	dns.respond(answer(0x1111, "api.github.com", "6.6.6.6"));
	EXPECT_FALSE(dns.learned("6.6.6.6"));
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_NO_QUERY), 1u);
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_LEARNED), 0u);
}

TEST_F(DnsForgery, WrongIdTeachesNothingAndLeavesTheQuery) {
	auto& dns = *dns_;
	dns.query(0x2222, "api.github.com");
	dns.respond(answer(0x2223, "api.github.com", "6.6.6.6"));
	EXPECT_FALSE(dns.learned("6.6.6.6"));
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_NO_QUERY), 1u);
	EXPECT_EQ(dns.outstanding_queries(), 1u);
	// the real answer still teaches
	dns.respond(answer(0x2222, "api.github.com", "140.82.112.7"));
	EXPECT_TRUE(dns.learned("140.82.112.7"));
}

TEST_F(DnsForgery, AnotherQuestionUnderTheSameIdTeachesNothing) {
	auto& dns = *dns_;
	dns.allow({"evil.example"});
	dns.query(0x3333, "api.github.com");
	dns.respond(answer(0x3333, "evil.example", "6.6.6.6"));
	EXPECT_FALSE(dns.learned("6.6.6.6"));
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_NO_QUERY), 1u);
}

TEST_F(DnsForgery, AnotherLocalPortTeachesNothing) {
	auto& dns = *dns_;
	dns.query(0x4444, "api.github.com", false, 41000);
	dns.respond(answer(0x4444, "api.github.com", "6.6.6.6"), false, 41001);
	EXPECT_FALSE(dns.learned("6.6.6.6"));
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_NO_QUERY), 1u);
}

TEST_F(DnsForgery, AnIpv4QueryDoesNotVouchForAnIpv6Answer) {
	auto& dns = *dns_;
	dns.query(0x5555, "api.github.com", /*v6=*/false);
	dns.respond(answer(0x5555, "api.github.com", "6.6.6.6"), /*v6=*/true);
	EXPECT_FALSE(dns.learned("6.6.6.6"));
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_NO_QUERY), 1u);
}

TEST_F(DnsForgery, AnUntrustedSourceTeachesNothingEvenWithTheRightId) {
	auto& dns = *dns_;
	dns.query(0x6666, "api.github.com");
	dns.respond(answer(0x6666, "api.github.com", "6.6.6.6"), false, kClientPort, "10.9.9.9");
	EXPECT_FALSE(dns.learned("6.6.6.6"));
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_UNTRUSTED), 1u);
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_PARSED), 0u);
	dns.respond(answer(0x6666, "api.github.com", "6.6.6.7"), true, kClientPort, "fd00:99::1");
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_UNTRUSTED), 2u);
	// Trusting the resolver later does not trust answers that came before.
	EXPECT_EQ(dns.learned_count(), 0u);
}

TEST_F(DnsForgery, OnlyQueriesAreRecorded) {
	auto& dns = *dns_;
	// a response leaving the host (a local DNS server) and a query to another port
	ASSERT_EQ(dns.env().egress(dns.response_packet(answer(0x7777, "api.github.com", "6.6.6.6"))).err, 0);
	ASSERT_EQ(dns.env()
	              .egress(PacketBuilder()
	                          .ethernet()
	                          .ipv4(kClient4, kResolver4)
	                          .udp(kClientPort, 5353)
	                          .payload(DnsBuilder::query(0x7778).question("api.github.com").build())
	                          .build())
	              .err,
	          0);
	EXPECT_EQ(dns.outstanding_queries(), 0u);
}

} // namespace
