#include "kernel/pod_interfaces.h"

#include <gtest/gtest.h>

#include <sys/socket.h>

#include <cstring>

#include "kernel/pod_attach.h"
#include "kernel/pod_layer.h"

namespace {

using namespace egress;
using namespace egress::kernel;

IpPrefix prefix(const std::string& text) {
	auto slash = text.find('/');
	return {*parse_ip(text.substr(0, slash)), static_cast<uint8_t>(std::stoi(text.substr(slash + 1)))};
}

LinkFacts veth(int ifindex, const std::string& name, bool elsewhere = true) {
	return {ifindex, name, "veth", elsewhere, 0, false};
}

RouteFacts route(int oif, const std::string& dst, bool gateway = false) {
	return {oif, prefix(dst), gateway, true};
}

TEST(PodInterfaces, ARoutedVethTakesTheRoutesOutOfIt) {
	std::vector<LinkFacts> links = {veth(7, "azv1"), veth(9, "azv2")};
	std::vector<RouteFacts> routes = {route(7, "10.244.1.5/32"), route(7, "fd00::5/128"),
	                                  route(7, "fe80::/64"), route(9, "10.244.1.6/32"),
	                                  route(7, "192.0.2.0/24", true)};
	auto pods = pick_pod_interfaces(links, routes);
	ASSERT_EQ(pods.size(), 2u);
	EXPECT_EQ(pods[0].ifname, "azv1");
	ASSERT_EQ(pods[0].prefixes.size(), 2u); // link-local and via-gateway routes left out
	EXPECT_EQ(pods[0].prefixes[0].to_string(), "10.244.1.5/32");
	EXPECT_EQ(pods[0].prefixes[1].to_string(), "fd00::5/128");
	EXPECT_FALSE(pods[0].bridge_port);
	EXPECT_EQ(pods[1].prefixes.size(), 1u);
}

TEST(PodInterfaces, TheUplinkAndLocalVethsAreNotPods) {
	LinkFacts uplink = veth(2, "eth0");
	uplink.global_address = true;
	LinkFacts local = veth(3, "vethlocal", false); // both ends in the node's netns
	LinkFacts dummy{4, "dummy0", "dummy", false, 0, false};
	LinkFacts routed_default = veth(5, "veth-gw");
	std::vector<LinkFacts> links = {uplink, local, dummy, routed_default};
	std::vector<RouteFacts> routes = {route(5, "0.0.0.0/0", true)};
	EXPECT_TRUE(pick_pod_interfaces(links, routes).empty());
}

TEST(PodInterfaces, ABridgePortTakesTheBridgesOnLinkPrefixes) {
	LinkFacts bridge{10, "cbr0", "bridge", false, 0, true};
	LinkFacts port = veth(11, "veth1234");
	port.master = 10;
	std::vector<LinkFacts> links = {bridge, port};
	std::vector<RouteFacts> routes = {route(10, "10.244.3.0/24"), route(10, "fe80::/64")};
	auto pods = pick_pod_interfaces(links, routes);
	ASSERT_EQ(pods.size(), 1u);
	EXPECT_TRUE(pods[0].bridge_port);
	ASSERT_EQ(pods[0].prefixes.size(), 1u);
	EXPECT_EQ(pods[0].prefixes[0].to_string(), "10.244.3.0/24");
}

TEST(PodInterfaces, AVethWithoutARouteYetIsAPodWithNoPrefixes) {
	std::vector<LinkFacts> links = {veth(7, "azv1")};
	auto pods = pick_pod_interfaces(links, {});
	ASSERT_EQ(pods.size(), 1u);
	EXPECT_TRUE(pods[0].prefixes.empty());
}

TEST(PodEntry, PutsIpv4FirstAndSaysWhatDidNotFit) {
	PodInterface p{7, "azv1", {}, false};
	for (int i = 0; i < 5; ++i)
		p.prefixes.push_back(prefix("fd00::" + std::to_string(i + 1) + "/128"));
	p.prefixes.push_back(prefix("10.244.1.5/32"));
	p.prefixes.push_back(prefix("10.244.1.9/32"));
	size_t dropped = 0;
	auto v = pod_entry(p, 99, EGRESS_POD_TCX, &dropped);
	EXPECT_EQ(v.cgroup_id, 99u);
	EXPECT_EQ(v.flags, static_cast<uint32_t>(EGRESS_POD_TCX));
	EXPECT_EQ(v.n_prefixes, static_cast<uint32_t>(EGRESS_POD_MAX_PREFIXES));
	EXPECT_EQ(dropped, 1u);
	EXPECT_EQ(v.prefixes[0].family, AF_INET);
	EXPECT_EQ(v.prefixes[0].prefixlen, 32);
	EXPECT_EQ(v.prefixes[2].family, AF_INET6);
	EXPECT_EQ(std::memcmp(v.prefixes[0].addr, parse_ip("10.244.1.5")->bytes.data(), 4), 0);
	p.bridge_port = true;
	EXPECT_EQ(pod_entry(p, 0, 0, nullptr).flags, static_cast<uint32_t>(EGRESS_POD_BRIDGE_PORT));
}

TEST(PodLinks, PinNamesCarryTheIfindex) {
	EXPECT_EQ(pod_link_name(17, true), "pod-17-ingress");
	EXPECT_EQ(pod_link_ifindex("pod-17-egress"), 17u);
	EXPECT_EQ(pod_link_ifindex("connect4"), std::nullopt);
	EXPECT_EQ(pod_link_ifindex("pod--ingress"), std::nullopt);
	EXPECT_EQ(pod_link_ifindex("pod-1x-ingress"), std::nullopt);
}

} // namespace
