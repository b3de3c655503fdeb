// The typed map writer: size checks, diffs, batch use, on real maps of the datapath.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>

#include "datapath_env.h"
#include "kernel/map_writer.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;
using kernel::MapId;
using kernel::TypedMap;

egress_learned4_key v4key(uint32_t host_order) {
	egress_learned4_key k{};
	uint32_t be = htonl(host_order);
	std::memcpy(k.addr, &be, 4);
	return k;
}

egress_learned_value learned(uint64_t expires) {
	egress_learned_value v{};
	v.expires_ns = expires;
	v.ports = any_port();
	return v;
}

TEST(MapWriter, RefusesTypesOfTheWrongSize) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	auto wrong = TypedMap<egress_lpm6_key, egress_ports>::open(env.dp().map_fd(MapId::cidr4));
	ASSERT_FALSE(wrong.ok());
	EXPECT_EQ(wrong.error().code(), EPROTO);
	EXPECT_TRUE((TypedMap<egress_lpm4_key, egress_ports>::open(env.dp().map_fd(MapId::cidr4)).ok()));
}

TEST(MapWriter, AppliesOnlyTheDifference) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	auto map =
	    TypedMap<egress_learned4_key, egress_learned_value>::open(env.dp().map_fd(MapId::learned4));
	ASSERT_TRUE(map.ok());
	std::vector<std::pair<egress_learned4_key, egress_learned_value>> desired;
	for (uint32_t i = 1; i <= 1000; ++i)
		desired.push_back({v4key(0x0a000000 + i), learned(100)});
	auto first = map->apply(desired);
	ASSERT_TRUE(first.ok()) << first.error().to_string();
	EXPECT_EQ(first->added, 1000u);
	EXPECT_TRUE(first->batched); // hash maps support batch updates on every kernel >= 5.6

	desired.erase(desired.begin());                       // removed: 10.0.0.1
	desired[0].second = learned(200);                     // changed: 10.0.0.2
	desired.push_back({v4key(0x0b000001), learned(100)}); // added
	auto second = map->apply(desired);
	ASSERT_TRUE(second.ok()) << second.error().to_string();
	EXPECT_EQ(second->added, 1u);
	EXPECT_EQ(second->changed, 1u);
	EXPECT_EQ(second->removed, 1u);
	EXPECT_EQ(second->unchanged, 998u);

	auto entries = map->entries();
	ASSERT_TRUE(entries.ok());
	EXPECT_EQ(entries->size(), 1000u);
	bool saw_changed = false;
	for (const auto& [k, v] : *entries) {
		uint32_t a;
		std::memcpy(&a, k.addr, 4);
		EXPECT_NE(ntohl(a), 0x0a000001u);
		if (ntohl(a) == 0x0a000002u)
			saw_changed = v.expires_ns == 200;
	}
	EXPECT_TRUE(saw_changed);
}

TEST(MapWriter, DiffsLpmTries) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	auto map = TypedMap<egress_lpm4_key, egress_ports>::open(env.dp().map_fd(MapId::cidr4));
	ASSERT_TRUE(map.ok());
	auto key = [](uint8_t a, uint32_t len) { return egress_lpm4_key{len, {a, 0, 0, 0}}; };
	auto r1 = map->apply({{key(20, 8), any_port()}, {key(40, 8), any_port()}});
	ASSERT_TRUE(r1.ok()) << r1.error().to_string();
	EXPECT_EQ(r1->added, 2u);
	auto r2 = map->apply({{key(20, 8), any_port()}, {key(52, 8), any_port()}});
	ASSERT_TRUE(r2.ok()) << r2.error().to_string();
	EXPECT_EQ(r2->added, 1u);
	EXPECT_EQ(r2->removed, 1u);
	EXPECT_EQ(r2->unchanged, 1u);
	EXPECT_EQ(map->entries()->size(), 2u);
}

TEST(MapWriter, RejectsADesiredStateListingAKeyTwice) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	auto map =
	    TypedMap<egress_learned4_key, egress_learned_value>::open(env.dp().map_fd(MapId::learned4));
	ASSERT_TRUE(map.ok());
	auto r = map->apply({{v4key(1), learned(1)}, {v4key(1), learned(2)}});
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code(), EINVAL);
}

} // namespace
