#include "daemon/uplink_plan.h"
#include "kernel/tc_backstop.h"

#include <gtest/gtest.h>

namespace {

using namespace egress::daemon;
using egress::kernel::plan_backstop_move;
using egress::kernel::Uplink;

Uplink eth(int ifindex) {
	return Uplink{"eth" + std::to_string(ifindex), ifindex, {"10.0.0.4/24"}, "10.0.0.1"};
}

TEST(UplinkMode, EmptyIsOffAutoIsFollowedAnythingElseIsAName) {
	EXPECT_EQ(uplink_mode(""), UplinkMode::off);
	EXPECT_EQ(uplink_mode("auto"), UplinkMode::automatic);
	EXPECT_EQ(uplink_mode("eth0"), UplinkMode::named);
	EXPECT_EQ(uplink_mode("Auto"), UplinkMode::named); // interface names are case-sensitive
	EXPECT_EQ(uplink_mode_name(UplinkMode::off), "off");
	EXPECT_EQ(uplink_mode_name(UplinkMode::automatic), "auto");
	EXPECT_EQ(uplink_mode_name(UplinkMode::named), "interface");
}

TEST(PlanBackstopMove, FirstUplinkAttachesAndTakesTheQdiscOwnershipOfThatAttach) {
	auto m = plan_backstop_move(0, eth(2));
	EXPECT_FALSE(m.detach_old);
	EXPECT_TRUE(m.attach_new);
	EXPECT_FALSE(m.keep_qdisc_flags);
}

TEST(PlanBackstopMove, SameInterfaceReattachesInPlaceAndKeepsTheRecordedOwnership) {
	auto m = plan_backstop_move(2, eth(2));
	EXPECT_FALSE(m.detach_old);
	EXPECT_TRUE(m.attach_new);
	EXPECT_TRUE(m.keep_qdisc_flags);
}

TEST(PlanBackstopMove, AnotherInterfaceDetachesFromTheOldOneFirst) {
	auto m = plan_backstop_move(2, eth(7));
	EXPECT_TRUE(m.detach_old);
	EXPECT_TRUE(m.attach_new);
	EXPECT_FALSE(m.keep_qdisc_flags);
}

TEST(PlanBackstopMove, LosingTheUplinkDetachesAndAttachesNothing) {
	auto m = plan_backstop_move(2, std::nullopt);
	EXPECT_TRUE(m.detach_old);
	EXPECT_FALSE(m.attach_new);
	auto none = plan_backstop_move(0, std::nullopt);
	EXPECT_FALSE(none.detach_old);
	EXPECT_FALSE(none.attach_new);
}

TEST(PlanBackstopMove, AnUplinkWithoutIfindexCountsAsNone) {
	Uplink bad = eth(0);
	auto m = plan_backstop_move(3, bad);
	EXPECT_TRUE(m.detach_old);
	EXPECT_FALSE(m.attach_new);
}

TEST(UplinkJson, AutoWithAnUplinkShowsItsDetailsAndWhereTheFilterIs) {
	auto j = uplink_json(UplinkMode::automatic, "auto", eth(4), 4, false);
	EXPECT_EQ(j["mode"], "auto");
	EXPECT_EQ(j["interface"], "eth4");
	EXPECT_EQ(j["ifindex"], 4);
	EXPECT_EQ(j["addresses"], nlohmann::json::array({"10.0.0.4/24"}));
	EXPECT_EQ(j["gateway"], "10.0.0.1");
	EXPECT_EQ(j["backstop"]["attached"], true);
	EXPECT_EQ(j["backstop"]["ifindex"], 4);
	EXPECT_EQ(j["backstop"]["enforce"], false);
}

TEST(UplinkJson, AutoWithoutDefaultRouteHasNullsAndNoBackstop) {
	auto j = uplink_json(UplinkMode::automatic, "auto", std::nullopt, 0, false);
	EXPECT_TRUE(j["interface"].is_null());
	EXPECT_TRUE(j["ifindex"].is_null());
	EXPECT_TRUE(j["gateway"].is_null());
	EXPECT_TRUE(j["addresses"].is_array());
	EXPECT_TRUE(j["addresses"].empty());
	EXPECT_EQ(j["backstop"]["attached"], false);
}

TEST(UplinkJson, ANamedInterfaceIsShownEvenWhenItCannotBeFound) {
	auto j = uplink_json(UplinkMode::named, "eth9", std::nullopt, 0, false);
	EXPECT_EQ(j["mode"], "interface");
	EXPECT_EQ(j["interface"], "eth9");
	EXPECT_TRUE(j["ifindex"].is_null());
}

TEST(UplinkJson, ADeviceRouteHasANullGateway) {
	Uplink u = eth(5);
	u.gateway.reset();
	auto j = uplink_json(UplinkMode::automatic, "auto", u, 5, false);
	EXPECT_TRUE(j["gateway"].is_null());
}

TEST(UplinkJson, OffShowsNoInterface) {
	auto j = uplink_json(UplinkMode::off, "", std::nullopt, 0, false);
	EXPECT_EQ(j["mode"], "off");
	EXPECT_TRUE(j["interface"].is_null());
	EXPECT_EQ(j["backstop"]["attached"], false);
}

} // namespace
