#include "audit/metrics.h"

#include <egress/abi.h>

#include <vector>

#include <gtest/gtest.h>

#include "audit/exposition_parser.h"

namespace egress::audit {
namespace {

std::vector<uint64_t> counters() {
	return std::vector<uint64_t>(EGRESS_COUNTERS, 0);
}

Exposition scrape(const Metrics& m) {
	auto p = parse_exposition(m.render());
	EXPECT_TRUE(p.ok()) << p.error().to_string();
	return p.ok() ? std::move(p.value()) : Exposition{};
}

TEST(Metrics, KernelCountersToVerdictsDnsAndLosses) {
	auto c = counters();
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_CONNECT4, EGRESS_REASON_LEARNED)] = 120;
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_CONNECT4, EGRESS_REASON_NO_RULE)] = 7;
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_RAW)] = 2;
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_SKB_INGRESS, EGRESS_REASON_DNS_PARSED)] = 50;
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_SKB_INGRESS, EGRESS_REASON_DNS_LEARNED)] = 80;
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_SKB_INGRESS, EGRESS_REASON_DNS_UNTRUSTED)] = 3;
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_SKB_INGRESS, EGRESS_REASON_DNS_COLLISION)] = 1;
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_CONNECT4, EGRESS_REASON_EVENT_LOST)] = 4;
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_SENDMSG6, EGRESS_REASON_EVENT_LOST)] = 1;
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_CONNECT4, EGRESS_REASON_EVENT_RATE_LIMITED)] = 9;
	Metrics m;
	ASSERT_TRUE(m.update_from_kernel_counters(c).ok());
	auto e = scrape(m);
	EXPECT_EQ(e.value("aks_egress_guard_verdicts_total",
	                  {{"hook", "connect4"}, {"reason", "learned"}, {"verdict", "allowed"}}),
	          120.0);
	EXPECT_EQ(e.value("aks_egress_guard_verdicts_total",
	                  {{"hook", "connect4"}, {"reason", "no_rule"}, {"verdict", "denied"}}),
	          7.0);
	EXPECT_EQ(e.value("aks_egress_guard_verdicts_total",
	                  {{"hook", "skb_egress"}, {"reason", "raw"}, {"verdict", "denied"}}),
	          2.0);
	EXPECT_EQ(e.sum("aks_egress_guard_verdicts_total"),
	          129.0); // zero pairs and DNS/event reasons are not verdicts
	// One unit per family: responses, records, name lookups.
	EXPECT_EQ(e.value("aks_egress_guard_dns_responses_total", {{"result", "parsed"}}), 50.0);
	EXPECT_EQ(e.value("aks_egress_guard_dns_responses_total", {{"result", "rejected_untrusted_source"}}),
	          3.0);
	EXPECT_EQ(e.value("aks_egress_guard_dns_responses_total", {{"result", "rejected_tcp"}}), 0.0);
	EXPECT_EQ(e.sum("aks_egress_guard_dns_responses_total"), 53.0) << "records are not responses";
	EXPECT_EQ(e.value("aks_egress_guard_dns_records_learned_total"), 80.0);
	EXPECT_EQ(e.value("aks_egress_guard_dns_name_hash_collisions_total"), 1.0);
	EXPECT_EQ(e.value("aks_egress_guard_ringbuf_lost_events_total"), 5.0);
	EXPECT_EQ(e.value("aks_egress_guard_deny_events_rate_limited_total"), 9.0);

	// A later snapshot replaces the values (the kernel counts are totals, not deltas).
	c[EGRESS_COUNTER_INDEX(EGRESS_HOOK_CONNECT4, EGRESS_REASON_NO_RULE)] = 8;
	ASSERT_TRUE(m.update_from_kernel_counters(c).ok());
	EXPECT_EQ(scrape(m).value("aks_egress_guard_verdicts_total",
	                          {{"hook", "connect4"}, {"reason", "no_rule"}, {"verdict", "denied"}}),
	          8.0);
}

TEST(Metrics, EveryDnsReasonHasAResult) {
	Metrics m;
	ASSERT_TRUE(m.update_from_kernel_counters(counters()).ok());
	auto e = scrape(m);
	size_t dns_series = 0;
	for (const auto& s : e.samples)
		if (s.name == "aks_egress_guard_dns_responses_total")
			++dns_series;
	// Every DNS reason but the two of other units (records learned, hash collisions).
	EXPECT_EQ(dns_series, size_t(EGRESS_REASON_DNS_TCP - EGRESS_REASON_DNS_PARSED + 1 - 2));
}

