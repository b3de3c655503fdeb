// The kernel's name lookup agrees with userspace's KernelNameTable, and rejects collisions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/name_rules.h"
#include "dns_env.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;

TEST(DnsNames, KernelAgreesWithTheUserspaceModelOfTheLookup) {
	EGRESS_REQUIRE_ROOT();
	const std::vector<std::string> patterns = {"mcr.microsoft.com",
	                                           "*.data.mcr.microsoft.com",
	                                           "**.blob.core.windows.net",
	                                           "*.hcp.eastus.azmk8s.io",
	                                           "login.microsoftonline.com",
	                                           "packages.microsoft.com",
	                                           "*.ubuntu.com",
	                                           "**.azurecr.io",
	                                           "acs-mirror.azureedge.net"};
	const std::vector<std::string> names = {"mcr.microsoft.com",
	                                        "eastus.data.mcr.microsoft.com",
	                                        "a.b.data.mcr.microsoft.com",
	                                        "data.mcr.microsoft.com",
	                                        "x.blob.core.windows.net",
	                                        "x.y.z.blob.core.windows.net",
	                                        "blob.core.windows.net",
	                                        "c1.hcp.eastus.azmk8s.io",
	                                        "c1.x.hcp.eastus.azmk8s.io",
	                                        "LOGIN.MICROSOFTONLINE.COM",
	                                        "security.ubuntu.com",
	                                        "ubuntu.com",
	                                        "my.azurecr.io",
	                                        "a.my.azurecr.io",
	                                        "azurecr.io",
	                                        "acs-mirror.azureedge.net",
	                                        "github.com",
	                                        "evilmcr.microsoft.com",
	                                        "com",
	                                        "microsoft.com"};
	DnsEnv dns;
	std::vector<dns::NameRuleInput> rules;
	uint32_t id = 100;
	for (const auto& p : patterns) {
		auto parsed = dns::Pattern::parse(p);
		ASSERT_TRUE(parsed.ok());
		rules.push_back(
		    {*parsed,
		     id,
		     {{static_cast<uint16_t>(id), static_cast<uint16_t>(id), EGRESS_PROTO_TCP, {}}}});
		++id;
	}
	auto entries = dns::rule_entries(rules, dns.check_key());
	ASSERT_TRUE(entries.ok());
	auto names_map = dns.maps().names();
	ASSERT_TRUE(names_map.ok());
	for (const auto& e : *entries)
		ASSERT_TRUE(names_map->put(e.key, e.value).ok());
	dns::KernelNameTable model(*entries, dns.check_key());

	uint16_t qid = 1;
	int i = 0;
	for (const auto& name : names) {
		SCOPED_TRACE(name);
		std::string addr = "203.0.113." + std::to_string(++i);
		dns.exchange(qid, name,
		             DnsBuilder::response(qid).question(name).answer_a_ptr(12, addr, 60).build());
		++qid;
		auto want = model.match(name);
		auto got = dns.learned(addr);
		ASSERT_EQ(got.has_value(), want.has_value());
		if (want) {
			EXPECT_EQ(got->ports.rule_id, want->rule_id);
			EXPECT_EQ(got->name_hash, want->hash);
		}
	}
}

// A first-hash hit whose check hash or label count disagrees is a collision: rejected and
// counted, and the walk goes on to less specific suffixes.
TEST(DnsNames, CollisionsAreRejectedAndCounted) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns;
	dns.query_policy(EGRESS_QUERY_POLICY_ANY); // the learner's own check, not the query's
	auto h = dns::suffix_hashes("victim.example.net", dns.check_key());
	ASSERT_TRUE(h.ok());
	auto names = dns.maps().names();
	ASSERT_TRUE(names.ok());
	dns::NameRuleEntry forged{};
	forged.key.hash = (*h)[0].hash;
	forged.key.kind = EGRESS_NAME_EXACT;
	forged.value.check = (*h)[0].check ^ 1; // what a name colliding only in FNV-1a would carry
	forged.value.kind = EGRESS_NAME_EXACT;
	forged.value.labels = 3;
	forged.value.rule_id = 9;
	forged.value.ports.n_ranges = 1;
	forged.value.ports.ranges[0] = {0, 65535, EGRESS_PROTO_ANY, {}};
	ASSERT_TRUE(names->put(forged.key, forged.value).ok());
	dns.exchange(1, "victim.example.net",
	             DnsBuilder::response(1)
	                 .question("victim.example.net")
	                 .answer_a_ptr(12, "192.0.2.200", 60)
	                 .build());
	EXPECT_FALSE(dns.learned("192.0.2.200"));
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_COLLISION), 1u);
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_NAME_NOT_ALLOWED), 1u);

	// right check, wrong label count: also rejected
	forged.value.check = (*h)[0].check;
	forged.value.labels = 2;
	ASSERT_TRUE(names->put(forged.key, forged.value).ok());
	dns.exchange(2, "victim.example.net",
	             DnsBuilder::response(2)
	                 .question("victim.example.net")
	                 .answer_a_ptr(12, "192.0.2.201", 60)
	                 .build());
	EXPECT_FALSE(dns.learned("192.0.2.201"));
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_COLLISION), 2u);

	// a less specific wildcard still matches after the collision
	dns.allow({"**.example.net"}, 5);
	dns.exchange(3, "victim.example.net",
	             DnsBuilder::response(3)
	                 .question("victim.example.net")
	                 .answer_a_ptr(12, "192.0.2.202", 60)
	                 .build());
	auto v = dns.learned("192.0.2.202");
	ASSERT_TRUE(v.has_value());
	EXPECT_EQ(v->ports.rule_id, 5u);
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_COLLISION), 3u);
}

TEST(DnsNames, EntriesWrittenWithAnotherCheckKeyDoNotMatch) {
	EGRESS_REQUIRE_ROOT();
	DnsEnv dns(1234);
	auto p = dns::Pattern::parse("keyed.example.com");
	ASSERT_TRUE(p.ok());
	auto entries = dns::rule_entries({{*p, 1, {{443, 443, EGRESS_PROTO_TCP, {}}}}}, /*check_key=*/999);
	ASSERT_TRUE(entries.ok());
	auto names = dns.maps().names();
	ASSERT_TRUE(names.ok());
	for (const auto& e : *entries)
		ASSERT_TRUE(names->put(e.key, e.value).ok());
	dns.exchange(1, "keyed.example.com",
	             DnsBuilder::response(1)
	                 .question("keyed.example.com")
	                 .answer_a_ptr(12, "192.0.2.210", 60)
	                 .build());
	EXPECT_FALSE(dns.learned("192.0.2.210"));
	EXPECT_EQ(dns.env().counter(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_DNS_COLLISION), 1u)
	    << "the query's own check (dns.queryPolicy: allowed) sees the mismatch first";
	EXPECT_EQ(dns.env().counter(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_DNS_QUERY_REFUSED), 1u);

	dns.query_policy(EGRESS_QUERY_POLICY_ANY);
	dns.exchange(2, "keyed.example.com",
	             DnsBuilder::response(2)
	                 .question("keyed.example.com")
	                 .answer_a_ptr(12, "192.0.2.210", 60)
	                 .build());
	EXPECT_FALSE(dns.learned("192.0.2.210"));
	EXPECT_EQ(dns.counter(EGRESS_REASON_DNS_COLLISION), 1u) << "and the learner's";
}

} // namespace
