#include <gtest/gtest.h>

#include "dns/message.h"
#include "packet_builder.h"

namespace egress::dns {
namespace {

using testlib::DnsBuilder;

Message parse(const testlib::Bytes& b) {
	auto m = parse_message(b);
	EXPECT_TRUE(m.ok()) << m.error().to_string();
	return m.ok() ? *m : Message{};
}

std::vector<std::string> addresses(const AnswerChain& c) {
	std::vector<std::string> out;
	for (const auto& a : c.addresses)
		out.push_back(a.owner + "=" + a.address.to_string() + "/" + std::to_string(a.ttl));
	return out;
}

TEST(DnsAnswerChain, FollowsCnamesFromTheQuestion) {
	auto m = parse(DnsBuilder::response(1)
	                   .question("WWW.Example.com.")
	                   .answer_cname("www.example.com", "www.example.com.edgekey.net", 300)
	                   .answer_cname("www.example.com.edgekey.net", "e1.a.akamaiedge.net", 20)
	                   .answer_a("E1.a.akamaiedge.net", "23.1.1.1", 20)
	                   .answer_aaaa("e1.a.akamaiedge.net", "2600::1", 10)
	                   .answer_a("unrelated.example.org", "6.6.6.6", 3600)
	                   .build());
	AnswerChain c = answer_chain(m);
	EXPECT_EQ(c.qname, "www.example.com");
	EXPECT_EQ(c.names, (std::vector<std::string>{"www.example.com", "www.example.com.edgekey.net",
	                                             "e1.a.akamaiedge.net"}));
	EXPECT_EQ(addresses(c), (std::vector<std::string>{"e1.a.akamaiedge.net=23.1.1.1/20",
	                                                  "e1.a.akamaiedge.net=2600::1/10"}));
	EXPECT_EQ(c.min_ttl, 20u);
}

TEST(DnsAnswerChain, OutOfOrderCnamesAreStillFollowed) {
	auto m = parse(DnsBuilder::response(1)
	                   .question("a.example")
	                   .answer_a("c.example", "10.0.0.3", 5)
	                   .answer_cname("b.example", "c.example", 7)
	                   .answer_cname("a.example", "b.example", 9)
	                   .build());
	AnswerChain c = answer_chain(m);
	EXPECT_EQ(c.names, (std::vector<std::string>{"a.example", "b.example", "c.example"}));
	EXPECT_EQ(addresses(c), (std::vector<std::string>{"c.example=10.0.0.3/5"}));
	EXPECT_EQ(c.min_ttl, 7u);
}

TEST(DnsAnswerChain, CnameLoopTerminates) {
	auto m = parse(DnsBuilder::response(1)
	                   .question("a.example")
	                   .answer_cname("a.example", "b.example", 5)
	                   .answer_cname("b.example", "a.example", 5)
	                   .answer_a("b.example", "10.0.0.2", 5)
	                   .build());
	AnswerChain c = answer_chain(m);
	EXPECT_EQ(c.names, (std::vector<std::string>{"a.example", "b.example"}));
	EXPECT_EQ(c.addresses.size(), 1u);
}

TEST(DnsAnswerChain, DirectAnswersAndCompression) {
	auto m = parse(DnsBuilder::response(1)
	                   .question("Mcr.Microsoft.com")
	                   .answer_a_ptr(12, "20.1.2.3", 0)
	                   .answer_aaaa("mcr.microsoft.com", "2603::5", 60)
	                   .build());
	AnswerChain c = answer_chain(m);
	EXPECT_EQ(c.names, (std::vector<std::string>{"mcr.microsoft.com"}));
	EXPECT_EQ(addresses(c),
	          (std::vector<std::string>{"mcr.microsoft.com=20.1.2.3/0", "mcr.microsoft.com=2603::5/60"}));
	EXPECT_EQ(c.min_ttl, 0u);
}

TEST(DnsAnswerChain, RecordsOfOtherNamesTeachNothing) {
	auto m = parse(DnsBuilder::response(1)
	                   .question("allowed.example")
	                   .answer_a("evil.example", "6.6.6.6", 5)
	                   .answer_cname("evil.example", "allowed.example", 5)
	                   .build());
	AnswerChain c = answer_chain(m);
	EXPECT_EQ(c.names, (std::vector<std::string>{"allowed.example"}));
	EXPECT_TRUE(c.addresses.empty());
}

TEST(DnsAnswerChain, NoQuestionIsEmpty) {
	AnswerChain c = answer_chain(parse(DnsBuilder::response(1).answer_a("a.b", "1.1.1.1", 1).build()));
	EXPECT_TRUE(c.qname.empty());
	EXPECT_TRUE(c.names.empty());
	EXPECT_TRUE(c.addresses.empty());
}

} // namespace
} // namespace egress::dns
