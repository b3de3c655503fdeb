// The scheme must let the kernel reject a first-hash (FNV-1a) collision: a map hit counts only
// when the independent, keyed check hash and the label count match too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "dns/name_rules.h"

namespace egress::dns {
namespace {

Pattern P(std::string_view text) {
	auto p = Pattern::parse(text);
	EXPECT_TRUE(p.ok()) << text;
	return *p;
}

SuffixHash whole(std::string_view name, uint64_t key = 0) {
	auto sh = suffix_hashes(name, key);
	EXPECT_TRUE(sh.ok()) << name;
	return sh->front();
}

// What a kernel map would return for the attacker's name if its first hash equalled the allowed
// name's: the allowed entry, found under the attacker's key.
NameRuleEntry rekeyed(const NameRuleEntry& allowed, std::string_view attacker) {
	NameRuleEntry e = allowed;
	e.key.hash = whole(attacker).hash;
	return e;
}

TEST(DnsCollision, ForgedFirstHashHitIsRejected) {
	auto entries = rule_entries({{P("api.github.com"), 1, {}}});
	ASSERT_TRUE(entries.ok());
	KernelNameTable table(*entries);
	table.put(rekeyed(entries->front(), "evil.example.org"));
	EXPECT_FALSE(table.match("evil.example.org"));
	EXPECT_EQ(table.collisions(), 1u);
	ASSERT_TRUE(table.match("api.github.com")); // the real entry still works
	EXPECT_EQ(table.collisions(), 1u);
}

TEST(DnsCollision, RejectedHitDoesNotHideAShorterRealMatch) {
	auto entries = rule_entries({{P("api.github.com"), 1, {}}, {P("**.example.org"), 2, {}}});
	ASSERT_TRUE(entries.ok());
	KernelNameTable table(*entries);
	table.put(
	    rekeyed(*std::find_if(entries->begin(), entries->end(),
	                          [](const NameRuleEntry& e) { return e.key.kind == EGRESS_NAME_EXACT; }),
	            "evil.example.org"));
	auto hit = table.match("evil.example.org");
	ASSERT_TRUE(hit);
	EXPECT_EQ(hit->rule_id, 2u);
	EXPECT_EQ(table.collisions(), 1u);
}

TEST(DnsCollision, LabelCountMustMatchToo) {
	auto entries = rule_entries({{P("a.b.c"), 1, {}}});
	ASSERT_TRUE(entries.ok());
	NameRuleEntry e = entries->front();
	e.value.labels = 2;
	KernelNameTable table({e});
	EXPECT_FALSE(table.match("a.b.c"));
	EXPECT_EQ(table.collisions(), 1u);
}

TEST(DnsCollision, CheckKeyMustBeTheKernels) {
	auto entries = rule_entries({{P("*.github.com"), 1, {}}}, 0xabcdef);
	ASSERT_TRUE(entries.ok());
	EXPECT_TRUE(KernelNameTable(*entries, 0xabcdef).match("api.github.com"));
	KernelNameTable other_key(*entries, 0x123456);
	EXPECT_FALSE(other_key.match("api.github.com"));
	EXPECT_EQ(other_key.collisions(), 1u);
}

// A real collision, found by brute force on a reduced-width first hash (the low 20 bits, i.e.
// what a 20-bit key would see): the pair collides there, but the check hash tells them apart, so
// the kernel rejects the hit.
TEST(DnsCollision, BruteForcedReducedWidthCollisionIsRejected) {
	constexpr uint64_t kMask = (1u << 20) - 1;
	const uint64_t key = 0x5eed;
	const std::string allowed = "api.github.com";
	const uint64_t target = whole(allowed).hash & kMask;

	// The walk is backwards, so the shared suffix is hashed once and each candidate only adds its
	// first label: hash "\x06github\x03com" reversed, then the label bytes reversed, then its length.
	auto tail = suffix_hashes("github.com");
	ASSERT_TRUE(tail.ok());
	std::string found;
	for (uint32_t i = 0; i < (1u << 26) && found.empty(); ++i) {
		std::string label = "n" + std::to_string(i);
		uint64_t h = (*tail)[0].hash;
		for (auto it = label.rbegin(); it != label.rend(); ++it)
			h = egress_name_hash_byte(h, static_cast<uint8_t>(*it));
		h = egress_name_hash_byte(h, static_cast<uint8_t>(label.size()));
		if ((h & kMask) == target)
			found = label + ".github.com";
	}
	ASSERT_FALSE(found.empty());
	std::printf("reduced-width (20-bit) FNV-1a collision with %s: %s\n", allowed.c_str(), found.c_str());
	const SuffixHash a = whole(allowed, key), b = whole(found, key);
	ASSERT_EQ(a.hash & kMask, b.hash & kMask);
	EXPECT_NE(a.check, b.check);

	auto entries = rule_entries({{P(allowed), 1, {}}}, key);
	ASSERT_TRUE(entries.ok());
	KernelNameTable table(*entries, key);
	table.put(rekeyed(entries->front(), found));
	EXPECT_FALSE(table.match(found));
	EXPECT_EQ(table.collisions(), 1u);
	EXPECT_TRUE(table.match(allowed));
}

// Independence: among pairs colliding in the low 12 bits of the first hash, the low 12 bits of
// the check hash agree about as often as chance says (32 pairs -> expected 0.008).
TEST(DnsCollision, CheckHashIsIndependentOfFirstHash) {
	constexpr uint64_t kMask = 0xfff;
	const SuffixHash base = whole("login.microsoftonline.com", 99);
	int pairs = 0, both = 0;
	for (uint32_t i = 0; pairs < 32 && i < (1u << 22); ++i) {
		std::string name = "c" + std::to_string(i) + ".microsoftonline.com";
		SuffixHash s = whole(name, 99);
		if ((s.hash & kMask) != (base.hash & kMask))
			continue;
		++pairs;
		both += (s.check & kMask) == (base.check & kMask);
	}
	EXPECT_EQ(pairs, 32);
	EXPECT_LE(both, 1);
}

} // namespace
} // namespace egress::dns
