#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>

#include "catalog/catalog.h"
#include "policy/compiler.h"
#include "verdict/desired_state.h"

namespace {

using namespace egress;
using namespace egress::verdict;
using egress::Proto;
using policy::PortRange;

PortRange tcp(uint16_t lo, uint16_t hi = 0) {
	return {Proto::tcp, lo, hi ? hi : lo};
}
PortRange udp(uint16_t p) {
	return {Proto::udp, p, p};
}

policy::CidrRule cidr(const std::string& text, std::vector<PortRange> ports, bool floor = false) {
	auto c = policy::parse_cidr(text);
	EXPECT_TRUE(c.ok()) << text;
	return {*c, std::move(ports), {"test:" + text}, floor};
}

policy::NameRule name(const std::string& pattern, std::vector<PortRange> ports) {
	policy::NameKind kind = pattern.starts_with("**.")  ? policy::NameKind::many_labels
	                        : pattern.starts_with("*.") ? policy::NameKind::one_label
	                                                    : policy::NameKind::exact;
	return {pattern, kind, std::move(ports), {"test:" + pattern}};
}

template <typename Entries>
const egress_ports* find4(const Entries& entries, const std::string& addr, uint32_t prefix) {
	uint8_t bytes[4];
	inet_pton(AF_INET, addr.c_str(), bytes);
	for (const auto& [k, v] : entries)
		if (k.prefixlen == prefix && std::equal(bytes, bytes + 4, k.addr))
			return &v;
	return nullptr;
}

bool allows(const egress_ports& p, uint8_t proto, uint16_t port) {
	for (uint8_t i = 0; i < p.n_ranges; ++i)
		if ((p.ranges[i].proto == EGRESS_PROTO_ANY || p.ranges[i].proto == proto) &&
		    port >= p.ranges[i].port_lo && port <= p.ranges[i].port_hi)
			return true;
	return false;
}

TEST(DesiredState, MoreSpecificPrefixesCarryThePortsOfEveryCoveringPrefix) {
	policy::CompiledPolicy p;
	p.cidrs = {cidr("10.0.0.0/8", {tcp(443)}), cidr("10.1.0.0/16", {udp(53)}),
	           cidr("10.1.2.0/24", {tcp(8080)}), cidr("10.2.0.0/16", {tcp(22)}),
	           cidr("11.0.0.0/8", {tcp(80)})};
	auto d = build_desired_state(p);
	ASSERT_TRUE(d.ok()) << d.error().to_string();
	ASSERT_EQ(d->cidr4.size(), 5u);

	const egress_ports* k24 = find4(d->cidr4, "10.1.2.0", 24);
	ASSERT_NE(k24, nullptr);
	EXPECT_TRUE(allows(*k24, EGRESS_PROTO_TCP, 8080));
	EXPECT_TRUE(allows(*k24, EGRESS_PROTO_UDP, 53)) << "folded from 10.1.0.0/16";
	EXPECT_TRUE(allows(*k24, EGRESS_PROTO_TCP, 443)) << "folded from 10.0.0.0/8";
	EXPECT_FALSE(allows(*k24, EGRESS_PROTO_TCP, 22)) << "10.2.0.0/16 is a sibling, not a parent";
	EXPECT_EQ(k24->rule_id, 3u) << "the most specific rule names the value";

	const egress_ports* k16b = find4(d->cidr4, "10.2.0.0", 16);
	ASSERT_NE(k16b, nullptr);
	EXPECT_TRUE(allows(*k16b, EGRESS_PROTO_TCP, 22));
	EXPECT_TRUE(allows(*k16b, EGRESS_PROTO_TCP, 443));
	EXPECT_FALSE(allows(*k16b, EGRESS_PROTO_UDP, 53));

	const egress_ports* k8 = find4(d->cidr4, "10.0.0.0", 8);
	ASSERT_NE(k8, nullptr);
	EXPECT_EQ(k8->n_ranges, 1) << "a less specific prefix never gains the ports of a narrower one";
	const egress_ports* other = find4(d->cidr4, "11.0.0.0", 8);
	ASSERT_NE(other, nullptr);
	EXPECT_FALSE(allows(*other, EGRESS_PROTO_TCP, 443)) << "10/8 does not leak into 11/8";
	for (const auto& [k, v] : d->cidr4)
		EXPECT_EQ(v.flags & EGRESS_PORTS_FLOOR, 0);
}

TEST(DesiredState, FloorGoesToTheFloorMapsWithTheFloorFlagAndFoldsOnlyWithinTheFloor) {
	policy::CompiledPolicy p;
	p.cidrs = {cidr("10.0.0.0/16", {{Proto::any, 0, 65535}}, true),
	           cidr("10.0.0.10/32", {tcp(53), udp(53)}, true), cidr("10.0.5.0/24", {tcp(443)}),
	           cidr("::1/128", {{Proto::any, 0, 65535}}, true), cidr("2001:db8::/32", {tcp(443)})};
	auto d = build_desired_state(p);
	ASSERT_TRUE(d.ok()) << d.error().to_string();
	EXPECT_EQ(d->floor4.size(), 2u);
	EXPECT_EQ(d->cidr4.size(), 1u);
	EXPECT_EQ(d->floor6.size(), 1u);
	EXPECT_EQ(d->cidr6.size(), 1u);
	for (const auto& [k, v] : d->floor4)
		EXPECT_EQ(v.flags & EGRESS_PORTS_FLOOR, EGRESS_PORTS_FLOOR);
	const egress_ports* dns = find4(d->floor4, "10.0.0.10", 32);
	ASSERT_NE(dns, nullptr);
	EXPECT_TRUE(allows(*dns, EGRESS_PROTO_TCP, 9999)) << "folded: 10.0.0.0/16 allows any";
	const egress_ports* c = find4(d->cidr4, "10.0.5.0", 24);
	ASSERT_NE(c, nullptr);
	EXPECT_FALSE(allows(*c, EGRESS_PROTO_TCP, 9999))
	    << "the floor is a separate lookup: not folded into CIDR keys";
	EXPECT_EQ(d->floor6[0].first.prefixlen, 128u);
	EXPECT_EQ(d->cidr6[0].first.prefixlen, 32u);
}

TEST(DesiredState, RuleIdsNameCidrsThenNames) {
	policy::CompiledPolicy p;
	p.cidrs = {cidr("192.0.2.0/24", {tcp(443)})};
	p.names = {name("mcr.microsoft.com", {tcp(443)}), name("*.blob.core.windows.net", {tcp(443)}),
	           name("**.mp.microsoft.com", {tcp(443), tcp(80)})};
	auto d = build_desired_state(p);
	ASSERT_TRUE(d.ok()) << d.error().to_string();
	ASSERT_EQ(d->rules.size(), 4u);
	EXPECT_EQ(d->rule(1)->destination, "192.0.2.0/24");
	EXPECT_EQ(d->rule(2)->destination, "mcr.microsoft.com");
	EXPECT_TRUE(d->rule(3)->is_name);
	EXPECT_EQ(d->rule(0), nullptr);
	EXPECT_EQ(d->rule(5), nullptr);
	EXPECT_EQ(d->exact_names, std::vector<std::string>{"mcr.microsoft.com"})
	    << "only exact names are resolved";
	ASSERT_EQ(d->names.size(), 3u);
	auto hit = dns::kernel_match(d->names, "a.b.mp.microsoft.com");
	ASSERT_TRUE(hit);
	EXPECT_EQ(hit->rule_id, 4u);
	EXPECT_FALSE(dns::kernel_match(d->names, "blob.core.windows.net"))
	    << "a wildcard never matches its bare domain";
}

TEST(DesiredState, TheClusterMarkFoldsIntoHostsInsideAClusterRange) {
	policy::CompiledPolicy p;
	auto cluster = cidr("10.0.0.0/8", {{Proto::any, 0, 65535}}, true);
	cluster.origins = {std::string(policy::kClusterCidrsOrigin)};
	// The kube-dns service IP of dnsServers: a floor host of its own inside the cluster range.
	auto dns_ip = cidr("10.0.0.10/32", {udp(53)}, true);
	auto wire = cidr("168.63.129.16/32", {udp(53)}, true);
	p.cidrs = {cluster, dns_ip, wire, cidr("10.9.0.0/16", {tcp(443)})};
	auto d = build_desired_state(p);
	ASSERT_TRUE(d.ok()) << d.error().to_string();
	const auto* range = find4(d->floor4, "10.0.0.0", 8);
	const auto* host = find4(d->floor4, "10.0.0.10", 32);
	const auto* other = find4(d->floor4, "168.63.129.16", 32);
	ASSERT_TRUE(range && host && other);
	EXPECT_TRUE(range->flags & EGRESS_PORTS_CLUSTER);
	EXPECT_TRUE(host->flags & EGRESS_PORTS_CLUSTER)
	    << "the most specific floor entry is the one the kernel finds";
	EXPECT_FALSE(other->flags & EGRESS_PORTS_CLUSTER) << "the wire server is not the cluster";
	const auto* allowed = find4(d->cidr4, "10.9.0.0", 16);
	ASSERT_TRUE(allowed);
	EXPECT_FALSE(allowed->flags & EGRESS_PORTS_CLUSTER) << "only the floor says what is the cluster";
}

TEST(DesiredState, QueryOnlyNamesNeverTeachUnlessARuleGivesThemPorts) {
	policy::CompiledPolicy p;
	p.names = {name("**.svc.corp.example", {tcp(443)})};
	auto d = build_desired_state(p, 0, {"cluster.local", "corp.example"});
	ASSERT_TRUE(d.ok()) << d.error().to_string();

	auto svc = dns::kernel_match(d->names, "kubernetes.default.svc.cluster.local");
	ASSERT_TRUE(svc) << "the cluster domain may be asked";
	EXPECT_TRUE(svc->ports.flags & EGRESS_PORTS_QUERY_ONLY);
	EXPECT_EQ(svc->ports.n_ranges, 0);
	auto bare = dns::kernel_match(d->names, "cluster.local");
	ASSERT_TRUE(bare) << "the suffix itself too (SOA and NS lookups)";
	EXPECT_TRUE(bare->ports.flags & EGRESS_PORTS_QUERY_ONLY);

	auto corp = dns::kernel_match(d->names, "db.corp.example");
	ASSERT_TRUE(corp);
	EXPECT_TRUE(corp->ports.flags & EGRESS_PORTS_QUERY_ONLY);
	auto api = dns::kernel_match(d->names, "api.svc.corp.example");
	ASSERT_TRUE(api);
	EXPECT_FALSE(api->ports.flags & EGRESS_PORTS_QUERY_ONLY) << "an allowing rule teaches";
	EXPECT_TRUE(allows(api->ports, EGRESS_PROTO_TCP, 443));

	EXPECT_FALSE(dns::kernel_match(d->names, "data.attacker.example")) << "no other name";
	size_t query_only_rules = 0;
	for (const auto& r : d->rules)
		query_only_rules += r.origins == std::vector<std::string>{std::string(kQueryOnlyOrigin)};
	EXPECT_EQ(query_only_rules, 4u) << "each suffix exactly and below it, named for the operator";
	EXPECT_TRUE(d->exact_names.empty()) << "query-only names are never resolved by egressd";
}

TEST(DesiredState, TooManyPortRangesForOneKeyIsAnErrorNotATruncation) {
	policy::CompiledPolicy p;
	std::vector<PortRange> many;
	for (uint16_t i = 0; i < 5; ++i)
		many.push_back(tcp(static_cast<uint16_t>(1000 + 10 * i)));
	std::vector<PortRange> more;
	for (uint16_t i = 0; i < 5; ++i)
		more.push_back(udp(static_cast<uint16_t>(2000 + 10 * i)));
	p.cidrs = {cidr("10.0.0.0/8", many), cidr("10.1.0.0/16", more)};
	auto d = build_desired_state(p);
	ASSERT_FALSE(d.ok());
	EXPECT_NE(d.error().to_string().find("10.1.0.0/16"), std::string::npos) << d.error().to_string();
	EXPECT_NE(d.error().to_string().find("at most 8"), std::string::npos) << d.error().to_string();
}

TEST(DesiredState, PortsConvertBothWays) {
	auto k = kernel_ports({tcp(443), udp(123), {Proto::tcp, 1000, 2000}}, 7);
	ASSERT_TRUE(k.ok());
	EXPECT_EQ(k->rule_id, 7u);
	EXPECT_EQ(k->n_ranges, 3);
	auto back = policy_ports(*k);
	EXPECT_EQ(policy::ports_text(back), policy::ports_text(policy::normalize_ports(
	                                        {tcp(443), udp(123), {Proto::tcp, 1000, 2000}})));
}

TEST(DesiredState, SameInputGivesIdenticalEntries) {
	policy::CompiledPolicy p;
	p.cidrs = {cidr("10.1.0.0/16", {udp(53)}), cidr("10.0.0.0/8", {tcp(443)})};
	p.names = {name("*.azmk8s.io", {tcp(443)})};
	auto a = build_desired_state(p);
	auto b = build_desired_state(p);
	ASSERT_TRUE(a.ok() && b.ok());
	ASSERT_EQ(a->cidr4.size(), b->cidr4.size());
	for (size_t i = 0; i < a->cidr4.size(); ++i)
		EXPECT_EQ(std::memcmp(&a->cidr4[i], &b->cidr4[i], sizeof(a->cidr4[i])), 0);
}

} // namespace

