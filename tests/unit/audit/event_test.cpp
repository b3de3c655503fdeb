#include "audit/event.h"

#include <arpa/inet.h>
#include <egress/abi.h>

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace egress::audit {
namespace {

template <typename T>
std::vector<uint8_t> bytes_of(const T& raw) {
	std::vector<uint8_t> out(sizeof(T));
	std::memcpy(out.data(), &raw, sizeof(T));
	return out;
}

egress_deny_event deny4() {
	egress_deny_event raw{};
	raw.type = EGRESS_EVENT_DENY;
	raw.verdict = EGRESS_VERDICT_DENY;
	raw.hook = EGRESS_HOOK_CONNECT4;
	raw.reason = EGRESS_REASON_NO_RULE;
	raw.family = AF_INET;
	raw.proto = EGRESS_PROTO_TCP;
	raw.sport = htons(40000);
	raw.dport = htons(443);
	raw.pid = 4242;
	raw.ts_ns = 123456789;
	raw.cgroup_id = 777;
	raw.policy_generation = 9;
	inet_pton(AF_INET, "10.224.0.5", raw.saddr);
	inet_pton(AF_INET, "203.0.113.7", raw.daddr);
	std::memcpy(raw.comm, "curl", 4);
	raw.sock_cookie = 55;
	return raw;
}

TEST(DecodeEvent, DenyIpv4) {
	auto r = decode_event(bytes_of(deny4()));
	ASSERT_TRUE(r.ok()) << r.error().to_string();
	ASSERT_TRUE(std::holds_alternative<DenyEvent>(*r));
	const auto& e = std::get<DenyEvent>(*r);
	EXPECT_EQ(e.verdict, EGRESS_VERDICT_DENY);
	EXPECT_EQ(e.hook, EGRESS_HOOK_CONNECT4);
	EXPECT_EQ(e.reason, EGRESS_REASON_NO_RULE);
	EXPECT_EQ(e.proto, EGRESS_PROTO_TCP);
	EXPECT_EQ(e.sport, 40000);
	EXPECT_EQ(e.dport, 443);
	EXPECT_EQ(e.pid, 4242u);
	EXPECT_EQ(e.ts_ns, 123456789u);
	EXPECT_EQ(e.cgroup_id, 777u);
	EXPECT_EQ(e.policy_generation, 9u);
	EXPECT_EQ(e.src.to_string(), "10.224.0.5");
	EXPECT_EQ(e.dst.to_string(), "203.0.113.7");
	EXPECT_EQ(e.comm, "curl");
	EXPECT_EQ(e.sock_cookie, 55u);
}

TEST(DecodeEvent, DenyIpv6AndFullLengthComm) {
	auto raw = deny4();
	raw.family = AF_INET6;
	raw.hook = EGRESS_HOOK_CONNECT6;
	inet_pton(AF_INET6, "fd00::5", raw.saddr);
	inet_pton(AF_INET6, "2001:db8::1", raw.daddr);
	std::memcpy(raw.comm, "0123456789abcdef", 16); // no NUL: the kernel's comm fills the field
	auto r = decode_event(bytes_of(raw));
	ASSERT_TRUE(r.ok()) << r.error().to_string();
	const auto& e = std::get<DenyEvent>(*r);
	EXPECT_EQ(e.src.to_string(), "fd00::5");
	EXPECT_EQ(e.dst.to_string(), "2001:db8::1");
	EXPECT_EQ(e.comm, "0123456789abcdef");
}

TEST(DecodeEvent, Ipv4IgnoresBytesPastTheAddress) {
	auto a = deny4();
	auto b = deny4();
	b.daddr[7] = 0xaa; // junk after the IPv4 address must not make two flows of one
	auto ea = std::get<DenyEvent>(*decode_event(bytes_of(a)));
	auto eb = std::get<DenyEvent>(*decode_event(bytes_of(b)));
	EXPECT_EQ(ea.dst, eb.dst);
}

TEST(DecodeEvent, Learn) {
	egress_learn_event raw{};
	raw.type = EGRESS_EVENT_LEARN;
	raw.family = AF_INET;
	raw.ttl = 300;
	raw.ts_ns = 10;
	raw.cgroup_id = 3;
	raw.expires_ns = 310'000'000'010ULL;
	inet_pton(AF_INET, "20.60.1.2", raw.addr);
	std::strcpy(raw.name, "mcr.microsoft.com");
	auto r = decode_event(bytes_of(raw));
	ASSERT_TRUE(r.ok()) << r.error().to_string();
	const auto& e = std::get<LearnEvent>(*r);
	EXPECT_EQ(e.address.to_string(), "20.60.1.2");
	EXPECT_EQ(e.ttl, 300u);
	EXPECT_EQ(e.cgroup_id, 3u);
	EXPECT_EQ(e.expires_ns, 310'000'000'010ULL);
	EXPECT_EQ(e.name, "mcr.microsoft.com");
}

TEST(DecodeEvent, LongerRecordFromANewerKernelObjectIsAccepted) {
	auto bytes = bytes_of(deny4());
	bytes.resize(bytes.size() + 24, 0xee);
	EXPECT_TRUE(decode_event(bytes).ok());
}

TEST(DecodeEvent, ShortRecordsAreErrors) {
	auto deny = bytes_of(deny4());
	for (size_t n : {size_t(1), size_t(8), deny.size() - 1}) {
		auto r = decode_event(std::span(deny.data(), n));
		ASSERT_FALSE(r.ok()) << n;
		EXPECT_EQ(r.error().code(), EINVAL);
		EXPECT_NE(r.error().message().find("deny event record of " + std::to_string(n) + " bytes"),
		          std::string::npos)
		    << r.error().message();
	}
	egress_learn_event learn{};
	learn.type = EGRESS_EVENT_LEARN;
	learn.family = AF_INET;
	auto lb = bytes_of(learn);
	EXPECT_FALSE(decode_event(std::span(lb.data(), lb.size() - 1)).ok());
	EXPECT_FALSE(decode_event({}).ok());
}

TEST(DecodeEvent, UnknownTypeIsAnError) {
	auto bytes = bytes_of(deny4());
	bytes[0] = 0;
	EXPECT_FALSE(decode_event(bytes).ok());
	bytes[0] = 3;
	auto r = decode_event(bytes);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().message(), "unknown event type 3");
}

TEST(DecodeEvent, UnknownFamilyIsAnError) {
	auto raw = deny4();
	raw.family = 0;
	EXPECT_FALSE(decode_event(bytes_of(raw)).ok());
}

// The host guard refuses sockets and object access: no addresses, the socket's family instead.
TEST(DecodeEvent, HostGuardEventsCarryTheSocketFamilyAndNoAddress) {
	egress_deny_event raw{};
	raw.type = EGRESS_EVENT_DENY;
	raw.verdict = EGRESS_VERDICT_DENY;
	raw.hook = EGRESS_HOOK_LSM;
	raw.reason = EGRESS_REASON_RAW_SOCKET_REFUSED;
	raw.family = 17; // AF_PACKET
	raw.sport = htons(3);
	raw.dport = htons(0x0003); // ETH_P_ALL, as socket() takes it
	raw.cgroup_id = 99;
	auto r = decode_event(bytes_of(raw));
	ASSERT_TRUE(r.ok()) << r.error().to_string();
	auto e = std::get<DenyEvent>(*r);
	EXPECT_TRUE(e.no_address());
	EXPECT_EQ(e.socket_family, 17);
	EXPECT_EQ(e.sport, 3);
	EXPECT_EQ(e.dport, 3);
	EXPECT_EQ(e.dst.to_string(), "0.0.0.0");
	raw.reason = EGRESS_REASON_TAMPER_REFUSED;
	raw.family = 0;
	raw.proto = EGRESS_GUARD_LINK;
	r = decode_event(bytes_of(raw));
	ASSERT_TRUE(r.ok()) << r.error().to_string();
	EXPECT_EQ(std::get<DenyEvent>(*r).socket_family, 0);
	// (Family 0 stays an error for every other hook: UnknownFamilyIsAnError.)
}

} // namespace
} // namespace egress::audit
