// libFuzzer target: ring-buffer record decoding (bytes the kernel wrote; a newer or broken BPF
// object, or a bug in ours, can put anything there).
//
// Invariants checked on every input, beyond "no crash, no out-of-bounds read" (ASan/UBSan):
//  1. the contract of event.h: a record decodes iff it is at least as long as the struct its
//     first byte names and carries a known address family; longer records are accepted;
//  2. a decoded event agrees field by field with the struct copied straight out of the bytes
//     (ports swapped from network order, strings cut at the first NUL, IPv4 tails zeroed);
//  3. every decoded address formats, and the text parses back to the same bytes;
//  4. decoding is a pure function of the bytes: the same bytes again, at another alignment,
//     give the same event (or the same error).
#include <arpa/inet.h>
#include <egress/abi.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "audit/event.h"

using namespace egress::audit;
using egress::IpAddress;

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
	std::fprintf(stderr, "invariant violated: %s: %s\n", what, detail.c_str());
	std::abort();
}

bool known_family(uint8_t family) {
	return family == AF_INET || family == AF_INET6;
}

template <size_t N>
std::string c_string(const char (&chars)[N]) {
	return std::string(chars, strnlen(chars, N));
}

void check_address(const IpAddress& a, uint8_t family, const uint8_t (&raw)[16]) {
	if (family_af(a.family) != family)
		fail("address family differs from the record");
	size_t n = family == AF_INET ? 4 : 16;
	if (std::memcmp(a.bytes.data(), raw, n) != 0)
		fail("address bytes differ from the record");
	for (size_t i = n; i < a.bytes.size(); ++i)
		if (a.bytes[i] != 0)
			fail("IPv4 address not normalised");
	std::string text = a.to_string();
	if (text.empty())
		fail("address does not format");
	uint8_t back[16] = {};
	if (inet_pton(family, text.c_str(), back) != 1 || std::memcmp(back, a.bytes.data(), n) != 0)
		fail("formatted address does not parse back", text);
}

void check_deny(const DenyEvent& e, const uint8_t* data) {
	egress_deny_event raw;
	std::memcpy(&raw, data, sizeof(raw));
	if (e.verdict != raw.verdict || e.hook != raw.hook || e.reason != raw.reason ||
	    e.proto != raw.proto || e.sport != ntohs(raw.sport) || e.dport != ntohs(raw.dport) ||
	    e.pid != raw.pid || e.ts_ns != raw.ts_ns || e.cgroup_id != raw.cgroup_id ||
	    e.policy_generation != raw.policy_generation || e.sock_cookie != raw.sock_cookie)
		fail("deny event field differs from the record");
	if (e.comm != c_string(raw.comm))
		fail("deny event comm differs from the record", e.comm);
	if (raw.hook == EGRESS_HOOK_LSM) { // the host guard's: a socket's family, no addresses
		if (e.socket_family != raw.family || !e.no_address())
			fail("host-guard event without its socket family");
		return;
	}
	check_address(e.src, raw.family, raw.saddr);
	check_address(e.dst, raw.family, raw.daddr);
}

void check_learn(const LearnEvent& e, const uint8_t* data) {
	egress_learn_event raw;
	std::memcpy(&raw, data, sizeof(raw));
	if (e.ttl != raw.ttl || e.ts_ns != raw.ts_ns || e.cgroup_id != raw.cgroup_id ||
	    e.expires_ns != raw.expires_ns)
		fail("learn event field differs from the record");
	if (e.name != c_string(raw.name))
		fail("learn event name differs from the record", e.name);
	check_address(e.address, raw.family, raw.addr);
}

bool same(const DenyEvent& a, const DenyEvent& b) {
	return a.verdict == b.verdict && a.hook == b.hook && a.reason == b.reason && a.proto == b.proto &&
	       a.sport == b.sport && a.dport == b.dport && a.pid == b.pid && a.ts_ns == b.ts_ns &&
	       a.cgroup_id == b.cgroup_id && a.policy_generation == b.policy_generation && a.src == b.src &&
	       a.dst == b.dst && a.comm == b.comm && a.sock_cookie == b.sock_cookie;
}

bool same(const LearnEvent& a, const LearnEvent& b) {
	return a.address == b.address && a.ttl == b.ttl && a.ts_ns == b.ts_ns && a.cgroup_id == b.cgroup_id &&
	       a.expires_ns == b.expires_ns && a.name == b.name;
}

bool same(const egress::Result<Event>& a, const egress::Result<Event>& b) {
	if (a.ok() != b.ok())
		return false;
	if (!a.ok())
		return a.error().to_string() == b.error().to_string() && a.error().code() == b.error().code();
	if (a->index() != b->index())
		return false;
	if (const auto* d = std::get_if<DenyEvent>(&*a))
		return same(*d, std::get<DenyEvent>(*b));
	return same(std::get<LearnEvent>(*a), std::get<LearnEvent>(*b));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
	std::span<const uint8_t> bytes(data, size);
	auto decoded = decode_event(bytes);

	// The family byte sits at offset 4 in a deny event and 1 in a learn event (abi.h); a host-guard
	// deny (hook byte at offset 2 is EGRESS_HOOK_LSM) carries a socket's family, any value.
	bool expect_ok = false;
	if (size > 0 && data[0] == EGRESS_EVENT_DENY)
		expect_ok = size >= sizeof(egress_deny_event) &&
		            (known_family(data[4]) || data[2] == EGRESS_HOOK_LSM);
	else if (size > 0 && data[0] == EGRESS_EVENT_LEARN)
		expect_ok = size >= sizeof(egress_learn_event) && known_family(data[1]);
	if (decoded.ok() != expect_ok)
		fail(expect_ok ? "valid record rejected" : "invalid record accepted",
		     decoded.ok() ? "" : decoded.error().to_string());
	if (!decoded.ok()) {
		if (decoded.error().message().empty() || decoded.error().code() != EINVAL)
			fail("error without a message or EINVAL", decoded.error().to_string());
	} else if (const auto* d = std::get_if<DenyEvent>(&*decoded)) {
		if (data[0] != EGRESS_EVENT_DENY)
			fail("deny event from a record of another type");
		check_deny(*d, data);
	} else {
		if (data[0] != EGRESS_EVENT_LEARN)
			fail("learn event from a record of another type");
		check_learn(std::get<LearnEvent>(*decoded), data);
	}

	// The same bytes at an odd address: a span from a fuzzer or a test need not be aligned.
	std::vector<uint8_t> shifted(size + 1);
	if (size > 0)
		std::memcpy(shifted.data() + 1, data, size);
	auto again = decode_event(std::span<const uint8_t>(shifted.data() + 1, size));
	if (!same(decoded, again))
		fail("decoding the same bytes twice differs");
	return 0;
}
