#include "audit/deny_record.h"

#include <egress/abi.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_events.h"

namespace egress::audit {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// 2026-11-21T09:30:30.123Z
const std::chrono::system_clock::time_point kTime = std::chrono::system_clock::time_point(1795253430123ms);

DenyRecord pod_record() {
	DenyRecord r;
	r.event = testing::deny();
	r.time = kTime;
	r.count = 7;
	r.dst_names = {"example.org", "www.example.org"};
	r.attribution.cgroup_path = "/kubepods.slice/x";
	r.attribution.pod = PodIdentity{"team-a", "web-7f9c", "8f2c1a3e-5b7d-4c9e-a1f0-123456789abc"};
	r.attribution.container_id = std::string(64, 'a');
	return r;
}

TEST(DenyRecord, Rfc3339Milliseconds) {
	EXPECT_EQ(format_rfc3339_ms(kTime), "2026-11-21T09:30:30.123Z");
	EXPECT_EQ(format_rfc3339_ms(std::chrono::system_clock::time_point(5ms)), "1970-01-01T00:00:00.005Z");
}

TEST(DenyRecord, EveryFieldWithItsType) {
	json j = json::parse(format_deny_line(pod_record(), "aks-nodepool1-0"));
	const std::vector<std::string> keys = {
	    "schema",    "time", "verdict",      "reason", "hook",  "family",
	    "proto",     "src",  "sport",        "dst",    "dport", "dst_names",
	    "cgroup_id", "pod",  "container_id", "node",   "count", "policy_generation",
	    "pid",       "comm"};
	EXPECT_EQ(j.size(), keys.size()) << j.dump();
	for (const auto& k : keys)
		EXPECT_TRUE(j.contains(k)) << k;
	EXPECT_EQ(j["schema"], 1);
	EXPECT_EQ(j["time"], "2026-11-21T09:30:30.123Z");
	EXPECT_EQ(j["verdict"], "denied");
	EXPECT_EQ(j["reason"], "no_rule");
	EXPECT_EQ(j["hook"], "connect4");
	EXPECT_EQ(j["family"], "ipv4");
	EXPECT_EQ(j["proto"], "tcp");
	EXPECT_EQ(j["src"], "10.224.0.5");
	EXPECT_TRUE(j["sport"].is_number_unsigned());
	EXPECT_EQ(j["sport"], 40000);
	EXPECT_EQ(j["dst"], "203.0.113.7");
	EXPECT_EQ(j["dport"], 443);
	EXPECT_EQ(j["dst_names"], json({"example.org", "www.example.org"}));
	EXPECT_TRUE(j["cgroup_id"].is_number_unsigned());
	EXPECT_EQ(j["cgroup_id"], 1234);
	EXPECT_EQ(j["pod"], json({{"namespace", "team-a"},
	                          {"name", "web-7f9c"},
	                          {"uid", "8f2c1a3e-5b7d-4c9e-a1f0-123456789abc"}}));
	EXPECT_EQ(j["container_id"], std::string(64, 'a'));
	EXPECT_EQ(j["node"], "aks-nodepool1-0");
	EXPECT_EQ(j["count"], 7);
	EXPECT_EQ(j["policy_generation"], 3);
	EXPECT_EQ(j["pid"], 4242);
	EXPECT_EQ(j["comm"], "curl");
}

TEST(DenyRecord, ARefusedSocketHasItsFamilyTypeAndProtocolAndNoAddresses) {
	DenyRecord r = pod_record();
	r.dst_names.clear();
	r.event.hook = EGRESS_HOOK_LSM;
	r.event.reason = EGRESS_REASON_RAW_SOCKET_REFUSED;
	r.event.socket_family = 17;
	r.event.sport = 2; // SOCK_DGRAM
	r.event.dport = 0x0800;
	json j = json::parse(format_deny_line(r, "n"));
	EXPECT_EQ(j["hook"], "lsm");
	EXPECT_EQ(j["reason"], "raw_socket_refused");
	EXPECT_EQ(j["family"], "packet");
	EXPECT_EQ(j["socket"], json({{"type", "dgram"}, {"protocol", 0x0800}}));
	for (const char* k : {"proto", "src", "sport", "dst", "dport"})
		EXPECT_TRUE(j[k].is_null()) << k << ": " << j.dump();
	EXPECT_EQ(j["pod"]["name"], "web-7f9c");
	r.event.socket_family = 10;
	r.event.sport = 3;
	r.event.dport = 58;
	j = json::parse(format_deny_line(r, "n"));
	EXPECT_EQ(j["family"], "ipv6");
	EXPECT_EQ(j["socket"], json({{"type", "raw"}, {"protocol", 58}}));
}

TEST(DenyRecord, ARefusedObjectAccessNamesTheKindOfObject) {
	DenyRecord r = pod_record();
	r.event.hook = EGRESS_HOOK_LSM;
	r.event.reason = EGRESS_REASON_TAMPER_REFUSED;
	const std::pair<uint8_t, const char*> kinds[] = {{EGRESS_GUARD_INODE, "pin"},
	                                                 {EGRESS_GUARD_MAP, "map"},
	                                                 {EGRESS_GUARD_PROG, "program"},
	                                                 {EGRESS_GUARD_LINK, "link"}};
	for (auto [kind, name] : kinds) {
		r.event.proto = kind;
		json j = json::parse(format_deny_line(r, "n"));
		EXPECT_EQ(j["object"], name);
		EXPECT_TRUE(j["family"].is_null());
		EXPECT_FALSE(j.contains("socket"));
	}
}

TEST(DenyRecord, ANoticeLineHasNoDenyFields) {
	json j = json::parse(format_notice_line("raw frames from host processes are not guarded on this "
	                                        "kernel (BPF LSM is not active)",
	                                        "aks-nodepool1-0", kTime));
	EXPECT_EQ(j, json({{"schema", 1},
	                   {"time", "2026-11-21T09:30:30.123Z"},
	                   {"notice", "raw frames from host processes are not guarded on this kernel "
	                              "(BPF LSM is not active)"},
	                   {"node", "aks-nodepool1-0"}}));
}

TEST(DenyRecord, FieldsInDocumentedOrder) {
	std::string line = format_deny_line(pod_record(), "n");
	EXPECT_EQ(line.rfind("{\"schema\":1,\"time\":", 0), 0u) << line;
	EXPECT_LT(line.find("\"dst_names\""), line.find("\"cgroup_id\""));
	EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(DenyRecord, HostProcessHasNullPodAndNoProcessFields) {
	DenyRecord r;
	r.event = testing::deny("2001:db8::1", 80, 1);
	r.event.pid = 0;
	r.event.comm.clear();
	r.event.proto = 47; // GRE: no name
	r.event.verdict = EGRESS_VERDICT_AUDIT;
	r.time = kTime;
	json j = json::parse(format_deny_line(r, "n"));
	EXPECT_TRUE(j["pod"].is_null());
	EXPECT_TRUE(j["container_id"].is_null());
	EXPECT_EQ(j["dst_names"], json::array());
	EXPECT_FALSE(j.contains("pid"));
	EXPECT_FALSE(j.contains("comm"));
	EXPECT_EQ(j["family"], "ipv6");
	EXPECT_EQ(j["dst"], "2001:db8::1");
	EXPECT_EQ(j["proto"], "47");
	EXPECT_EQ(j["verdict"], "audit");
	EXPECT_EQ(j["count"], 1);
}

TEST(DenyRecord, PodWithoutLogDirHasNullNames) {
	DenyRecord r = pod_record();
	r.attribution.pod->ns.clear();
	r.attribution.pod->name.clear();
	json j = json::parse(format_deny_line(r, "n"));
	EXPECT_TRUE(j["pod"]["namespace"].is_null());
	EXPECT_TRUE(j["pod"]["name"].is_null());
	EXPECT_EQ(j["pod"]["uid"], "8f2c1a3e-5b7d-4c9e-a1f0-123456789abc");
}

TEST(DenyRecord, UnknownCodesAndHostileCommStayParseable) {
	DenyRecord r = pod_record();
	r.event.reason = 200;
	r.event.hook = 99;
	r.event.comm = std::string("a\"b\\c\n\xff");
	json j = json::parse(format_deny_line(r, "n"));
	EXPECT_EQ(j["reason"], "reason_200");
	EXPECT_EQ(j["hook"], "hook_99");
	EXPECT_EQ(j["comm"], "a\"b\\c\n\xEF\xBF\xBD"); // invalid UTF-8 replaced, not fatal
}

TEST(DenyRecord, ABudgetSummarySaysHowManyWereSuppressed) {
	DenyRecord r = pod_record();
	r.event.reason = EGRESS_REASON_EVENT_BUDGET;
	r.event.count = 130000;
	r.count = 130000;
	json j = json::parse(format_deny_line(r, "n"));
	EXPECT_EQ(j["reason"], "event_budget");
	EXPECT_EQ(j["count"], 130000);
	ASSERT_TRUE(j.contains("summary"));
	EXPECT_EQ(j["summary"].get<std::string>().rfind("130000 more denies from cgroup ", 0), 0u)
	    << j.dump();
	EXPECT_FALSE(json::parse(format_deny_line(pod_record(), "n")).contains("summary"))
	    << "only summaries carry one";
}

TEST(DenyRecord, BootToWall) {
	auto wall = kTime;
	EXPECT_EQ(boot_to_wall(9'000'000'000ULL, 10'000'000'000ULL, wall), wall - 1s);
	EXPECT_EQ(boot_to_wall(0, 10'000'000'000ULL, wall), wall);
	EXPECT_EQ(boot_to_wall(11'000'000'000ULL, 10'000'000'000ULL, wall), wall);
}

} // namespace
} // namespace egress::audit
