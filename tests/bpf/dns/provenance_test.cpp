// Where a DNS answer comes from and what a query may ask (issue: a pod cannot teach): an answer
// teaches only from the resolver its query went to, only for a query the verdict let out, never
// for a query-only name, and over loopback only when a resolver process on the node sent it. Each
// refusal has its control: the same exchange teaches when the one missing condition holds.
#include <gtest/gtest.h>

#include <optional>

#include "dns/name_rules.h"
#include "dns_env.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;

constexpr uint32_t kPass = 1, kDrop = 0;

Bytes answer(uint16_t id, const char* name, const char* addr) {
	return DnsBuilder::response(id).question(name).answer_a_ptr(12, addr, 60).build();
}

class DnsProvenance : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		dns_.emplace();
		dns_->allow({"**.allowed.example"});
	}
	uint64_t egress_count(uint32_t reason) { return dns_->env().counter(EGRESS_HOOK_SKB_EGRESS, reason); }
	std::optional<DnsEnv> dns_;
};

TEST_F(DnsProvenance, AnAnswerFromAResolverNotAskedTeachesNothing) {
	ASSERT_TRUE(dns_->maps().trust_resolver(ip_bytes("10.0.0.11")).ok());
	dns_->query(7, "x1.allowed.example");
	dns_->respond(answer(7, "x1.allowed.example", "203.0.113.7"), false, kClientPort, "10.0.0.11");
	EXPECT_FALSE(dns_->learned("203.0.113.7")) << "trusted, right id, but not the one asked";
	EXPECT_EQ(dns_->outstanding_queries(), 1u) << "a mismatch leaves the query for its real answer";
	dns_->respond(answer(7, "x1.allowed.example", "203.0.113.7"));
	EXPECT_TRUE(dns_->learned("203.0.113.7")) << "control: the resolver asked";
}

TEST_F(DnsProvenance, AQueryForANameOutsideThePolicyIsRefused) {
	auto r = dns_->env().egress(dns_->query_packet(8, "c2VjcmV0.attacker.example"));
	EXPECT_EQ(r.retval, kDrop) << "DNS tunnelling through the trusted resolver";
	EXPECT_EQ(egress_count(EGRESS_REASON_DNS_QUERY_REFUSED), 1u);
	EXPECT_EQ(dns_->outstanding_queries(), 0u);
	EXPECT_EQ(dns_->env().egress(dns_->query_packet(9, "x2.allowed.example")).retval, kPass);
	EXPECT_EQ(dns_->outstanding_queries(), 1u) << "control: an allowed name is asked and recorded";
	dns_->query_policy(EGRESS_QUERY_POLICY_ANY);
	EXPECT_EQ(dns_->env().egress(dns_->query_packet(10, "c2VjcmV0.attacker.example")).retval, kPass)
	    << "dns.queryPolicy: any lets every name be asked";
}

TEST_F(DnsProvenance, AQueryTheVerdictDroppedLeavesNothingOutstanding) {
	// Trusted but not allowed by any rule (not in the floor): the query dies with EPERM, and an
	// answer "to it" (spoofed, since none can come) finds nothing to match.
	ASSERT_TRUE(dns_->maps().trust_resolver(ip_bytes("10.0.0.12")).ok());
	Bytes q = PacketBuilder()
	              .ethernet()
	              .ipv4(kClient4, "10.0.0.12")
	              .udp(kClientPort, 53)
	              .payload(DnsBuilder::query(11).question("x3.allowed.example").build())
	              .build();
	EXPECT_EQ(dns_->env().egress(q).retval, kDrop);
	EXPECT_EQ(dns_->outstanding_queries(), 0u);
	dns_->respond(answer(11, "x3.allowed.example", "203.0.113.11"), false, kClientPort, "10.0.0.12");
	EXPECT_FALSE(dns_->learned("203.0.113.11"));
}

TEST_F(DnsProvenance, QueryOnlyNamesAreAskedButNeverTeach) {
	auto p = dns::Pattern::parse("**.cluster.local");
	ASSERT_TRUE(p.ok());
	auto entries = dns::rule_entries({{*p, 90, {}, true}}, dns_->check_key());
	ASSERT_TRUE(entries.ok());
	auto names = dns_->maps().names();
	ASSERT_TRUE(names.ok());
	for (const auto& e : *entries)
		ASSERT_TRUE(names->put(e.key, e.value).ok());
	const char* svc = "kubernetes.default.svc.cluster.local";
	EXPECT_EQ(dns_->env().egress(dns_->query_packet(12, svc)).retval, kPass) << "may be asked";
	dns_->respond(answer(12, svc, "203.0.113.12"));
	EXPECT_FALSE(dns_->learned("203.0.113.12")) << "an answer for a query-only name teaches nothing";
	dns_->exchange(13, "x4.allowed.example", answer(13, "x4.allowed.example", "203.0.113.13"));
	EXPECT_TRUE(dns_->learned("203.0.113.13")) << "control";
}

TEST_F(DnsProvenance, OverLoopbackOnlyTheNodesResolverProcessTeaches) {
	ASSERT_TRUE(dns_->maps().trust_resolver(ip_bytes("127.0.0.53")).ok());
	auto query = [&](uint16_t id, const char* name) {
		return PacketBuilder()
		    .ethernet()
		    .ipv4("127.0.0.1", "127.0.0.53")
		    .udp(kClientPort, 53)
		    .payload(DnsBuilder::query(id).question(name).build())
		    .build();
	};
	auto reply = [&](uint16_t id, const char* name, const char* addr) {
		return PacketBuilder()
		    .ethernet()
		    .ipv4("127.0.0.53", "127.0.0.1")
		    .udp(53, kClientPort)
		    .payload(answer(id, name, addr))
		    .build();
	};
	// A process answering itself "from" the stub (as a pod binding 127.0.0.53:53 in its own
	// namespace would): the answer never left a resolver's socket.
	ASSERT_EQ(dns_->env().egress(query(14, "x5.allowed.example"), Device::loopback).retval, kPass);
	Bytes forged = reply(14, "x5.allowed.example", "203.0.113.14");
	ASSERT_EQ(dns_->env().egress(forged, Device::loopback).retval, kPass);
	ASSERT_EQ(dns_->env().ingress(forged, Device::loopback).retval, kPass);
	EXPECT_FALSE(dns_->learned("203.0.113.14"));
	EXPECT_GE(dns_->counter(EGRESS_REASON_DNS_UNTRUSTED), 1u);

	// Control: the same exchange when the sender's cgroup is the node resolver's.
	auto resolvers = dns_->maps().resolver_cgroups();
	ASSERT_TRUE(resolvers.ok());
	ASSERT_TRUE(resolvers->put(this_process_cgroup().id, 1).ok());
	ASSERT_EQ(dns_->env().egress(query(15, "x6.allowed.example"), Device::loopback).retval, kPass);
	Bytes real = reply(15, "x6.allowed.example", "203.0.113.15");
	ASSERT_EQ(dns_->env().egress(real, Device::loopback).retval, kPass);
	ASSERT_EQ(dns_->env().ingress(real, Device::loopback).retval, kPass);
	EXPECT_TRUE(dns_->learned("203.0.113.15"));
}

} // namespace
