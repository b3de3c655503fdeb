#include "dns/name_match.h"

#include <gtest/gtest.h>

namespace egress::dns {
namespace {

Pattern P(std::string_view text) {
	auto p = Pattern::parse(text);
	EXPECT_TRUE(p.ok()) << text << ": " << (p.ok() ? "" : p.error().to_string());
	return *p;
}

struct Case {
	const char* pattern;
	const char* name;
	bool match;
};

// The semantics of DESIGN.md 3, one row per rule.
const Case kCases[] = {
    {"api.github.com", "api.github.com", true},
    {"api.github.com", "API.GitHub.COM", true},
    {"api.github.com", "api.github.com.", true},
    {"API.GitHub.com.", "api.github.com", true},
    {"api.github.com", "x.api.github.com", false},
    {"api.github.com", "github.com", false},
    {"*.github.com", "api.github.com", true},
    {"*.github.com", "API.GITHUB.COM.", true},
    {"*.github.com", "github.com", false},     // bare domain never matched by a wildcard
    {"*.github.com", "a.b.github.com", false}, // exactly one label
    {"*.github.com", "evil-github.com", false},
    {"*.github.com", "github.com.evil.org", false},
    {"*.github.com", "githubxcom", false},
    {"**.github.com", "api.github.com", true},
    {"**.github.com", "a.b.c.github.com", true},
    {"**.github.com", "github.com", false},
    {"**.github.com", "evil-github.com", false},
    {"**.github.com", "x.evil-github.com", false},
    {"*.com", "github.com", true},
    {"*.com", "a.github.com", false},
    {"**.com", "a.github.com", true},
    {"*.hcp.eastus.azmk8s.io", "mycluster-dns-1234.hcp.eastus.azmk8s.io", true},
    {"*.hcp.eastus.azmk8s.io", "x.mycluster.hcp.eastus.azmk8s.io", false},
    {"*.github.com", "*.github.com", true}, // a literal "*" label is one label
    {"api.github.com", "api.github.com..", false},
    {"*.github.com", "a\\.b.github.com", true}, // one label that contains a dot
    {"**.b.github.com", "a\\.b.github.com", false},
};

TEST(DnsNameMatch, SemanticsTable) {
	for (const auto& c : kCases)
		EXPECT_EQ(matches(P(c.pattern), c.name), c.match) << c.pattern << " vs " << c.name;
}

TEST(DnsNameMatch, ParseNormalises) {
	EXPECT_EQ(P("*.GitHub.COM.").to_string(), "*.github.com");
	EXPECT_EQ(P("**.X.y").kind(), PatternKind::wildcard_many);
	EXPECT_EQ(P("**.X.y").suffix(), "x.y");
	EXPECT_EQ(P("**.X.y").suffix_labels(), 2u);
	EXPECT_EQ(P("a.b.c").kind(), PatternKind::exact);
	EXPECT_EQ(P("a.b.c").suffix_labels(), 3u);
}

TEST(DnsNameMatch, ParseRejects) {
	for (const char* bad : {"", ".", "*", "**", "*.", "**.", "a*.b", "*a.b", "a.*.b", "***.b", "a.b*",
	                        "a..b", ".a", "*..a", "a b.c", "a/b.c", "a\\.b.c", "*.*.b"}) {
		auto p = Pattern::parse(bad);
		EXPECT_FALSE(p.ok()) << "accepted \"" << bad << "\"";
	}
	EXPECT_FALSE(Pattern::parse(std::string(64, 'a') + ".com").ok());
	EXPECT_TRUE(Pattern::parse(std::string(63, 'a') + ".com").ok());
	std::string l63(63, 'a');
	std::string n253 = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b');
	EXPECT_TRUE(Pattern::parse(n253).ok());
	EXPECT_TRUE(Pattern::parse(n253 + ".").ok());
	EXPECT_FALSE(Pattern::parse(n253 + "b").ok());
	auto e = Pattern::parse("a*.b");
	ASSERT_FALSE(e.ok());
	EXPECT_NE(e.error().message().find("whole first label"), std::string::npos) << e.error().message();
}

TEST(DnsNameMatch, Covers) {
	EXPECT_TRUE(covers(P("**.com"), P("*.github.com")));
	EXPECT_TRUE(covers(P("**.github.com"), P("*.github.com")));
	EXPECT_TRUE(covers(P("**.github.com"), P("**.a.github.com")));
	EXPECT_TRUE(covers(P("*.github.com"), P("api.github.com")));
	EXPECT_TRUE(covers(P("x.y"), P("x.y")));
	EXPECT_FALSE(covers(P("*.github.com"), P("**.github.com")));
	EXPECT_FALSE(covers(P("*.com"), P("*.github.com")));
	EXPECT_FALSE(covers(P("**.github.com"), P("github.com")));
	EXPECT_FALSE(covers(P("**.hub.com"), P("*.github.com")));
	EXPECT_FALSE(covers(P("api.github.com"), P("*.github.com")));
}

TEST(DnsNameMatcher, MostSpecificWins) {
	NameMatcher m;
	size_t many_com = m.add(P("**.com"));
	size_t many = m.add(P("**.github.com"));
	size_t one = m.add(P("*.github.com"));
	size_t exact = m.add(P("api.github.com"));
	size_t deep = m.add(P("**.a.github.com"));
	EXPECT_EQ(m.match("API.github.com.")->rule, exact);
	EXPECT_EQ(m.match("www.github.com")->rule, one);
	EXPECT_EQ(m.match("x.www.github.com")->rule, many);
	EXPECT_EQ(m.match("x.a.github.com")->rule, deep);
	EXPECT_EQ(m.match("github.com")->rule, many_com);
	EXPECT_EQ(m.match("evil-github.com")->rule, many_com);
	EXPECT_EQ(m.match("x.a.github.com")->pattern.to_string(), "**.a.github.com");
	EXPECT_FALSE(m.match("github.org").has_value());
	EXPECT_FALSE(m.match("com").has_value());
	EXPECT_FALSE(m.match("a..com").has_value());
}

TEST(DnsNameMatcher, DuplicateKeepsFirstIndex) {
	NameMatcher m;
	EXPECT_EQ(m.add(P("*.x.y")), 0u);
	EXPECT_EQ(m.add(P("a.x.y")), 1u);
	EXPECT_EQ(m.add(P("*.X.Y.")), 0u);
	EXPECT_EQ(m.size(), 2u);
}

} // namespace
} // namespace egress::dns
