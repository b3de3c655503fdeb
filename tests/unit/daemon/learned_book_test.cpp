#include <gtest/gtest.h>

#include "daemon/learned_book.h"

namespace {

using namespace egress;
using namespace egress::daemon;
using egress::Proto;
using policy::PortRange;

policy::NameRule name(const std::string& pattern, std::vector<PortRange> ports) {
	policy::NameKind kind = pattern.starts_with("**.")  ? policy::NameKind::many_labels
	                        : pattern.starts_with("*.") ? policy::NameKind::one_label
	                                                    : policy::NameKind::exact;
	return {pattern, kind, std::move(ports), {"test"}};
}

verdict::DesiredState state(std::vector<policy::NameRule> names) {
	policy::CompiledPolicy p;
	p.names = std::move(names);
	auto d = verdict::build_desired_state(p);
	EXPECT_TRUE(d.ok()) << d.error().to_string();
	return *d;
}

resolver::AddressChange change(resolver::ChangeKind kind, const std::string& n, const std::string& addr,
                               uint64_t expiry) {
	auto a = parse_ip(addr);
	EXPECT_TRUE(a.ok());
	return {kind, n, *a, expiry, 60, false};
}

bool allows(const egress_ports& p, uint8_t proto, uint16_t port) {
	for (uint8_t i = 0; i < p.n_ranges; ++i)
		if ((p.ranges[i].proto == EGRESS_PROTO_ANY || p.ranges[i].proto == proto) &&
		    port >= p.ranges[i].port_lo && port <= p.ranges[i].port_hi)
			return true;
	return false;
}

TEST(LearnedBook, AResolvedAddressGetsItsRulesPortsExpiryAndKeyHash) {
	LearnedBook book;
	auto d = state({name("mcr.microsoft.com", {{Proto::tcp, 443, 443}})});
	EXPECT_TRUE(book.set_policy(d).empty());
	auto w = book.apply(change(resolver::ChangeKind::added, "mcr.microsoft.com", "192.0.2.7", 5'000));
	ASSERT_TRUE(w);
	ASSERT_TRUE(w->value);
	EXPECT_EQ(w->value->expires_ns, 5'000u);
	EXPECT_EQ(w->value->ttl, 60u);
	EXPECT_TRUE(allows(w->value->ports, EGRESS_PROTO_TCP, 443));
	EXPECT_FALSE(allows(w->value->ports, EGRESS_PROTO_TCP, 80));
	ASSERT_EQ(d.names.size(), 1u);
	EXPECT_EQ(w->value->name_hash, d.names[0].key.hash) << "name_hash is the rule entry's key hash";
}

TEST(LearnedBook, AnAddressSharedByTwoNamesLivesUntilTheLastNameLetsGo) {
	LearnedBook book;
	(void)book.set_policy(state({name("a.example.com", {{Proto::tcp, 443, 443}}),
	                             name("b.example.com", {{Proto::udp, 123, 123}})}));
	ASSERT_TRUE(book.apply(change(resolver::ChangeKind::added, "a.example.com", "192.0.2.1", 1'000)));
	auto w2 = book.apply(change(resolver::ChangeKind::added, "b.example.com", "192.0.2.1", 2'000));
	ASSERT_TRUE(w2 && w2->value);
	EXPECT_EQ(w2->value->expires_ns, 2'000u) << "the latest expiry";
	EXPECT_TRUE(allows(w2->value->ports, EGRESS_PROTO_TCP, 443)) << "union of both names' ports";
	EXPECT_TRUE(allows(w2->value->ports, EGRESS_PROTO_UDP, 123));
	auto w3 = book.apply(change(resolver::ChangeKind::removed, "b.example.com", "192.0.2.1", 2'000));
	ASSERT_TRUE(w3 && w3->value) << "a.example.com still holds it";
	EXPECT_EQ(w3->value->expires_ns, 1'000u);
	EXPECT_FALSE(allows(w3->value->ports, EGRESS_PROTO_UDP, 123));
	auto w4 = book.apply(change(resolver::ChangeKind::removed, "a.example.com", "192.0.2.1", 1'000));
	ASSERT_TRUE(w4);
	EXPECT_FALSE(w4->value) << "nobody holds it: delete";
	EXPECT_EQ(w4->expiry_ns, 1'000u);
	EXPECT_TRUE(book.held().empty());
}

TEST(LearnedBook, APolicyChangeRepointsOrDropsHeldAddresses) {
	LearnedBook book;
	(void)book.set_policy(state({name("a.example.com", {{Proto::tcp, 443, 443}})}));
	(void)book.apply(change(resolver::ChangeKind::added, "a.example.com", "192.0.2.1", 1'000));
	auto widened =
	    book.set_policy(state({name("a.example.com", {{Proto::tcp, 443, 443}, {Proto::tcp, 80, 80}})}));
	ASSERT_EQ(widened.size(), 1u);
	ASSERT_TRUE(widened[0].value);
	EXPECT_TRUE(allows(widened[0].value->ports, EGRESS_PROTO_TCP, 80));
	auto gone = book.set_policy(state({name("other.example.com", {{Proto::tcp, 443, 443}})}));
	ASSERT_EQ(gone.size(), 1u);
	EXPECT_FALSE(gone[0].value) << "no rule allows a.example.com any more";
}

TEST(LearnedBook, AWildcardRuleCoversAResolvedNameUnderIt) {
	LearnedBook book;
	(void)book.set_policy(state({name("**.example.com", {{Proto::tcp, 443, 443}})}));
	auto hit = book.match("x.y.example.com");
	ASSERT_TRUE(hit);
	EXPECT_FALSE(book.match("example.com"));
}

TEST(LearnedBook, RelearnFollowsTheRuleByKeyHashOrDropsTheEntry) {
	auto before = state({name("*.example.com", {{Proto::tcp, 443, 443}})});
	auto after = state(
	    {name("*.example.com", {{Proto::tcp, 8443, 8443}}), name("x.test", {{Proto::tcp, 443, 443}})});
	egress_learned_value v{};
	v.expires_ns = 99;
	v.name_hash = before.names[0].key.hash;
	v.ports = before.names[0].value.ports;
	auto next = relearn(v, after.names);
	ASSERT_TRUE(next);
	EXPECT_EQ(next->expires_ns, 99u);
	EXPECT_TRUE(allows(next->ports, EGRESS_PROTO_TCP, 8443));
	EXPECT_FALSE(allows(next->ports, EGRESS_PROTO_TCP, 443));
	EXPECT_FALSE(relearn(v, state({name("x.test", {{Proto::tcp, 443, 443}})}).names));
}

TEST(LearnedBook, KeysRoundTripAddresses) {
	auto a4 = parse_ip("198.51.100.7");
	auto a6 = parse_ip("2001:db8::7");
	ASSERT_TRUE(a4.ok() && a6.ok());
	EXPECT_EQ(address_of(learned4_key(*a4)), *a4);
	EXPECT_EQ(address_of(learned6_key(*a6)), *a6);
}

TEST(LearnedBook, RelearnTellsAnExactRuleFromAWildcardOfTheSameSuffixByKind) {
	auto d = state(
	    {name("example.com", {{Proto::tcp, 80, 80}}), name("*.example.com", {{Proto::tcp, 8443, 8443}})});
	ASSERT_EQ(d.names.size(), 2u);
	ASSERT_EQ(d.names[0].key.hash, d.names[1].key.hash) << "one suffix, one key hash";
	egress_learned_value v{};
	v.name_hash = d.names[0].key.hash;
	v.ports.rule_id = 2; // learned under *.example.com in the previous generation
	EXPECT_EQ(name_kind(d.rule(2)), EGRESS_NAME_WILDCARD_ONE);
	EXPECT_EQ(name_kind(d.rule(1)), EGRESS_NAME_EXACT);
	EXPECT_EQ(name_kind(nullptr), 0);
	auto wild = relearn(v, d.names, name_kind(d.rule(2)));
	ASSERT_TRUE(wild);
	EXPECT_TRUE(allows(wild->ports, EGRESS_PROTO_TCP, 8443));
	EXPECT_FALSE(allows(wild->ports, EGRESS_PROTO_TCP, 80));
	auto exact = relearn(v, d.names, name_kind(d.rule(1)));
	ASSERT_TRUE(exact);
	EXPECT_TRUE(allows(exact->ports, EGRESS_PROTO_TCP, 80));
	auto unknown = relearn(v, d.names);
	ASSERT_TRUE(unknown);
	EXPECT_TRUE(allows(unknown->ports, EGRESS_PROTO_TCP, 80)) << "first in key order: the exact rule";
}

} // namespace
