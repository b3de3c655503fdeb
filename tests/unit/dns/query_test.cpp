#include <gtest/gtest.h>

#include "dns/message.h"

namespace egress::dns {
namespace {

TEST(DnsQuery, BuildsAStandardQueryThatParsesBack) {
	auto q = build_query(0xbeef, "MCR.microsoft.com.", kTypeAaaa);
	ASSERT_TRUE(q.ok()) << q.error().to_string();
	EXPECT_EQ(q->size(), 12u + 19u + 4u);
	EXPECT_EQ((*q)[12], 3);
	EXPECT_EQ((*q)[13], 'M'); // case is kept on the wire (0x20 randomisation stays possible)
	auto m = parse_message(*q);
	ASSERT_TRUE(m.ok()) << m.error().to_string();
	EXPECT_EQ(m->header.id, 0xbeef);
	EXPECT_FALSE(m->header.qr());
	EXPECT_TRUE(m->header.rd());
	EXPECT_EQ(m->header.opcode(), 0);
	ASSERT_EQ(m->questions.size(), 1u);
	EXPECT_EQ(m->questions[0].name, "mcr.microsoft.com");
	EXPECT_EQ(m->questions[0].type, kTypeAaaa);
	EXPECT_EQ(m->questions[0].cls, kClassIn);
	EXPECT_TRUE(m->answers.empty());
}

TEST(DnsQuery, RejectsInvalidNames) {
	EXPECT_FALSE(build_query(1, "", kTypeA).ok());
	EXPECT_FALSE(build_query(1, "a..b", kTypeA).ok());
	EXPECT_FALSE(build_query(1, std::string(64, 'a') + ".com", kTypeA).ok());
}

} // namespace
} // namespace egress::dns
