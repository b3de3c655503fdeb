#include <gtest/gtest.h>

#include "policy/compiled_policy.h"

namespace egress::policy {
namespace {

PortRange pr(Proto p, std::uint16_t lo, std::uint16_t hi) {
	return PortRange{p, lo, hi};
}

TEST(NormalizePorts, SortsMergesAdjacentAndOverlappingRangesPerProtocol) {
	auto out =
	    normalize_ports({pr(Proto::udp, 123, 123), pr(Proto::tcp, 443, 443), pr(Proto::tcp, 80, 80),
	                     pr(Proto::tcp, 444, 500), pr(Proto::tcp, 443, 443), pr(Proto::tcp, 490, 600)});
	ASSERT_EQ(out.size(), 3u);
	EXPECT_EQ(out[0].to_string(), "tcp/80");
	EXPECT_EQ(out[1].to_string(), "tcp/443-600");
	EXPECT_EQ(out[2].to_string(), "udp/123");
}

TEST(NormalizePorts, AnyAbsorbsEverything) {
	auto out = normalize_ports({pr(Proto::tcp, 443, 443), PortRange{}, pr(Proto::udp, 53, 53)});
	ASSERT_EQ(out.size(), 1u);
	EXPECT_EQ(out[0].to_string(), "any");
}

TEST(NormalizePorts, KeepsProtocolsApart) {
	auto out = normalize_ports({pr(Proto::tcp, 53, 53), pr(Proto::udp, 53, 53)});
	EXPECT_EQ(ports_text(out), "tcp/53,udp/53");
	EXPECT_TRUE(ports_allow(out, Proto::udp, 53));
	EXPECT_FALSE(ports_allow(out, Proto::udp, 54));
	EXPECT_FALSE(ports_allow({pr(Proto::tcp, 443, 443)}, Proto::udp, 443));
}

TEST(NameRule, DomainStripsTheWildcard) {
	EXPECT_EQ((NameRule{"*.hcp.eastus.azmk8s.io", NameKind::one_label, {}, {}}.domain()),
	          "hcp.eastus.azmk8s.io");
	EXPECT_EQ((NameRule{"**.mp.microsoft.com", NameKind::many_labels, {}, {}}.domain()),
	          "mp.microsoft.com");
	EXPECT_EQ((NameRule{"mcr.microsoft.com", NameKind::exact, {}, {}}.domain()), "mcr.microsoft.com");
}

TEST(CompiledPolicyJson, HasTheDocumentedShapeInStableKeyOrder) {
	CompiledPolicy p;
	p.cloud = "AzureCloud";
	p.location = "eastus";
	p.edition = "current";
	p.names.push_back(
	    NameRule{"*.x.example.com", NameKind::one_label, {pr(Proto::tcp, 443, 443)}, {"row-a"}});
	auto cidr = parse_cidr("10.0.0.0/8");
	ASSERT_TRUE(cidr.ok());
	p.cidrs.push_back(CidrRule{*cidr, {PortRange{}}, {"floor:clusterCIDRs"}, true});
	p.warnings.push_back(PolicyWarning{"row-b", "something"});
	auto j = to_json(p);
	EXPECT_EQ(j["schema"], kCompiledPolicySchema);
	EXPECT_EQ(j["names"][0]["pattern"], "*.x.example.com");
	EXPECT_EQ(j["names"][0]["kind"], "one");
	EXPECT_EQ(j["names"][0]["ports"][0], "tcp/443");
	EXPECT_EQ(j["cidrs"][0]["cidr"], "10.0.0.0/8");
	EXPECT_EQ(j["cidrs"][0]["family"], "ipv4");
	EXPECT_EQ(j["cidrs"][0]["ports"][0], "any");
	EXPECT_EQ(j["cidrs"][0]["floor"], true);
	EXPECT_EQ(j["warnings"][0]["origin"], "row-b");
	std::string text = j.dump();
	EXPECT_LT(text.find("\"schema\""), text.find("\"cloud\""));
	EXPECT_LT(text.find("\"names\""), text.find("\"cidrs\""));
	EXPECT_LT(text.find("\"cidrs\""), text.find("\"warnings\""));
}

TEST(CompiledPolicyTable, ListsEveryRuleAndWarning) {
	CompiledPolicy p;
	p.names.push_back(
	    NameRule{"mcr.microsoft.com", NameKind::exact, {pr(Proto::tcp, 443, 443)}, {"pub-fqdn-mcr"}});
	p.warnings.push_back(PolicyWarning{"x", "careful"});
	auto t = to_table(p);
	EXPECT_NE(t.find("mcr.microsoft.com"), std::string::npos);
	EXPECT_NE(t.find("pub-fqdn-mcr"), std::string::npos);
	EXPECT_NE(t.find("warning: x: careful"), std::string::npos);
}

} // namespace
} // namespace egress::policy
