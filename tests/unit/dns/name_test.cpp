#include "dns/name.h"

#include <gtest/gtest.h>

namespace egress::dns {
namespace {

TEST(DnsName, SplitDropsOneTrailingDotAndKeepsCase) {
	auto l = split_name("API.GitHub.com.");
	ASSERT_TRUE(l.ok()) << l.error().to_string();
	EXPECT_EQ(*l, (std::vector<std::string>{"API", "GitHub", "com"}));
}

TEST(DnsName, NormalizeLowerCasesAndDropsTrailingDot) {
	EXPECT_EQ(*normalize_name("WWW.Example.COM."), "www.example.com");
	EXPECT_EQ(*normalize_name("a"), "a");
}

TEST(DnsName, RejectsEmptyLabelsAndRoot) {
	for (const char* bad : {"", ".", "a..b", ".a", "a.b..", "..", "a\\"})
		EXPECT_FALSE(split_name(bad).ok()) << bad;
}

TEST(DnsName, LabelLimitIs63) {
	std::string ok(63, 'a'), bad(64, 'a');
	EXPECT_TRUE(split_name(ok + ".com").ok());
	auto r = split_name(bad + ".com");
	ASSERT_FALSE(r.ok());
	EXPECT_NE(r.error().message().find("63"), std::string::npos);
}

TEST(DnsName, WireLimitIs255) {
	// 4 labels of 63 = 4*64 + 1 = 257 wire bytes: too long. 3*64 + 62 + 1... build exactly 255.
	std::string l63(63, 'a');
	std::string name253 = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b'); // 253 chars
	ASSERT_EQ(name253.size(), 253u);
	auto w = encode_name(name253);
	ASSERT_TRUE(w.ok());
	EXPECT_EQ(w->size(), 255u);
	EXPECT_FALSE(split_name(name253 + "b").ok());
	EXPECT_TRUE(split_name(name253 + ".").ok()); // the trailing dot is not part of the name
}

TEST(DnsName, EscapesRoundTrip) {
	auto l = split_name("a\\.b.c\\\\d.\\255x.com");
	ASSERT_TRUE(l.ok()) << l.error().to_string();
	EXPECT_EQ(*l, (std::vector<std::string>{"a.b", "c\\d", "\xffx", "com"}));
	EXPECT_EQ(join_labels(*l), "a\\.b.c\\\\d.\\255x.com");
	EXPECT_FALSE(split_name("\\256.com").ok());
	EXPECT_FALSE(split_name("\\25").ok());
	// An escaped final dot belongs to the label; an escaped backslash before a real dot does not.
	EXPECT_EQ(*split_name("a\\."), (std::vector<std::string>{"a."}));
	EXPECT_EQ(*split_name("a\\\\."), (std::vector<std::string>{"a\\"}));
}

TEST(DnsName, EncodeKeepsCase) {
	auto w = encode_name("Ab.c.");
	ASSERT_TRUE(w.ok());
	EXPECT_EQ(*w, (std::vector<uint8_t>{2, 'A', 'b', 1, 'c', 0}));
}

TEST(DnsName, AsciiLowerOnlyTouchesAsciiLetters) {
	EXPECT_EQ(ascii_lower("AZaz09-_\xC4"), "azaz09-_\xC4");
}

} // namespace
} // namespace egress::dns
