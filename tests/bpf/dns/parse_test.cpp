// What the BPF parser refuses, and how it is counted: malformed, truncated, not NOERROR, TCP.
// cgroup_skb/ingress never drops any of it (DnsEnv::respond fails the test on a drop).
#include <gtest/gtest.h>

#include <string>

#include "dns_env.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;

class DnsParse : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		dns_.emplace();
		dns_->allow({"ok.example.com"});
	}
	// Sends a query for ok.example.com with this id, then the given response bytes.
	void exchange(uint16_t id, const Bytes& msg) { dns_->exchange(id, "ok.example.com", msg); }
	uint64_t counter(uint32_t reason) { return dns_->counter(reason); }
	std::optional<DnsEnv> dns_;
};

Bytes good(uint16_t id) {
	return DnsBuilder::response(id).question("ok.example.com").answer_a_ptr(12, "192.0.2.10", 60).build();
}

TEST_F(DnsParse, AWellFormedResponseIsTheBaseline) {
	exchange(1, good(1));
	EXPECT_TRUE(dns_->learned("192.0.2.10"));
	EXPECT_EQ(counter(EGRESS_REASON_DNS_MALFORMED), 0u);
}

TEST_F(DnsParse, ALabelRunningPastTheEndIsMalformed) {
	Bytes msg = good(2);
	msg[12] = 60; // "ok" claims 60 bytes
	msg.resize(40);
	exchange(2, msg);
	EXPECT_EQ(counter(EGRESS_REASON_DNS_MALFORMED), 1u);
	EXPECT_EQ(dns_->learned_count(), 0u);
}

TEST_F(DnsParse, HeaderOnlyAndShorterAreMalformed) {
	Bytes three = good(3), four = good(4);
	exchange(3, Bytes(three.begin(), three.begin() + 12));
	exchange(4, Bytes(four.begin(), four.begin() + 7));
	exchange(5, {});
	EXPECT_EQ(counter(EGRESS_REASON_DNS_MALFORMED), 3u);
	EXPECT_EQ(counter(EGRESS_REASON_DNS_PARSED), 0u);
}

TEST_F(DnsParse, QuestionCountOtherThanOneIsMalformed) {
	exchange(6,
	         DnsBuilder::response(6).question("ok.example.com").override_counts(0, std::nullopt).build());
	exchange(7, DnsBuilder::response(7)
	                .question("ok.example.com")
	                .question("ok.example.com")
	                .answer_a_ptr(12, "192.0.2.10", 60)
	                .build());
	EXPECT_EQ(counter(EGRESS_REASON_DNS_MALFORMED), 2u);
	EXPECT_EQ(dns_->learned_count(), 0u);
}

TEST_F(DnsParse, AQueryFromPort53IsNotAResponse) {
	exchange(8, DnsBuilder::query(8).question("ok.example.com").build());
	EXPECT_EQ(counter(EGRESS_REASON_DNS_MALFORMED), 1u);
}

TEST_F(DnsParse, CompressionInTheQuestionIsMalformed) {
	Bytes msg = DnsBuilder::response(9).question("ok.example.com").build();
	// the question becomes "x" + pointer to itself's tail: a pointer in the question
	Bytes q = {1, 'x', 0xc0, 12, 0, 1, 0, 1};
	msg.resize(12);
	msg.insert(msg.end(), q.begin(), q.end());
	exchange(9, msg);
	EXPECT_EQ(counter(EGRESS_REASON_DNS_MALFORMED), 1u);
}

TEST_F(DnsParse, ForwardAndLoopingPointersInAnswersAreMalformed) {
	Bytes msg = DnsBuilder::response(10).question("ok.example.com").build();
	uint16_t self = static_cast<uint16_t>(msg.size());
	append_rr(msg, pointer(self), 1, 60, ip_bytes("192.0.2.11")); // points at itself
	exchange(10, msg);
	Bytes fwd = DnsBuilder::response(11).question("ok.example.com").build();
	append_rr(fwd, pointer(static_cast<uint16_t>(fwd.size() + 40)), 1, 60, ip_bytes("192.0.2.12"));
	exchange(11, fwd);
	EXPECT_EQ(counter(EGRESS_REASON_DNS_MALFORMED), 2u);
	EXPECT_EQ(dns_->learned_count(), 0u);
}

