#include "audit/event.h"

#include <egress/abi.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace egress::audit {
namespace {

// The kernel writes ports in network byte order; the struct field is __be16.
uint16_t from_be16(uint16_t be) {
	const auto* b = reinterpret_cast<const uint8_t*>(&be);
	return static_cast<uint16_t>(b[0] << 8 | b[1]);
}

bool known_family(uint8_t family) {
	return family == AF_INET || family == AF_INET6;
}

// Bytes past an IPv4 address are whatever the BPF program left there (zero in practice); the
// address compares and hashes as a value, so only the family's bytes are taken.
IpAddress make_address(uint8_t family, const uint8_t (&bytes)[16]) {
	auto a = ip_from_af(family, bytes);
	return a.ok() ? *a : IpAddress{};
}

template <size_t N>
std::string c_string(const char (&chars)[N]) {
	return std::string(chars, strnlen(chars, N));
}

// memcpy into an aligned struct: ring-buffer records are 8-byte aligned, but a span from a test
// or a fuzzer need not be.
template <typename T>
Result<T> copy_record(std::span<const uint8_t> record, const char* what) {
	if (record.size() < sizeof(T))
		return Error(std::string(what) + " record of " + std::to_string(record.size()) +
		                 " bytes, expected at least " + std::to_string(sizeof(T)),
		             EINVAL);
	T raw;
	std::memcpy(&raw, record.data(), sizeof(T));
	return raw;
}

Result<Event> decode_deny(std::span<const uint8_t> record) {
	auto raw = copy_record<egress_deny_event>(record, "deny event");
	if (!raw)
		return std::move(raw).error();
	bool guard = raw->hook == EGRESS_HOOK_LSM;
	if (!known_family(raw->family) && !guard)
		return Error("deny event with address family " + std::to_string(raw->family), EINVAL);
	DenyEvent e;
	e.verdict = raw->verdict;
	e.hook = raw->hook;
	e.reason = raw->reason;
	e.proto = raw->proto;
	e.sport = from_be16(raw->sport);
	e.dport = from_be16(raw->dport);
	e.pid = raw->pid;
	e.ts_ns = raw->ts_ns;
	e.cgroup_id = raw->cgroup_id;
	e.policy_generation = raw->policy_generation;
	// abi.h carries one family for both addresses: the source has the destination's family.
	if (guard) {
		e.socket_family = raw->family;
	} else {
		e.src = make_address(raw->family, raw->saddr);
		e.dst = make_address(raw->family, raw->daddr);
	}
	e.comm = c_string(raw->comm);
	e.sock_cookie = raw->sock_cookie;
	return Event(std::move(e));
}

} // namespace

bool DenyEvent::no_address() const {
	return hook == EGRESS_HOOK_LSM;
}

namespace {

Result<Event> decode_learn(std::span<const uint8_t> record) {
	auto raw = copy_record<egress_learn_event>(record, "learn event");
	if (!raw)
		return std::move(raw).error();
	if (!known_family(raw->family))
		return Error("learn event with address family " + std::to_string(raw->family), EINVAL);
	LearnEvent e;
	e.address = make_address(raw->family, raw->addr);
	e.ttl = raw->ttl;
	e.ts_ns = raw->ts_ns;
	e.cgroup_id = raw->cgroup_id;
	e.expires_ns = raw->expires_ns;
	e.name = c_string(raw->name);
	return Event(std::move(e));
}

} // namespace

Result<Event> decode_event(std::span<const uint8_t> record) {
	if (record.empty())
		return Error("empty event record", EINVAL);
	switch (record[0]) {
	case EGRESS_EVENT_DENY:
		return decode_deny(record);
	case EGRESS_EVENT_LEARN:
		return decode_learn(record);
	default:
		return Error("unknown event type " + std::to_string(record[0]), EINVAL);
	}
}

} // namespace egress::audit
