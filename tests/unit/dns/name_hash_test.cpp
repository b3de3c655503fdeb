// The shared scheme of include/egress/name_hash.h, checked against an independent transcription
// of its definition (FNV-1a 64 over the reversed, lower-cased wire bytes).
#include "egress/name_hash.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include "dns/name_rules.h"

namespace egress::dns {
namespace {

// Written from the header comment, not from the step functions.
uint64_t fnv1a_reversed(const std::string& wire_without_root) {
	uint64_t h = 14695981039346656037ull;
	for (auto it = wire_without_root.rbegin(); it != wire_without_root.rend(); ++it) {
		unsigned char c = static_cast<unsigned char>(*it);
		if (c >= 'A' && c <= 'Z')
			c = static_cast<unsigned char>(c + 32);
		h ^= c;
		h *= 1099511628211ull;
	}
	return h;
}

TEST(DnsNameHash, LowerTableEqualsFunction) {
	static const __u8 table[256] = {EGRESS_NAME_LOWER_TABLE};
	for (int c = 0; c < 256; ++c) {
		EXPECT_EQ(table[c], egress_name_lower(static_cast<__u8>(c))) << c;
		bool upper = c >= 'A' && c <= 'Z';
		EXPECT_EQ(table[c], upper ? c + 32 : c) << c;
	}
}

TEST(DnsNameHash, FirstHashIsFnv1aOverReversedWire) {
	auto sh = suffix_hashes("api.github.com");
	ASSERT_TRUE(sh.ok());
	ASSERT_EQ(sh->size(), 3u);
	EXPECT_EQ((*sh)[0].hash, fnv1a_reversed(std::string("\x03"
	                                                    "api"
	                                                    "\x06"
	                                                    "github"
	                                                    "\x03"
	                                                    "com")));
	EXPECT_EQ((*sh)[1].hash, fnv1a_reversed(std::string("\x06"
	                                                    "github"
	                                                    "\x03"
	                                                    "com")));
	EXPECT_EQ((*sh)[2].hash, fnv1a_reversed(std::string("\x03"
	                                                    "com")));
	EXPECT_EQ((*sh)[0].labels, 3);
	EXPECT_EQ((*sh)[1].labels, 2);
	EXPECT_EQ((*sh)[2].labels, 1);
}

TEST(DnsNameHash, SuffixValueIndependentOfPosition) {
	auto whole = suffix_hashes("github.com", 42);
	auto tail = suffix_hashes("Deep.API.GitHub.Com.", 42);
	ASSERT_TRUE(whole.ok() && tail.ok());
	EXPECT_EQ((*tail)[2].hash, (*whole)[0].hash);
	EXPECT_EQ((*tail)[2].check, (*whole)[0].check);
	EXPECT_EQ((*tail)[3].hash, (*whole)[1].hash);
}

TEST(DnsNameHash, CaseAndTrailingDotDoNotChangeHashes) {
	auto a = suffix_hashes("MCR.Microsoft.COM.");
	auto b = suffix_hashes("mcr.microsoft.com");
	ASSERT_TRUE(a.ok() && b.ok());
	for (size_t k = 0; k < 3; ++k) {
		EXPECT_EQ((*a)[k].hash, (*b)[k].hash);
		EXPECT_EQ((*a)[k].check, (*b)[k].check);
	}
}

TEST(DnsNameHash, LabelAlignedSoEvilSuffixDiffers) {
	auto good = suffix_hashes("github.com");
	auto evil = suffix_hashes("evil-github.com");
	ASSERT_TRUE(good.ok() && evil.ok());
	for (const auto& s : *evil)
		EXPECT_NE(s.hash, (*good)[0].hash);
}

TEST(DnsNameHash, CheckIsKeyedAndIndependentOfFirstHash) {
	auto k0 = suffix_hashes("login.microsoftonline.com", 0);
	auto k1 = suffix_hashes("login.microsoftonline.com", 0x1234567890abcdefull);
	ASSERT_TRUE(k0.ok() && k1.ok());
	for (size_t k = 0; k < k0->size(); ++k) {
		EXPECT_EQ((*k0)[k].hash, (*k1)[k].hash);   // the key never changes the map key
		EXPECT_NE((*k0)[k].check, (*k1)[k].check); // ... but always the check
		EXPECT_NE((*k0)[k].hash, (*k0)[k].check);
	}
}

TEST(DnsNameHash, WireAndTextAgree) {
	auto t = suffix_hashes("a.B.c");
	auto w = suffix_hashes_wire({1, 'a', 1, 'b', 1, 'C', 0});
	ASSERT_TRUE(t.ok() && w.ok());
	ASSERT_EQ(t->size(), w->size());
	for (size_t k = 0; k < t->size(); ++k)
		EXPECT_EQ((*t)[k].hash, (*w)[k].hash);
}

TEST(DnsNameHash, WireRejectsMalformed) {
	EXPECT_FALSE(suffix_hashes_wire({}).ok());
	EXPECT_FALSE(suffix_hashes_wire({0}).ok());            // root only
	EXPECT_FALSE(suffix_hashes_wire({1, 'a'}).ok());       // no root
	EXPECT_FALSE(suffix_hashes_wire({3, 'a', 0}).ok());    // label past the end
	EXPECT_FALSE(suffix_hashes_wire({1, 'a', 0, 0}).ok()); // bytes after the root
	EXPECT_FALSE(suffix_hashes_wire({0xc0, 0x0c}).ok());   // compression is not a name here
	EXPECT_FALSE(suffix_hashes_wire({64, 'a', 0}).ok());
}

TEST(DnsNameHash, MapLayout) {
	EXPECT_EQ(sizeof(egress_name_key), 16u);
	EXPECT_EQ(offsetof(egress_name_key, hash), 0u);
	EXPECT_EQ(offsetof(egress_name_key, kind), 8u);
	EXPECT_EQ(sizeof(egress_name_value), 88u);
	EXPECT_EQ(offsetof(egress_name_value, check), 0u);
	EXPECT_EQ(offsetof(egress_name_value, rule_id), 8u);
	EXPECT_EQ(offsetof(egress_name_value, kind), 12u);
	EXPECT_EQ(offsetof(egress_name_value, labels), 13u);
	EXPECT_EQ(offsetof(egress_name_value, ports), 16u);
	EXPECT_EQ(static_cast<int>(PatternKind::exact), EGRESS_NAME_EXACT);
	EXPECT_EQ(static_cast<int>(PatternKind::wildcard_one), EGRESS_NAME_WILDCARD_ONE);
	EXPECT_EQ(static_cast<int>(PatternKind::wildcard_many), EGRESS_NAME_WILDCARD_MANY);
}

} // namespace
} // namespace egress::dns
