#include "dns/message.h"

#include <gtest/gtest.h>

#include "packet_builder.h"

namespace egress::dns {
namespace {

using testlib::Bytes;
using testlib::DnsBuilder;

Message parse_ok(const Bytes& b) {
	auto m = parse_message(b);
	EXPECT_TRUE(m.ok()) << m.error().to_string();
	return m.ok() ? *m : Message{};
}

std::string parse_err(const Bytes& b) {
	auto m = parse_message(b);
	EXPECT_FALSE(m.ok());
	return m.ok() ? "" : m.error().to_string();
}

void put16(Bytes& b, uint16_t v) {
	b.push_back(static_cast<uint8_t>(v >> 8));
	b.push_back(static_cast<uint8_t>(v));
}

// A record header: type, class IN, ttl, rdlength.
void rr_header(Bytes& b, uint16_t type, uint32_t ttl, uint16_t rdlength) {
	put16(b, type);
	put16(b, kClassIn);
	put16(b, static_cast<uint16_t>(ttl >> 16));
	put16(b, static_cast<uint16_t>(ttl));
	put16(b, rdlength);
}

TEST(DnsMessage, SimpleAResponse) {
	auto m = parse_ok(DnsBuilder::response(0x1234)
	                      .question("mcr.microsoft.com")
	                      .answer_a("mcr.microsoft.com", "20.1.2.3", 300)
	                      .build());
	EXPECT_EQ(m.header.id, 0x1234);
	EXPECT_TRUE(m.header.qr());
	EXPECT_TRUE(m.header.rd());
	EXPECT_TRUE(m.header.ra());
	EXPECT_FALSE(m.header.tc());
	EXPECT_EQ(m.header.rcode(), 0);
	EXPECT_EQ(m.header.opcode(), 0);
	ASSERT_EQ(m.questions.size(), 1u);
	EXPECT_EQ(m.questions[0].name, "mcr.microsoft.com");
	EXPECT_EQ(m.questions[0].type, kTypeA);
	EXPECT_EQ(m.questions[0].cls, kClassIn);
	ASSERT_EQ(m.answers.size(), 1u);
	const auto& a = m.answers[0];
	EXPECT_EQ(a.name, "mcr.microsoft.com");
	EXPECT_EQ(a.type, kTypeA);
	EXPECT_EQ(a.ttl, 300u);
	EXPECT_TRUE(a.is_address());
	EXPECT_EQ(a.address.family, Family::v4);
	EXPECT_EQ(a.address.to_string(), "20.1.2.3");
	EXPECT_EQ(a.rdata.size(), 4u);
}

TEST(DnsMessage, HeaderFlags) {
	auto m = parse_ok(DnsBuilder::response(1).truncated().rcode(3).question("a.b").build());
	EXPECT_TRUE(m.header.tc());
	EXPECT_EQ(m.header.rcode(), 3);
	m = parse_ok(DnsBuilder::query(2).question("a.b").build());
	EXPECT_FALSE(m.header.qr());
}

TEST(DnsMessage, MixedCaseAndTrailingDotComeBackLowerCase) {
	auto m = parse_ok(DnsBuilder::response(1)
	                      .question("API.GitHub.COM.")
	                      .answer_aaaa("Api.GITHUB.com", "2001:db8::1", 60)
	                      .build());
	EXPECT_EQ(m.questions[0].name, "api.github.com");
	EXPECT_EQ(m.answers[0].name, "api.github.com");
	EXPECT_EQ(m.answers[0].address.family, Family::v6);
	EXPECT_EQ(m.answers[0].address.to_string(), "2001:db8::1");
	EXPECT_EQ(m.answers[0].type, kTypeAaaa);
}

TEST(DnsMessage, CompressedOwnerPointsAtQuestion) {
	auto m = parse_ok(DnsBuilder::response(7)
	                      .question("www.example.com")
	                      .answer_a_ptr(12, "93.184.216.34", 300)
	                      .answer_a_ptr(12, "93.184.216.35", 300)
	                      .build());
	ASSERT_EQ(m.answers.size(), 2u);
	EXPECT_EQ(m.answers[0].name, "www.example.com");
	EXPECT_EQ(m.answers[1].name, "www.example.com");
	EXPECT_EQ(m.answers[1].address.to_string(), "93.184.216.35");
}

TEST(DnsMessage, CompressedCnameTargetAndPointerToPointer) {
	// q: www.example.com at 12 ("example.com" at 16). Answer 1: www CNAME "edge" + ptr(16).
	// Answer 2: owner = ptr to the CNAME target (a name that itself ends in a pointer).
	Bytes b = DnsBuilder::response(9).question("www.example.com").build();
	b[7] = 2; // ANCOUNT
	put16(b, 0xc00c);
	rr_header(b, kTypeCname, 60, 7);
	size_t target = b.size();
	b.insert(b.end(), {4, 'e', 'd', 'g', 'e', 0xc0, 16});
	put16(b, static_cast<uint16_t>(0xc000 | target));
	rr_header(b, kTypeA, 30, 4);
	b.insert(b.end(), {10, 0, 0, 1});
	auto m = parse_ok(b);
	ASSERT_EQ(m.answers.size(), 2u);
	EXPECT_EQ(m.answers[0].target, "edge.example.com");
	EXPECT_EQ(m.answers[1].name, "edge.example.com");
	EXPECT_EQ(m.answers[1].address.to_string(), "10.0.0.1");
}

TEST(DnsMessage, ReadNameMovesPastThePointer) {
	Bytes b = DnsBuilder::response(1).question("a.bc").build(); // name at 12..17
	b.insert(b.end(), {1, 'x', 0xc0, 12});
	size_t off = b.size() - 4;
	auto n = read_name(b, off);
	ASSERT_TRUE(n.ok());
	EXPECT_EQ(*n, "x.a.bc");
	EXPECT_EQ(off, b.size());
	off = 12;
	ASSERT_TRUE(read_name(b, off).ok());
	EXPECT_EQ(off, 18u);
}

class DnsAnswerCount : public ::testing::TestWithParam<int> {};

TEST_P(DnsAnswerCount, AllAnswersParsed) {
	int n = GetParam();
	auto builder = DnsBuilder::response(1).question("many.example.com");
	for (int i = 0; i < n; ++i)
		builder.answer_a_ptr(12, "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256),
		                     static_cast<uint32_t>(i));
	auto m = parse_ok(builder.build());
	ASSERT_EQ(m.answers.size(), static_cast<size_t>(n));
	for (int i = 0; i < n; ++i) {
		EXPECT_EQ(m.answers[static_cast<size_t>(i)].ttl, static_cast<uint32_t>(i));
		EXPECT_EQ(m.answers[static_cast<size_t>(i)].address.bytes[3], i % 256);
	}
}
INSTANTIATE_TEST_SUITE_P(Dns, DnsAnswerCount, ::testing::Values(1, 4, 16, 64));

TEST(DnsMessage, TtlZeroAndTopBitMeansZero) {
	auto m = parse_ok(DnsBuilder::response(1)
	                      .question("a.b")
	                      .answer_a("a.b", "1.2.3.4", 0)
	                      .answer_a("a.b", "1.2.3.5", 0x80000001u)
	                      .answer_a("a.b", "1.2.3.6", 0x7fffffffu)
	                      .build());
	EXPECT_EQ(m.answers[0].ttl, 0u);
	EXPECT_EQ(m.answers[1].ttl, 0u);
	EXPECT_EQ(m.answers[2].ttl, 0x7fffffffu);
}

TEST(DnsMessage, AuthorityAndAdditionalSections) {
	Bytes b = DnsBuilder::response(1).question("a.b").answer_a("a.b", "1.2.3.4", 5).build();
	// Move the answer into the additional section (an OPT-like record) by editing counts.
	b[7] = 0;
	b[11] = 1;
	auto m = parse_ok(b);
	EXPECT_TRUE(m.answers.empty());
	ASSERT_EQ(m.additionals.size(), 1u);
	b[9] = 1;
	b[11] = 0;
	m = parse_ok(b);
	ASSERT_EQ(m.authorities.size(), 1u);
}

TEST(DnsMessage, OtherTypesKeepRawRdata) {
	auto m = parse_ok(DnsBuilder::response(1)
	                      .question("a.b")
	                      .answer_raw("a.b", kTypeTxt, kClassIn, 1, {3, 'x', 'y', 'z'})
	                      .answer_raw("a.b", kTypeA, 3 /* CH */, 1, {1, 2, 3})
	                      .build());
	EXPECT_EQ(m.answers[0].rdata, (Bytes{3, 'x', 'y', 'z'}));
	EXPECT_FALSE(m.answers[0].is_address());
	EXPECT_FALSE(m.answers[1].is_address()); // class CH: not decoded, rdlength not checked
}

TEST(DnsMessage, TrailingBytesAreIgnored) {
	Bytes b = DnsBuilder::response(1).question("a.b").answer_a("a.b", "1.2.3.4", 5).build();
	b.insert(b.end(), {0, 0, 0});
	EXPECT_EQ(parse_ok(b).answers.size(), 1u);
}

// ---- malformed ------------------------------------------------------------------------------

TEST(DnsMessageMalformed, TruncatedHeader) {
	Bytes b = DnsBuilder::response(1).build();
	for (size_t n = 0; n < kHeaderSize; ++n) {
		std::string e = parse_err(Bytes(b.begin(), b.begin() + static_cast<long>(n)));
		EXPECT_NE(e.find("truncated header"), std::string::npos) << e;
		EXPECT_NE(e.find("at offset 0"), std::string::npos) << e;
	}
	EXPECT_TRUE(parse_message(b).ok()); // an empty 12-byte message is fine
}

TEST(DnsMessageMalformed, EveryTruncationOfAValidMessageIsAnError) {
	Bytes b = DnsBuilder::response(1)
	              .question("www.example.com")
	              .answer_cname("www.example.com", "edge.example.net", 60)
	              .answer_a("edge.example.net", "1.2.3.4", 5)
	              .answer_aaaa("edge.example.net", "2001:db8::2", 5)
	              .build();
	ASSERT_TRUE(parse_message(b).ok());
	for (size_t n = 0; n < b.size(); ++n)
		EXPECT_FALSE(parse_message(std::span<const uint8_t>(b.data(), n)).ok()) << "prefix " << n;
}

TEST(DnsMessageMalformed, LabelTypeOver63) {
	Bytes b = DnsBuilder::response(1).question("a.b").build();
	b[12] = 0x40; // reserved (EDNS0 extended label type)
	std::string e = parse_err(b);
	EXPECT_NE(e.find("over 63"), std::string::npos) << e;
	EXPECT_NE(e.find("at offset 12"), std::string::npos) << e;
	b[12] = 0x80;
	EXPECT_NE(parse_err(b).find("over 63"), std::string::npos);
}

TEST(DnsMessageMalformed, NameOver255) {
	std::string l63(63, 'a');
	// Four 63-byte labels: 4 * 64 + 1 = 257 wire bytes.
	Bytes b = DnsBuilder::response(1).question(l63 + "." + l63 + "." + l63 + "." + l63).build();
	EXPECT_NE(parse_err(b).find("longer than 255"), std::string::npos);
	// Also when the length comes from following a pointer: 2 labels + a pointer to 2 more.
	Bytes c = DnsBuilder::response(1).question(l63 + "." + l63).build();
	c[7] = 1;
	for (int i = 0; i < 2; ++i) {
		c.insert(c.end(), {63});
		c.insert(c.end(), l63.begin(), l63.end());
	}
	c.insert(c.end(), {0xc0, 12});
	rr_header(c, kTypeA, 1, 4);
	c.insert(c.end(), {1, 2, 3, 4});
	std::string e = parse_err(c);
	EXPECT_NE(e.find("answer 0"), std::string::npos) << e;
	EXPECT_NE(e.find("longer than 255"), std::string::npos) << e;
}

TEST(DnsMessageMalformed, ForwardPointer) {
	Bytes b = DnsBuilder::response(1).question("a.b").build();
	b[7] = 1;
	size_t at = b.size();
	put16(b, static_cast<uint16_t>(0xc000 | (at + 2))); // points forward
	rr_header(b, kTypeA, 1, 4);
	b.insert(b.end(), {1, 2, 3, 4});
	std::string e = parse_err(b);
	EXPECT_NE(e.find("does not point backwards at offset " + std::to_string(at)), std::string::npos) << e;
}

TEST(DnsMessageMalformed, SelfPointerAndTwoPointerLoop) {
	Bytes b = DnsBuilder::response(1).build();
	b[5] = 1;                                  // QDCOUNT
	b.insert(b.end(), {0xc0, 12, 0, 1, 0, 1}); // pointer to itself
	EXPECT_NE(parse_err(b).find("does not point backwards"), std::string::npos);

	// 12: label "a" then a pointer to 17; 17: pointer back to 12. Reading from 12 goes 12 -> 17
	// (forward: rejected); reading from 17 goes to 12, then 12's pointer to 17 is not before 12.
	Bytes c = DnsBuilder::response(1).build();
	c[5] = 1;
	c.insert(c.end(), {1, 'a', 0xc0, 17, 0, 0xc0, 12});
	size_t off = 17;
	auto n = read_name(c, off);
	ASSERT_FALSE(n.ok());
	EXPECT_NE(n.error().message().find("does not point backwards at offset 14"), std::string::npos)
	    << n.error().message();
}

TEST(DnsMessageMalformed, PointerHopLimit) {
	// Question "a" at 12; answer i's owner points at answer i-1's owner: answer i needs i+1 hops.
	auto build = [](int answers) {
		Bytes b = DnsBuilder::response(1).question("a").build();
		b[6] = static_cast<uint8_t>(answers >> 8);
		b[7] = static_cast<uint8_t>(answers);
		size_t prev = 12;
		for (int i = 0; i < answers; ++i) {
			size_t here = b.size();
			put16(b, static_cast<uint16_t>(0xc000 | prev));
			rr_header(b, kTypeA, 1, 4);
			b.insert(b.end(), {1, 2, 3, 4});
			prev = here;
		}
		return b;
	};
	auto ok = parse_message(build(kMaxPointerHops));
	ASSERT_TRUE(ok.ok()) << ok.error().to_string();
	EXPECT_EQ(ok->answers.back().name, "a");
	std::string e = parse_err(build(kMaxPointerHops + 1));
	EXPECT_NE(e.find("answer 64"), std::string::npos) << e;
	EXPECT_NE(e.find("more than 64 compression pointers"), std::string::npos) << e;
}

TEST(DnsMessageMalformed, RdlengthPastTheEnd) {
	Bytes b = DnsBuilder::response(1).question("a.b").answer_a("a.b", "1.2.3.4", 5).build();
	b.resize(b.size() - 1);
	std::string e = parse_err(b);
	EXPECT_NE(e.find("rdlength 4 runs past the end"), std::string::npos) << e;
	EXPECT_NE(e.find("answer 0"), std::string::npos) << e;
	b = DnsBuilder::response(1).question("a.b").answer_raw("a.b", kTypeTxt, 1, 1, {1, 'x'}).build();
	b[b.size() - 3] = 0xff; // rdlength 0xff02
	EXPECT_NE(parse_err(b).find("runs past the end"), std::string::npos);
}

TEST(DnsMessageMalformed, CountsExceedingData) {
	Bytes b = DnsBuilder::response(1)
	              .question("a.b")
	              .answer_a("a.b", "1.2.3.4", 5)
	              .override_counts(std::nullopt, 10)
	              .build();
	std::string e = parse_err(b);
	EXPECT_NE(e.find("promise more records"), std::string::npos) << e;
	b = DnsBuilder::response(1).question("a.b").override_counts(0xffff, 0xffff).build();
	EXPECT_NE(parse_err(b).find("promise more records"), std::string::npos);
	// Counts that pass the size estimate but still run out of bytes.
	b = DnsBuilder::response(1)
	        .question("a.b")
	        .answer_a("a.b", "1.2.3.4", 5)
	        .override_counts(3, 1)
	        .build();
	EXPECT_FALSE(parse_message(b).ok());
}

TEST(DnsMessageMalformed, AddressRdlengthMustFit) {
	std::string e = parse_err(DnsBuilder::response(1)
	                              .question("a.b")
	                              .answer_raw("a.b", kTypeA, kClassIn, 1, {1, 2, 3, 4, 5})
	                              .build());
	EXPECT_NE(e.find("A record with rdlength 5"), std::string::npos) << e;
	e = parse_err(DnsBuilder::response(1)
	                  .question("a.b")
	                  .answer_raw("a.b", kTypeAaaa, kClassIn, 1, {1, 2, 3, 4})
	                  .build());
	EXPECT_NE(e.find("AAAA record with rdlength 4"), std::string::npos) << e;
}

TEST(DnsMessageMalformed, CnameMustFillRdata) {
	std::string e = parse_err(DnsBuilder::response(1)
	                              .question("a.b")
	                              .answer_raw("a.b", kTypeCname, kClassIn, 1, {1, 'c', 0, 0})
	                              .build());
	EXPECT_NE(e.find("does not fill its rdata"), std::string::npos) << e;
	// A target running past its rdata into the next bytes.
	e = parse_err(DnsBuilder::response(1)
	                  .question("a.b")
	                  .answer_raw("a.b", kTypeCname, kClassIn, 1, {3, 'c'})
	                  .build());
	EXPECT_FALSE(e.empty());
}

TEST(DnsMessageMalformed, QuestionTruncated) {
	Bytes b = DnsBuilder::response(1).question("a.b").build();
	b.resize(b.size() - 2); // qclass missing
	std::string e = parse_err(b);
	EXPECT_NE(e.find("question 0 truncated at offset 17"), std::string::npos) << e;
}

} // namespace
} // namespace egress::dns
