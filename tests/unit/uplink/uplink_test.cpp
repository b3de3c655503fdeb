#include "kernel/uplink.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <vector>

namespace egress::kernel {
namespace {

DefaultRoute route(int family, uint32_t metric, int ifindex, bool up = true) {
	DefaultRoute r;
	r.family = family;
	r.metric = metric;
	r.ifindex = ifindex;
	r.link_up = up;
	return r;
}

TEST(PickDefaultRoute, NoneWithoutRoutes) {
	EXPECT_EQ(pick_default_route({}), nullptr);
}

TEST(PickDefaultRoute, LowestIpv4MetricWins) {
	std::vector<DefaultRoute> routes = {route(AF_INET, 200, 2), route(AF_INET, 100, 3),
	                                    route(AF_INET, 300, 4)};
	const DefaultRoute* r = pick_default_route(routes);
	ASSERT_NE(r, nullptr);
	EXPECT_EQ(r->ifindex, 3);
}

TEST(PickDefaultRoute, EqualMetricsKeepKernelOrder) {
	std::vector<DefaultRoute> routes = {route(AF_INET, 100, 5), route(AF_INET, 100, 2)};
	EXPECT_EQ(pick_default_route(routes)->ifindex, 5);
}

TEST(PickDefaultRoute, Ipv4BeatsALowerIpv6Metric) {
	std::vector<DefaultRoute> routes = {route(AF_INET6, 1, 7), route(AF_INET, 1024, 2)};
	EXPECT_EQ(pick_default_route(routes)->ifindex, 2);
}

TEST(PickDefaultRoute, FallsBackToIpv6) {
	std::vector<DefaultRoute> routes = {route(AF_INET6, 1024, 7), route(AF_INET6, 512, 8)};
	EXPECT_EQ(pick_default_route(routes)->ifindex, 8);
}

TEST(PickDefaultRoute, SkipsInterfacesThatAreDown) {
	std::vector<DefaultRoute> routes = {route(AF_INET, 0, 2, false), route(AF_INET, 100, 3),
	                                    route(AF_INET6, 0, 4)};
	EXPECT_EQ(pick_default_route(routes)->ifindex, 3);

	std::vector<DefaultRoute> only_down_v4 = {route(AF_INET, 0, 2, false), route(AF_INET6, 0, 4)};
	EXPECT_EQ(pick_default_route(only_down_v4)->ifindex, 4);

	std::vector<DefaultRoute> all_down = {route(AF_INET, 0, 2, false), route(AF_INET6, 0, 4, false)};
	EXPECT_EQ(pick_default_route(all_down), nullptr);
}

TEST(PickDefaultRoute, IgnoresOtherFamilies) {
	std::vector<DefaultRoute> routes = {route(AF_UNSPEC, 0, 9), route(AF_INET6, 10, 4)};
	EXPECT_EQ(pick_default_route(routes)->ifindex, 4);
}

} // namespace
} // namespace egress::kernel
