// The ABI layout as C++ sees it must be exactly what the BPF side was compiled against: offsets of
// every field that userspace reads or writes are pinned here, so a change shows up as a test
// failure and a reminder to bump EGRESS_MAP_LAYOUT_VERSION (maps) or EGRESS_EVENT_SCHEMA_VERSION
// (ring-buffer records).
#include <egress/abi.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <type_traits>

namespace {

template <typename T>
constexpr bool kPlain = std::is_standard_layout_v<T>&& std::is_trivially_copyable_v<T>;

TEST(AbiLayout, VersionsAreSet) {
	EXPECT_GE(EGRESS_MAP_LAYOUT_VERSION, 2);
	EXPECT_GE(EGRESS_EVENT_SCHEMA_VERSION, 1);
}

TEST(AbiLayout, PortRange) {
	static_assert(kPlain<egress_port_range>);
	EXPECT_EQ(sizeof(egress_port_range), 8u);
	EXPECT_EQ(offsetof(egress_port_range, port_lo), 0u);
	EXPECT_EQ(offsetof(egress_port_range, port_hi), 2u);
	EXPECT_EQ(offsetof(egress_port_range, proto), 4u);
}

TEST(AbiLayout, Ports) {
	static_assert(kPlain<egress_ports>);
	EXPECT_EQ(sizeof(egress_ports), 72u);
	EXPECT_EQ(offsetof(egress_ports, rule_id), 0u);
	EXPECT_EQ(offsetof(egress_ports, n_ranges), 4u);
	EXPECT_EQ(offsetof(egress_ports, flags), 5u);
	EXPECT_EQ(offsetof(egress_ports, ranges), 8u);
	EXPECT_EQ(sizeof(egress_ports::ranges) / sizeof(egress_port_range), size_t{EGRESS_MAX_PORT_RANGES});
}

TEST(AbiLayout, LpmKeys) {
	EXPECT_EQ(sizeof(egress_lpm4_key), 8u);
	EXPECT_EQ(offsetof(egress_lpm4_key, addr), 4u);
	EXPECT_EQ(sizeof(egress_lpm6_key), 20u);
	EXPECT_EQ(offsetof(egress_lpm6_key, addr), 4u);
}

TEST(AbiLayout, Learned) {
	EXPECT_EQ(sizeof(egress_learned4_key), 4u);
	EXPECT_EQ(sizeof(egress_learned6_key), 16u);
	EXPECT_EQ(sizeof(egress_learned_value), 96u);
	EXPECT_EQ(offsetof(egress_learned_value, expires_ns), 0u);
	EXPECT_EQ(offsetof(egress_learned_value, ports), 8u);
	EXPECT_EQ(offsetof(egress_learned_value, name_hash), 80u);
	EXPECT_EQ(offsetof(egress_learned_value, ttl), 88u);
	EXPECT_EQ(alignof(egress_learned_value), 8u);
}

TEST(AbiLayout, Config) {
	EXPECT_EQ(sizeof(egress_config), 48u);
	EXPECT_EQ(offsetof(egress_config, layout_version), 0u);
	EXPECT_EQ(offsetof(egress_config, mode), 4u);
	EXPECT_EQ(offsetof(egress_config, fail_mode), 5u);
	EXPECT_EQ(offsetof(egress_config, heartbeat_ns), 8u);
	EXPECT_EQ(offsetof(egress_config, heartbeat_stale_ns), 16u);
	EXPECT_EQ(offsetof(egress_config, policy_generation), 24u);
	EXPECT_EQ(offsetof(egress_config, pods_cgroup_id), 32u);
	EXPECT_EQ(offsetof(egress_config, pods_cgroup_level), 40u);
}

TEST(AbiLayout, DnsQueryAndLocalAnswer) {
	static_assert(kPlain<egress_dns_query_key> && kPlain<egress_dns_query_value> &&
	              kPlain<egress_dns_local_key>);
	EXPECT_EQ(sizeof(egress_dns_query_key), 32u);
	EXPECT_EQ(offsetof(egress_dns_query_key, cgroup_id), 0u);
	EXPECT_EQ(offsetof(egress_dns_query_key, local_addr), 8u);
	EXPECT_EQ(offsetof(egress_dns_query_key, local_port), 24u);
	EXPECT_EQ(offsetof(egress_dns_query_key, dns_id), 26u);
	EXPECT_EQ(offsetof(egress_dns_query_key, family), 28u);
	EXPECT_EQ(sizeof(egress_dns_query_value), 32u);
	EXPECT_EQ(offsetof(egress_dns_query_value, resolver), 16u);
	EXPECT_EQ(sizeof(egress_dns_local_key), 24u);
	EXPECT_EQ(offsetof(egress_dns_local_key, client_port), 16u);
	EXPECT_EQ(offsetof(egress_dns_local_key, dns_id), 18u);
	EXPECT_EQ(offsetof(egress_dns_local_key, family), 20u);
	EXPECT_EQ(offsetof(egress_dns_settings, query_policy) + 4, sizeof(egress_dns_settings));
}

TEST(AbiLayout, EventBudget) {
	static_assert(kPlain<egress_event_budget>);
	EXPECT_EQ(sizeof(egress_event_budget), 56u);
	EXPECT_EQ(offsetof(egress_event_budget, tat_ns), 0u);
	EXPECT_EQ(offsetof(egress_event_budget, suppressed), 8u);
	EXPECT_EQ(offsetof(egress_event_budget, saddr), 16u);
	EXPECT_EQ(offsetof(egress_event_budget, daddr), 32u);
	EXPECT_EQ(offsetof(egress_event_budget, sport), 48u);
	EXPECT_EQ(offsetof(egress_event_budget, verdict), 55u);
}

TEST(AbiLayout, PeerAndFlowKeys) {
	static_assert(kPlain<egress_peer_key> && kPlain<egress_flow_key>);
	EXPECT_EQ(sizeof(egress_peer_key), 24u);
	EXPECT_EQ(offsetof(egress_peer_key, peer_port), 16u);
	EXPECT_EQ(offsetof(egress_peer_key, local_port), 18u);
	EXPECT_EQ(offsetof(egress_peer_key, family), 20u);
	EXPECT_EQ(sizeof(egress_flow_key), 32u);
	EXPECT_EQ(offsetof(egress_flow_key, cgroup_id), 0u);
	EXPECT_EQ(offsetof(egress_flow_key, daddr), 8u);
	EXPECT_EQ(offsetof(egress_flow_key, dport), 24u);
	EXPECT_EQ(offsetof(egress_flow_key, proto), 26u);
	EXPECT_EQ(offsetof(egress_flow_key, family), 27u);
	EXPECT_EQ(offsetof(egress_flow_key, hook), 28u);
}

TEST(AbiLayout, InstallInfo) {
	static_assert(kPlain<egress_install_info>);
	EXPECT_EQ(sizeof(egress_install_info), 24u);
	EXPECT_EQ(offsetof(egress_install_info, layout_version), 0u);
	EXPECT_EQ(offsetof(egress_install_info, tc_ifindex), 4u);
	EXPECT_EQ(offsetof(egress_install_info, flags), 8u);
	EXPECT_EQ(offsetof(egress_install_info, cgroup_id), 16u);
}

TEST(AbiLayout, DenyEvent) {
	static_assert(kPlain<egress_deny_event>);
	EXPECT_EQ(sizeof(egress_deny_event), 96u);
	EXPECT_EQ(offsetof(egress_deny_event, type), 0u);
	EXPECT_EQ(offsetof(egress_deny_event, verdict), 1u);
	EXPECT_EQ(offsetof(egress_deny_event, hook), 2u);
	EXPECT_EQ(offsetof(egress_deny_event, reason), 3u);
	EXPECT_EQ(offsetof(egress_deny_event, family), 4u);
	EXPECT_EQ(offsetof(egress_deny_event, proto), 5u);
	EXPECT_EQ(offsetof(egress_deny_event, sport), 6u);
	EXPECT_EQ(offsetof(egress_deny_event, dport), 8u);
	EXPECT_EQ(offsetof(egress_deny_event, pid), 12u);
	EXPECT_EQ(offsetof(egress_deny_event, ts_ns), 16u);
	EXPECT_EQ(offsetof(egress_deny_event, cgroup_id), 24u);
	EXPECT_EQ(offsetof(egress_deny_event, policy_generation), 32u);
	EXPECT_EQ(offsetof(egress_deny_event, saddr), 40u);
	EXPECT_EQ(offsetof(egress_deny_event, daddr), 56u);
	EXPECT_EQ(offsetof(egress_deny_event, comm), 72u);
	EXPECT_EQ(offsetof(egress_deny_event, sock_cookie), 88u);
}

TEST(AbiLayout, LearnEvent) {
	static_assert(kPlain<egress_learn_event>);
	EXPECT_EQ(sizeof(egress_learn_event), 176u);
	EXPECT_EQ(offsetof(egress_learn_event, type), 0u);
	EXPECT_EQ(offsetof(egress_learn_event, ttl), 4u);
	EXPECT_EQ(offsetof(egress_learn_event, ts_ns), 8u);
	EXPECT_EQ(offsetof(egress_learn_event, addr), 32u);
	EXPECT_EQ(offsetof(egress_learn_event, name), 48u);
}

TEST(AbiLayout, EventTypesShareTheFirstByte) {
	// Userspace dispatches ring-buffer records on their first byte.
	EXPECT_NE(EGRESS_EVENT_DENY, EGRESS_EVENT_LEARN);
	EXPECT_EQ(offsetof(egress_deny_event, type), offsetof(egress_learn_event, type));
}

TEST(AbiLayout, CounterIndexCoversEveryHookAndReasonWithHeadroom) {
	EXPECT_EQ(EGRESS_COUNTER_INDEX(0, 0), 0);
	EXPECT_EQ(EGRESS_COUNTER_INDEX(EGRESS_COUNTER_HOOKS - 1, EGRESS_COUNTER_REASONS - 1),
	          EGRESS_COUNTERS - 1);
	EXPECT_LT(EGRESS_COUNTER_INDEX(EGRESS_HOOK_MAX - 1, EGRESS_REASON_MAX - 1), EGRESS_COUNTERS);
	// Distinct pairs never share a slot.
	EXPECT_NE(EGRESS_COUNTER_INDEX(1, 0), EGRESS_COUNTER_INDEX(0, EGRESS_REASON_MAX - 1));
}

} // namespace