TEST_F(DnsParse, ALabelOver63IsMalformed) {
	Bytes msg = DnsBuilder::response(12).question("ok.example.com").build();
	Bytes owner = {0x40};
	owner.insert(owner.end(), 0x40, 'a');
	owner.push_back(0);
	append_rr(msg, owner, 1, 60, ip_bytes("192.0.2.13"));
	exchange(12, msg);
	EXPECT_EQ(counter(EGRESS_REASON_DNS_MALFORMED), 1u);
	EXPECT_FALSE(dns_->learned("192.0.2.13"));
}

TEST_F(DnsParse, TheTruncationBitTeachesNothing) {
	exchange(13, DnsBuilder::response(13)
	                 .truncated()
	                 .question("ok.example.com")
	                 .answer_a_ptr(12, "192.0.2.14", 60)
	                 .build());
	EXPECT_EQ(counter(EGRESS_REASON_DNS_TRUNCATED), 1u);
	EXPECT_FALSE(dns_->learned("192.0.2.14"));
}

TEST_F(DnsParse, AnswersBeyondTheCopiedBytesAreCountedTruncated) {
	// a long TXT record first pushes the address record past EGRESS_DNS_BUF
	Bytes txt(500, 'x');
	txt[0] = 255;
	auto msg = DnsBuilder::response(14)
	               .question("ok.example.com")
	               .answer_a_ptr(12, "192.0.2.15", 60)
	               .answer_raw("ok.example.com", 16, 1, 60, txt)
	               .answer_a_ptr(12, "192.0.2.16", 60)
	               .build();
	ASSERT_GT(msg.size(), static_cast<size_t>(EGRESS_DNS_BUF));
	exchange(14, msg);
	EXPECT_TRUE(dns_->learned("192.0.2.15"));
	EXPECT_FALSE(dns_->learned("192.0.2.16"));
	EXPECT_EQ(counter(EGRESS_REASON_DNS_TRUNCATED), 1u);
}

TEST_F(DnsParse, ACutOffRecordIsCountedTruncated) {
	Bytes msg = good(15);
	msg.resize(msg.size() - 2); // the address loses two bytes
	exchange(15, msg);
	EXPECT_EQ(counter(EGRESS_REASON_DNS_TRUNCATED), 1u);
	EXPECT_EQ(dns_->learned_count(), 0u);
}

TEST_F(DnsParse, ErrorResponsesAreParsedButTeachNothing) {
	exchange(16, DnsBuilder::response(16)
	                 .rcode(3)
	                 .question("ok.example.com")
	                 .answer_a_ptr(12, "192.0.2.17", 60)
	                 .build());
	exchange(17, DnsBuilder::response(17)
	                 .rcode(2)
	                 .question("ok.example.com")
	                 .answer_a_ptr(12, "192.0.2.18", 60)
	                 .build());
	EXPECT_EQ(counter(EGRESS_REASON_DNS_PARSED), 2u);
	EXPECT_EQ(counter(EGRESS_REASON_DNS_NO_QUERY), 0u);
	EXPECT_EQ(dns_->learned_count(), 0u);
}

TEST_F(DnsParse, NamesUpToThirtyTwoLabelsAreWalked) {
	std::string deep32, deep33;
	for (int i = 0; i < 30; ++i)
		deep32 += "a.";
	deep33 = "b." + deep32;
	deep32 += "example.com";
	deep33 += "example.com";
	dns_->allow({"**.example.com"});
	dns_->exchange(18, deep32,
	               DnsBuilder::response(18).question(deep32).answer_a_ptr(12, "192.0.2.19", 60).build());
	dns_->exchange(19, deep33,
	               DnsBuilder::response(19).question(deep33).answer_a_ptr(12, "192.0.2.20", 60).build());
	EXPECT_TRUE(dns_->learned("192.0.2.19"));
	EXPECT_FALSE(dns_->learned("192.0.2.20"));
	EXPECT_EQ(counter(EGRESS_REASON_DNS_MALFORMED), 1u);
}

TEST_F(DnsParse, TcpFromPort53IsCountedNotParsed) {
	auto seg = PacketBuilder()
	               .ethernet()
	               .ipv4(kResolver4, kClient4)
	               .tcp(53, kClientPort)
	               .ack()
	               .payload(Bytes{0, 40})
	               .build();
	auto r = dns_->env().ingress(seg);
	ASSERT_EQ(r.err, 0);
	EXPECT_EQ(r.retval, 1u);
	EXPECT_EQ(counter(EGRESS_REASON_DNS_TCP), 1u);
	// a bare ACK carries no DNS
	dns_->env().ingress(
	    PacketBuilder().ethernet().ipv4(kResolver4, kClient4).tcp(53, kClientPort).ack().build());
	EXPECT_EQ(counter(EGRESS_REASON_DNS_TCP), 1u);
}

} // namespace
