#include "resolver/name.h"

#include <gtest/gtest.h>

#include "common/ip_address.h"

namespace egress::resolver {
namespace {

TEST(ResolverName, IsLowerCasedWithoutTrailingDot) {
	EXPECT_EQ(*normalize_exact_name("MCR.Microsoft.COM."), "mcr.microsoft.com");
	EXPECT_EQ(*normalize_exact_name("_sip._tcp.example-1.test"), "_sip._tcp.example-1.test");
	EXPECT_EQ(*normalize_exact_name("localhost"), "localhost");
}

TEST(ResolverName, RejectsWhatIsNotAnExactName) {
	for (const char* bad : {"", ".", "a..b", ".a", "a.b..", "*.example.com", "**.example.com", "a*.b",
	                        "a b.c", "a/b", "ä.test"}) {
		auto r = normalize_exact_name(bad);
		EXPECT_FALSE(r.ok()) << bad;
		if (!r.ok()) {
			EXPECT_EQ(r.error().code(), EINVAL);
		}
	}
	EXPECT_TRUE(normalize_exact_name(std::string(63, 'a') + ".test").ok());
	EXPECT_FALSE(normalize_exact_name(std::string(64, 'a') + ".test").ok());
	std::string long_name;
	while (long_name.size() < 250)
		long_name += "abcdefghi.";
	long_name += "test";
	EXPECT_FALSE(normalize_exact_name(long_name).ok());
}

TEST(ResolverAddress, ParsesAndPrintsBothFamilies) {
	auto a = parse_ip("10.1.2.3");
	ASSERT_TRUE(a.ok());
	EXPECT_EQ(a->family, Family::v4);
	EXPECT_EQ(a->size(), 4u);
	EXPECT_EQ(a->bytes[0], 10);
	EXPECT_EQ(a->bytes[4], 0);
	EXPECT_EQ(a->to_string(), "10.1.2.3");
	auto b = parse_ip("FD00:0::5");
	ASSERT_TRUE(b.ok());
	EXPECT_EQ(b->family, Family::v6);
	EXPECT_EQ(b->to_string(), "fd00::5");
	EXPECT_LT(*a, *b);
	EXPECT_FALSE(parse_ip("10.1.2").ok());
	EXPECT_FALSE(parse_ip("[::1]").ok());
	EXPECT_FALSE(parse_ip("10.0.0.1:53").ok());
	EXPECT_EQ(family_name(Family::v6), "ipv6");
}

} // namespace
} // namespace egress::resolver
