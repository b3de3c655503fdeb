#include "policy/net_types.h"

#include <gtest/gtest.h>

namespace {

using namespace egress;
using namespace egress::policy;

TEST(ParseIp, V4AndV6) {
	auto v4 = parse_ip("10.0.0.10");
	ASSERT_TRUE(v4.ok()) << v4.error().to_string();
	EXPECT_EQ(v4->family, Family::v4);
	EXPECT_EQ(v4->bytes[0], 10);
	EXPECT_EQ(v4->bytes[3], 10);
	EXPECT_EQ(v4->bytes[4], 0); // the unused tail stays zero
	EXPECT_EQ(v4->to_string(), "10.0.0.10");

	auto v6 = parse_ip("2001:DB8::1");
	ASSERT_TRUE(v6.ok());
	EXPECT_EQ(v6->family, Family::v6);
	EXPECT_EQ(v6->to_string(), "2001:db8::1");

	auto mapped = parse_ip("::ffff:1.2.3.4");
	ASSERT_TRUE(mapped.ok());
	EXPECT_EQ(mapped->family, Family::v6);
}

TEST(ParseIp, Rejects) {
	for (const char* bad : {"", "10.0.0", "10.0.0.256", "010.0.0.1", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4/32",
	                        "fe80::1%eth0", "2001:db8:::1", "host.example", "[::1]",
	                        "1111:2222:3333:4444:5555:6666:7777:8888:9999:0000:1111"}) {
		auto r = parse_ip(bad);
		EXPECT_FALSE(r.ok()) << bad;
	}
}

TEST(ParseCidr, CanonicalForms) {
	auto c = parse_cidr("10.224.0.0/12");
	ASSERT_TRUE(c.ok()) << c.error().to_string();
	EXPECT_EQ(c->prefix, 12);
	EXPECT_EQ(c->to_string(), "10.224.0.0/12");

	auto host = parse_cidr("10.0.0.10");
	ASSERT_TRUE(host.ok());
	EXPECT_EQ(host->to_string(), "10.0.0.10/32");

	auto v6 = parse_cidr("2001:DB8:10::/48");
	ASSERT_TRUE(v6.ok());
	EXPECT_EQ(v6->to_string(), "2001:db8:10::/48");
	EXPECT_EQ(parse_cidr("::/0")->to_string(), "::/0");
	EXPECT_EQ(parse_cidr("0.0.0.0/0")->to_string(), "0.0.0.0/0");
	EXPECT_EQ(parse_cidr("2001:db8::1")->prefix, 128);
}

TEST(ParseCidr, HostBitsRejectedWithHintOrMasked) {
	auto r = parse_cidr("10.0.0.1/8");
	ASSERT_FALSE(r.ok());
	EXPECT_NE(r.error().message().find("did you mean 10.0.0.0/8?"), std::string::npos)
	    << r.error().message();

	auto m = parse_cidr("10.1.2.3/8", HostBits::mask);
	ASSERT_TRUE(m.ok());
	EXPECT_EQ(m->to_string(), "10.0.0.0/8");
	auto m6 = parse_cidr("2001:db8:ffff::1/33", HostBits::mask);
	ASSERT_TRUE(m6.ok());
	EXPECT_EQ(m6->to_string(), "2001:db8:8000::/33");
}

TEST(ParseCidr, Rejects) {
	for (const char* bad : {"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8",
	                        "10.0.0.0/8/8", "/8", "10.0.0.0/ 8", "10.0.0.0/0x8", "x/8"})
		EXPECT_FALSE(parse_cidr(bad).ok()) << bad;
	auto r = parse_cidr("10.0.0.0/33");
	EXPECT_EQ(r.error().message(), "\"10.0.0.0/33\": bad prefix: length must be 0-32");
}

TEST(Cidr, Contains) {
	auto net = *parse_cidr("10.244.0.0/16");
	EXPECT_TRUE(net.contains(*parse_ip("10.244.3.4")));
	EXPECT_FALSE(net.contains(*parse_ip("10.245.0.1")));
	EXPECT_FALSE(net.contains(*parse_ip("::ffff:10.244.3.4"))); // families never mix here
	EXPECT_TRUE(net.contains(*parse_cidr("10.244.128.0/17")));
	EXPECT_FALSE(net.contains(*parse_cidr("10.0.0.0/8")));
	auto all6 = *parse_cidr("::/0");
	EXPECT_TRUE(all6.contains(*parse_ip("2001:db8::1")));
	auto odd = *parse_cidr("2001:db8::/33");
	EXPECT_TRUE(odd.contains(*parse_ip("2001:db8:7fff::1")));
	EXPECT_FALSE(odd.contains(*parse_ip("2001:db8:8000::1")));
}

TEST(PortSpec, Forms) {
	struct Case {
		const char* text;
		Proto proto;
		unsigned lo, hi;
		const char* canonical;
	};
	for (const Case& c :
	     {Case{"tcp/443", Proto::tcp, 443, 443, "tcp/443"},
	      Case{"UDP/123", Proto::udp, 123, 123, "udp/123"},
	      Case{"tcp/1000-2000", Proto::tcp, 1000, 2000, "tcp/1000-2000"},
	      Case{"tcp/1-65535", Proto::tcp, 1, 65535, "tcp/1-65535"},
	      Case{"tcp", Proto::tcp, 0, 65535, "tcp"}, Case{"udp", Proto::udp, 0, 65535, "udp"},
	      Case{"any", Proto::any, 0, 65535, "any"}, Case{"ICMP", Proto::icmp, 0, 65535, "icmp"},
	      Case{"icmpv6", Proto::icmpv6, 0, 65535, "icmpv6"}}) {
		auto r = parse_port_spec(c.text);
		ASSERT_TRUE(r.ok()) << c.text << ": " << r.error().to_string();
		EXPECT_EQ(r->proto, c.proto) << c.text;
		EXPECT_EQ(r->lo, c.lo) << c.text;
		EXPECT_EQ(r->hi, c.hi) << c.text;
		EXPECT_EQ(r->to_string(), c.canonical);
		EXPECT_EQ(*parse_port_spec(r->to_string()), *r) << "round trip of " << c.text;
	}
}

TEST(PortSpec, Rejects) {
	EXPECT_EQ(parse_port_spec("tcp/99999").error().message(), "\"tcp/99999\": port out of range 1-65535");
	EXPECT_EQ(parse_port_spec("tcp/0").error().message(), "\"tcp/0\": port out of range 1-65535");
	for (const char* bad :
	     {"", "tcp/", "tcp/443-", "tcp/-443", "tcp/2000-1000", "sctp/1", "any/443", "icmp/8", "443",
	      "tcp/44 3", "tcp/+443", "tcp/443/1", "tcp/4294967297", "tcp:443"})
		EXPECT_FALSE(parse_port_spec(bad).ok()) << bad;
	EXPECT_NE(parse_port_spec("tcp/2000-1000").error().message().find("low > high"), std::string::npos);
}

TEST(ListenAddress, Forms) {
	EXPECT_EQ(parse_listen_address("127.0.0.1:9464")->to_string(), "127.0.0.1:9464");
	EXPECT_EQ(parse_listen_address("[::1]:9464")->host, "::1");
	EXPECT_EQ(parse_listen_address("[::1]:9464")->to_string(), "[::1]:9464");
	auto any = parse_listen_address(":9464");
	ASSERT_TRUE(any.ok());
	EXPECT_EQ(any->host, "");
	EXPECT_EQ(any->port, 9464);
	for (const char* bad : {"9464", "localhost:9464", "::1:9464", "127.0.0.1:0", "127.0.0.1:65536",
	                        "127.0.0.1:", "[::1]", "1.2.3:80"})
		EXPECT_FALSE(parse_listen_address(bad).ok()) << bad;
	EXPECT_NE(parse_listen_address("localhost:1").error().message().find("names are not resolved"),
	          std::string::npos);
}

} // namespace
