#include <gtest/gtest.h>

#include "policy/check.h"
#include "verdict/check.h"
#include "verdict/memory_maps.h"
#include "policy_test_support.h"

namespace egress::policy::test {
namespace {

CheckQuery query(const std::string& dest, Proto proto = Proto::tcp) {
	auto q = parse_check_query(dest, proto);
	EXPECT_TRUE(q.ok()) << dest << ": " << q.error().to_string();
	return q.ok() ? *q : CheckQuery{};
}

TEST(CheckQuery, ParsesNamesAddressesAndPorts) {
	auto a = query("MCR.microsoft.com.:443");
	EXPECT_EQ(a.destination, "mcr.microsoft.com");
	EXPECT_FALSE(a.is_address);
	EXPECT_EQ(a.port, 443);
	auto b = query("10.0.0.10");
	EXPECT_TRUE(b.is_address);
	EXPECT_FALSE(b.port.has_value());
	auto c = query("[2001:db8::1]:53", Proto::udp);
	EXPECT_TRUE(c.is_address);
	EXPECT_EQ(c.destination, "2001:db8::1");
	EXPECT_EQ(c.port, 53);
	EXPECT_EQ(c.proto, Proto::udp);
	auto d = query("2001:db8::1");
	EXPECT_TRUE(d.is_address);
	for (const char* bad : {"x.com:0", "x.com:70000", "x.com:", "[::1", "bad name!", "*.x.com", ""})
		EXPECT_FALSE(parse_check_query(bad, Proto::tcp).ok()) << bad;
}

class CheckPolicy : public ::testing::Test {
protected:
	void SetUp() override {
		config_ = load_case_config(cloud_cases()[0]);
		policy_ = compile_variant(cloud_cases()[0], variants()[0]);
	}
	// As `egressctl check --config` answers: the maps this policy would produce, asked the
	// kernel's way (verdict::check), reported by the rules that cover the destination.
	CheckResult run(const std::string& dest, Proto proto = Proto::tcp) {
		auto desired = verdict::build_desired_state(policy_);
		EXPECT_TRUE(desired.ok()) << desired.error().to_string();
		auto q = query(dest, proto);
		verdict::MemoryMaps maps(*desired);
		verdict::AddressEntries entries;
		if (q.is_address)
			entries = *verdict::lookup(maps, verdict::judged_address(verdict::address_query(q)));
		verdict::CheckContext ctx{&policy_, &*desired, &embedded_catalog(), &config_};
		return verdict::check(ctx, q, entries, 0).result;
	}
	Config config_;
	CompiledPolicy policy_;
};

TEST_F(CheckPolicy, AllowedNameNamesItsRuleAndOrigin) {
	auto r = run("mcr.microsoft.com:443");
	EXPECT_TRUE(r.allowed);
	EXPECT_EQ(r.reason, "name_rule");
	ASSERT_FALSE(r.matches.empty());
	EXPECT_EQ(r.matches[0].rule, "mcr.microsoft.com");
	EXPECT_EQ(r.matches[0].origins, std::vector<std::string>{"pub-fqdn-mcr"});
	EXPECT_NE(to_text(r).find("allowed: mcr.microsoft.com tcp/443 by mcr.microsoft.com"),
	          std::string::npos);
}

TEST_F(CheckPolicy, WildcardDepthIsRespected) {
	EXPECT_TRUE(run("mycluster-1.hcp.eastus.azmk8s.io:443").allowed);
	auto deep = run("a.b.hcp.eastus.azmk8s.io:443"); // *. is one label
	EXPECT_FALSE(deep.allowed);
	EXPECT_NE(to_text(deep).find("covers exactly one label"), std::string::npos) << to_text(deep);
	EXPECT_TRUE(run("eastus.data.mcr.microsoft.com:443").allowed);
	EXPECT_TRUE(run("a.b.data.mcr.microsoft.com:443").allowed); // **. spans depth
	auto bare = run("data.mcr.microsoft.com:443");
	EXPECT_FALSE(bare.allowed);
	bool noted = false;
	for (const auto& n : bare.notes)
		noted = noted || n.find("does not cover the bare name") != std::string::npos;
	EXPECT_TRUE(noted);
}

TEST_F(CheckPolicy, WrongPortIsDeniedWithTheAllowedPorts) {
	auto r = run("mcr.microsoft.com:80");
	EXPECT_FALSE(r.allowed);
	EXPECT_EQ(r.reason, "port_not_allowed");
	EXPECT_NE(to_text(r).find("allows only tcp/443"), std::string::npos);
	EXPECT_FALSE(run("mcr.microsoft.com:443", Proto::udp).allowed);
}

TEST_F(CheckPolicy, NoPortMeansAnyPortOfTheProtocol) {
	EXPECT_TRUE(run("mcr.microsoft.com").allowed);
	EXPECT_FALSE(run("mcr.microsoft.com", Proto::udp).allowed);
	EXPECT_TRUE(run("ntp.ubuntu.com", Proto::udp).allowed);
}

TEST_F(CheckPolicy, AddressesHitTheFloorAndCidrs) {
	auto lo = run("127.0.0.1:8080");
	EXPECT_TRUE(lo.allowed);
	EXPECT_EQ(lo.reason, "loopback");
	auto dns = run("10.0.0.10:53", Proto::udp);
	EXPECT_TRUE(dns.allowed);
	EXPECT_EQ(dns.reason, "safety_floor");
	auto allow = run("192.0.2.10:8443");
	EXPECT_TRUE(allow.allowed);
	EXPECT_EQ(allow.reason, "cidr");
	EXPECT_EQ(allow.matches[0].origins, std::vector<std::string>{"config:allow[1]"});
	auto other = run("192.0.2.10:22");
	EXPECT_FALSE(other.allowed);
	EXPECT_EQ(other.reason, "port_not_allowed");
	auto none = run("8.8.8.8:443");
	EXPECT_FALSE(none.allowed);
	EXPECT_EQ(none.reason, "no_rule");
	EXPECT_FALSE(none.notes.empty());
}

TEST_F(CheckPolicy, DeniedNameIsExplainedByTheCatalog) {
	auto gpu = run("nvidia.github.io:443");
	EXPECT_FALSE(gpu.allowed);
	EXPECT_EQ(gpu.reason, "no_rule");
	std::string text = to_text(gpu);
	EXPECT_NE(text.find("gpu-nvidia-github"), std::string::npos) << text;
	EXPECT_NE(text.find("feature gpu is not enabled"), std::string::npos) << text;
	auto china = run("mcr.azure.cn:443");
	EXPECT_NE(to_text(china).find("AzureChinaCloud"), std::string::npos) << to_text(china);
}

TEST_F(CheckPolicy, JsonShapeIsStable) {
	auto j = to_json(run("mcr.microsoft.com:443"));
	EXPECT_EQ(j["destination"], "mcr.microsoft.com");
	EXPECT_EQ(j["type"], "name");
	EXPECT_EQ(j["proto"], "tcp");
	EXPECT_EQ(j["port"], 443);
	EXPECT_EQ(j["verdict"], "allowed");
	EXPECT_EQ(j["reason"], "name_rule");
	EXPECT_EQ(j["matches"][0]["rule"], "mcr.microsoft.com");
	EXPECT_EQ(j["matches"][0]["ports"][0], "tcp/443");
	EXPECT_TRUE(j["notes"].is_array());
	EXPECT_TRUE(to_json(run("mcr.microsoft.com"))["port"].is_null());
}

} // namespace
} // namespace egress::policy::test