namespace {

// 20k service-tag-like prefixes (a /16 each split into nested /20s and /24s) + 1k names: the
// size the benchmark target names. Folding is O(n log n); a quadratic fold would take seconds.
TEST(DesiredState, TwentyThousandPrefixesAndAThousandNamesFoldQuickly) {
	using namespace egress;
	using namespace egress::verdict;
	policy::CompiledPolicy p;
	for (int a = 0; a < 1200 && p.cidrs.size() < 20000; ++a) {
		std::string base = std::to_string(20 + a / 256) + "." + std::to_string(a % 256) + ".";
		p.cidrs.push_back(cidr(base + "0.0/16", {{Proto::tcp, 443, 443}}));
		for (int s = 0; s < 16 && p.cidrs.size() < 20000; s += 1)
			p.cidrs.push_back(
			    cidr(base + std::to_string(s * 16) + ".0/20", {{Proto::udp, 1194, 1194}}));
	}
	for (int i = 0; i < 1000; ++i)
		p.names.push_back(name("svc" + std::to_string(i) + ".example.com", {{Proto::tcp, 443, 443}}));
	auto start = std::chrono::steady_clock::now();
	auto d = build_desired_state(p);
	auto ms =
	    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
	        .count();
	ASSERT_TRUE(d.ok()) << d.error().to_string();
	EXPECT_EQ(d->cidr4.size(), 20000u);
	EXPECT_EQ(d->names.size(), 1000u);
	for (const auto& [k, v] : d->cidr4) {
		if (k.prefixlen == 20) {
			ASSERT_EQ(v.n_ranges, 2) << "every /20 carries its /16's tcp/443";
		}
	}
	RecordProperty("build_ms", static_cast<int>(ms));
	std::cout << "build_desired_state: 20000 prefixes + 1000 names in " << ms << " ms\n";
	EXPECT_LT(ms, 5000);
}

// apiServer.fqdn reaches the daemon's active resolver: the compiler makes it an exact name rule, and
// every exact name of the policy is handed to the resolver (daemon.cpp: set_names(exact_names)).
TEST(DesiredState, TheApiServerNameIsResolvedActively) {
	auto config = policy::parse_config("cloud: AzureCloud\nlocation: westeurope\nkonnectivity: false\n"
	                                   "apiServer:\n  fqdn: myaks-1234.hcp.westeurope.azmk8s.io\n",
	                                   "test.yaml");
	ASSERT_TRUE(config.ok()) << config.error().to_string();
	auto cat = catalog::Catalog::load_embedded();
	ASSERT_TRUE(cat.ok());
	auto compiled = policy::compile(*config, *cat, nullptr);
	ASSERT_TRUE(compiled.ok()) << compiled.error().to_string();
	auto d = build_desired_state(*compiled);
	ASSERT_TRUE(d.ok()) << d.error().to_string();
	EXPECT_NE(
	    std::find(d->exact_names.begin(), d->exact_names.end(), "myaks-1234.hcp.westeurope.azmk8s.io"),
	    d->exact_names.end());
}

} // namespace
