#include "dns/name_rules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

namespace egress::dns {
namespace {

Pattern P(std::string_view text) {
	auto p = Pattern::parse(text);
	EXPECT_TRUE(p.ok()) << text;
	return *p;
}

egress_port_range tcp(uint16_t lo, uint16_t hi = 0) {
	egress_port_range r{};
	r.proto = EGRESS_PROTO_TCP;
	r.port_lo = lo;
	r.port_hi = hi ? hi : lo;
	return r;
}

egress_port_range udp(uint16_t p) {
	egress_port_range r = tcp(p);
	r.proto = EGRESS_PROTO_UDP;
	return r;
}

egress_port_range any() {
	egress_port_range r{};
	r.proto = EGRESS_PROTO_ANY;
	r.port_lo = 0;
	r.port_hi = 65535;
	return r;
}

std::vector<std::tuple<int, int, int>> ranges(const egress_ports& p) {
	std::vector<std::tuple<int, int, int>> out;
	for (int i = 0; i < p.n_ranges; ++i)
		out.emplace_back(p.ranges[i].proto, p.ranges[i].port_lo, p.ranges[i].port_hi);
	return out;
}

const NameRuleEntry* find(const std::vector<NameRuleEntry>& entries, std::string_view suffix, uint8_t kind) {
	auto sh = suffix_hashes(suffix);
	EXPECT_TRUE(sh.ok());
	for (const auto& e : entries)
		if (e.key.hash == (*sh)[0].hash && e.key.kind == kind)
			return &e;
	return nullptr;
}

std::vector<NameRuleInput> sample() {
	return {
	    {P("api.github.com"), 1, {tcp(443)}},
	    {P("*.github.com"), 2, {tcp(80)}},
	    {P("**.com"), 3, {udp(53)}},
	    {P("*.GitHub.com."), 9, {tcp(8080)}},
	};
}

TEST(DnsNameRules, EntriesCarryKindLabelsCheckAndFoldedPorts) {
	auto entries = rule_entries(sample(), 7);
	ASSERT_TRUE(entries.ok()) << entries.error().to_string();
	ASSERT_EQ(entries->size(), 3u);

	const auto* exact = find(*entries, "api.github.com", EGRESS_NAME_EXACT);
	const auto* one = find(*entries, "github.com", EGRESS_NAME_WILDCARD_ONE);
	const auto* many = find(*entries, "com", EGRESS_NAME_WILDCARD_MANY);
	ASSERT_TRUE(exact && one && many);

	EXPECT_EQ(exact->value.rule_id, 1u);
	EXPECT_EQ(exact->value.ports.rule_id, 1u);
	EXPECT_EQ(exact->value.kind, EGRESS_NAME_EXACT);
	EXPECT_EQ(exact->value.labels, 3);
	EXPECT_EQ(exact->value.check, (*suffix_hashes("api.github.com", 7))[0].check);
	// Everything that also matches api.github.com: *.github.com (both rules) and **.com.
	EXPECT_EQ(ranges(exact->value.ports),
	          (std::vector<std::tuple<int, int, int>>{
	              {6, 80, 80}, {6, 443, 443}, {6, 8080, 8080}, {17, 53, 53}}));

	EXPECT_EQ(one->value.rule_id, 2u); // the first of the two identical patterns
	EXPECT_EQ(one->value.labels, 2);
	EXPECT_EQ(ranges(one->value.ports),
	          (std::vector<std::tuple<int, int, int>>{{6, 80, 80}, {6, 8080, 8080}, {17, 53, 53}}));

	EXPECT_EQ(many->value.labels, 1);
	EXPECT_EQ(ranges(many->value.ports), (std::vector<std::tuple<int, int, int>>{{17, 53, 53}}));
}

TEST(DnsNameRules, QueryOnlyHoldsUntilAnAllowingPatternGivesPorts) {
	auto entries = rule_entries({
	    {P("cluster.local"), 1, {}, true},
	    {P("**.cluster.local"), 2, {}, true},
	    {P("*.svc.cluster.local"), 3, {tcp(443)}},
	    {P("corp.example"), 4, {}, true},
	    {P("corp.example"), 5, {tcp(8443)}},
	});
	ASSERT_TRUE(entries.ok()) << entries.error().to_string();
	const auto* bare = find(*entries, "cluster.local", EGRESS_NAME_EXACT);
	const auto* below = find(*entries, "cluster.local", EGRESS_NAME_WILDCARD_MANY);
	const auto* svc = find(*entries, "svc.cluster.local", EGRESS_NAME_WILDCARD_ONE);
	const auto* corp = find(*entries, "corp.example", EGRESS_NAME_EXACT);
	ASSERT_TRUE(bare && below && svc && corp);
	EXPECT_EQ(bare->value.ports.flags, EGRESS_PORTS_QUERY_ONLY);
	EXPECT_EQ(below->value.ports.flags, EGRESS_PORTS_QUERY_ONLY);
	EXPECT_EQ(svc->value.ports.flags, 0) << "covered by a query-only pattern, but itself allowing";
	EXPECT_EQ(ranges(svc->value.ports), (std::vector<std::tuple<int, int, int>>{{6, 443, 443}}));
	EXPECT_EQ(corp->value.ports.flags, 0) << "the same pattern allowed by a rule teaches";
	EXPECT_EQ(corp->value.rule_id, 5u) << "and the allowing rule names it";
}

TEST(DnsNameRules, PaddingIsZero) {
	auto entries = rule_entries(sample());
	ASSERT_TRUE(entries.ok());
	for (const auto& e : *entries) {
		for (auto b : e.key.pad)
			EXPECT_EQ(b, 0);
		for (auto b : e.value.pad)
			EXPECT_EQ(b, 0);
		for (int i = e.value.ports.n_ranges; i < EGRESS_MAX_PORT_RANGES; ++i)
			EXPECT_EQ(e.value.ports.ranges[i].port_hi, 0);
	}
}

TEST(DnsNameRules, DeterministicWhateverTheInputOrder) {
	auto in = sample();
	auto a = rule_entries(in);
	std::reverse(in.begin(), in.end());
	// Reversed, "*.GitHub.com." (rule 9) comes first and wins the id; everything else is equal.
	auto b = rule_entries(in);
	ASSERT_TRUE(a.ok() && b.ok());
	ASSERT_EQ(a->size(), b->size());
	for (size_t i = 0; i < a->size(); ++i) {
		EXPECT_EQ(std::memcmp(&(*a)[i].key, &(*b)[i].key, sizeof(egress_name_key)), 0);
		EXPECT_EQ((*a)[i].value.check, (*b)[i].value.check);
		EXPECT_EQ(ranges((*a)[i].value.ports), ranges((*b)[i].value.ports));
	}
}

TEST(DnsNameRules, PortsMergeAndAnyAbsorbs) {
	auto e = rule_entries({{P("a.b"), 1, {tcp(80, 90), tcp(91, 100), tcp(95, 120), udp(53)}}});
	ASSERT_TRUE(e.ok());
	EXPECT_EQ(ranges((*e)[0].value.ports),
	          (std::vector<std::tuple<int, int, int>>{{6, 80, 120}, {17, 53, 53}}));
	e = rule_entries({{P("a.b"), 1, {tcp(443)}}, {P("**.b"), 2, {any()}}});
	ASSERT_TRUE(e.ok());
	const auto* exact = find(*e, "a.b", EGRESS_NAME_EXACT);
	ASSERT_TRUE(exact);
	EXPECT_EQ(ranges(exact->value.ports), (std::vector<std::tuple<int, int, int>>{{0, 0, 65535}}));
}

TEST(DnsNameRules, TooManyPortRangesIsAnError) {
	std::vector<egress_port_range> ports;
	for (uint16_t p = 1; p <= EGRESS_MAX_PORT_RANGES + 1; ++p)
		ports.push_back(tcp(static_cast<uint16_t>(p * 10)));
	auto e = rule_entries({{P("a.b"), 1, ports}});
	ASSERT_FALSE(e.ok());
	EXPECT_EQ(e.error().code(), E2BIG);
	EXPECT_NE(e.error().message().find("a.b"), std::string::npos);
	// Folding counts too: 8 own ranges plus one from a covering wildcard.
	ports.pop_back();
	EXPECT_TRUE(rule_entries({{P("a.b"), 1, ports}}).ok());
	EXPECT_FALSE(rule_entries({{P("a.b"), 1, ports}, {P("*.b"), 2, {udp(5)}}}).ok());
}

TEST(DnsKernelMatch, WalksMostSpecificFirst) {
	auto entries = rule_entries(sample());
	ASSERT_TRUE(entries.ok());
	KernelNameTable table(*entries);
	auto hit = table.match("API.GitHub.com.");
	ASSERT_TRUE(hit);
	EXPECT_EQ(hit->rule_id, 1u);
	EXPECT_EQ(hit->kind, EGRESS_NAME_EXACT);
	EXPECT_EQ(hit->suffix, 0u);
	EXPECT_EQ(hit->ports.n_ranges, 4);
	EXPECT_EQ(hit->hash, (*suffix_hashes("api.github.com"))[0].hash);
	hit = table.match("www.github.com");
	ASSERT_TRUE(hit);
	EXPECT_EQ(hit->rule_id, 2u);
	EXPECT_EQ(hit->suffix, 1u);
	EXPECT_EQ(hit->hash, (*suffix_hashes("github.com"))[0].hash);
	EXPECT_EQ(table.match("a.b.github.com")->rule_id, 3u); // not *.github.com: two labels
	EXPECT_EQ(table.match("github.com")->rule_id, 3u);     // **.com, never *.github.com
	EXPECT_EQ(table.match("evil-github.com")->rule_id, 3u);
	EXPECT_FALSE(table.match("com"));
	EXPECT_FALSE(table.match("github.org"));
	EXPECT_EQ(table.collisions(), 0u);
}

TEST(DnsKernelMatch, MoreThan32LabelsIsNotWalked) {
	auto entries = rule_entries({{P("**.com"), 1, {tcp(1)}}});
	ASSERT_TRUE(entries.ok());
	std::string name;
	for (int i = 0; i < EGRESS_DNS_MAX_LABELS - 1; ++i)
		name += "a.";
	EXPECT_TRUE(kernel_match(*entries, name + "com"));         // 32 labels
	EXPECT_FALSE(kernel_match(*entries, "b." + name + "com")); // 33 labels: the kernel gives up
}

} // namespace
} // namespace egress::dns