TEST(Metrics, EveryNameCarriesTheProjectPrefix) {
	auto e = scrape(Metrics());
	ASSERT_FALSE(e.types.empty());
	for (const auto& [name, type] : e.types)
		EXPECT_EQ(name.rfind("aks_egress_guard_", 0), 0u) << name;
}

TEST(Metrics, MapLabelIsTheMapNameWithoutThePrefix) {
	Metrics m;
	m.set_map_fill_ratio("egress_learned4", 0.25); // what the daemon passes (kernel::map_name)
	EXPECT_EQ(scrape(m).value("aks_egress_guard_map_fill_ratio", {{"map", "learned4"}}), 0.25);
}

TEST(Metrics, ShortSnapshotIsAnError) {
	Metrics m;
	std::vector<uint64_t> c(EGRESS_COUNTERS - 1, 0);
	EXPECT_FALSE(m.update_from_kernel_counters(c).ok());
	std::vector<uint64_t> longer(EGRESS_COUNTERS + 5, 0);
	EXPECT_TRUE(m.update_from_kernel_counters(longer).ok());
}

TEST(Metrics, DaemonGauges) {
	Metrics m;
	m.set_learned_entries("ipv4", 1000);
	m.set_learned_entries("ipv6", 20);
	m.set_deny_log(3, 40, 1);
	m.set_policy_generation(12);
	m.inc_policy_reload_errors();
	m.inc_policy_reload_errors();
	m.set_map_fill_ratio("learned4", 0.5);
	m.set_build_info("0.1.0", EGRESS_MAP_LAYOUT_VERSION, EGRESS_EVENT_SCHEMA_VERSION);
	auto e = scrape(m);
	EXPECT_EQ(e.types.at("aks_egress_guard_learned_addresses"), "gauge");
	EXPECT_EQ(e.types.at("aks_egress_guard_policy_reload_errors_total"), "counter");
	EXPECT_EQ(e.value("aks_egress_guard_learned_addresses", {{"family", "ipv4"}}), 1000.0);
	EXPECT_EQ(e.value("aks_egress_guard_learned_addresses", {{"family", "ipv6"}}), 20.0);
	EXPECT_EQ(e.value("aks_egress_guard_deny_log_dropped_events_total"), 3.0);
	EXPECT_EQ(e.value("aks_egress_guard_deny_log_lines_total"), 40.0);
	EXPECT_EQ(e.value("aks_egress_guard_deny_log_write_errors_total"), 1.0);
	EXPECT_EQ(e.value("aks_egress_guard_policy_generation"), 12.0);
	EXPECT_EQ(e.value("aks_egress_guard_policy_reload_errors_total"), 2.0);
	EXPECT_EQ(e.value("aks_egress_guard_map_fill_ratio", {{"map", "learned4"}}), 0.5);
	EXPECT_EQ(e.value("aks_egress_guard_build_info",
	                  {{"event_schema", std::to_string(EGRESS_EVENT_SCHEMA_VERSION)},
	                   {"map_layout", std::to_string(EGRESS_MAP_LAYOUT_VERSION)},
	                   {"version", "0.1.0"}}),
	          1.0);
}

TEST(Metrics, FreshRegistryExportsZeroCounters) {
	auto e = scrape(Metrics());
	EXPECT_EQ(e.value("aks_egress_guard_ringbuf_lost_events_total"), 0.0);
	EXPECT_EQ(e.value("aks_egress_guard_deny_log_dropped_events_total"), 0.0);
	EXPECT_EQ(e.value("aks_egress_guard_policy_reload_errors_total"), 0.0);
	for (const char* name :
	     {"aks_egress_guard_verdicts_total", "aks_egress_guard_learned_addresses",
	      "aks_egress_guard_dns_responses_total", "aks_egress_guard_dns_records_learned_total",
	      "aks_egress_guard_ringbuf_lost_events_total", "aks_egress_guard_deny_log_dropped_events_total",
	      "aks_egress_guard_policy_generation", "aks_egress_guard_policy_reload_errors_total",
	      "aks_egress_guard_map_fill_ratio", "aks_egress_guard_build_info"})
		EXPECT_TRUE(e.types.count(name)) << name;
}

} // namespace
} // namespace egress::audit
