// The kernel's verdict, written once in userspace: the order of bpf/lib/policy.h (loopback ->
// safety floor -> learned, unless expired -> CIDR -> deny; ports; the reason of a miss) and how
// each hook of bpf/egress.bpf.c names a miss. egressd's `check`, egressctl's check on the pins and
// its offline check (`--config`) all ask this; tests/bpf/verdict runs a generated table through the
// loaded programs and through explain() and fails on any difference in verdict or reason.
//
// What it does not model: what only a packet shows (ICMP errors, neighbour discovery, TCP reply
// packets of the packet hooks; the pod program's reverse-path check and flow table) and the UDP
// peer map's timing (the caller says whether the destination is a recent UDP peer).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <egress/abi.h>

#include "common/ip_address.h"
#include "common/result.h"
#include "dns/name_rules.h"

namespace egress::verdict {

// What the three maps of the verdict hold for one destination: the longest-prefix floor and CIDR
// entries and the learned entry (kernel::VerdictMaps from the kernel, MemoryMaps for a policy that
// is not loaded).
struct AddressEntries {
	std::optional<egress_ports> floor;
	std::optional<egress_learned_value> learned;
	std::optional<egress_ports> cidr;
};

// Which hook judges the destination; they differ only in how a miss is named.
enum class Path {
	connect, // cgroup/connect4|6: TCP and connected UDP (a UDP miss is a udp_probe)
	sendmsg, // cgroup/sendmsg4|6: unconnected UDP
	packet,  // cgroup_skb/egress, TC, and the pod program for a flow its flow table does not know:
	         // packets no socket hook judged (a miss is `raw`)
};

struct AddressQuery {
	IpAddress destination; // as the hook sees it: a socket hook judges ::ffff:a.b.c.d as a.b.c.d
	uint8_t proto = EGRESS_PROTO_TCP;
	std::optional<uint16_t> port; // nullopt: any port of `proto` counts (check without :PORT)
	Path path = Path::connect;
	bool udp_peer = false; // the destination sent this socket a datagram recently
};

enum class MapKind { floor, learned, cidr };
std::string_view map_kind_name(MapKind kind); // "safety_floor" | "learned" | "cidr"

struct MapHit {
	MapKind map = MapKind::floor;
	egress_ports ports{};
	bool port_allowed = false;
	bool expired = false; // learned entries only
	uint64_t expires_ns = 0;
};

struct Verdict {
	unsigned reason = EGRESS_REASON_NO_RULE; // enum egress_reason
	bool allowed = false;
	IpAddress judged;         // the destination as judged (unmapped on the socket paths)
	std::vector<MapHit> hits; // every map holding the destination, in the kernel's order
};

// The address the hooks look up: IPv4-mapped IPv6 becomes IPv4 on the socket paths.
IpAddress judged_address(const AddressQuery& query);

Verdict explain(const AddressEntries& entries, const AddressQuery& query, uint64_t now_ns);

// `maps`: anything with floor(ip), learned(ip) and cidr(ip) returning Result<std::optional<...>>.
template <typename Maps>
Result<AddressEntries> lookup(const Maps& maps, const IpAddress& judged) {
	AddressEntries e;
	auto floor = maps.floor(judged);
	if (!floor.ok())
		return std::move(floor).error();
	auto learned = maps.learned(judged);
	if (!learned.ok())
		return std::move(learned).error();
	auto cidr = maps.cidr(judged);
	if (!cidr.ok())
		return std::move(cidr).error();
	e.floor = *floor;
	e.learned = *learned;
	e.cidr = *cidr;
	return e;
}

// The datapath's port test (bpf/lib/policy.h ports_allow): a range of the protocol (or of "any")
// that holds the port; with no port, any range of the protocol. n_ranges 0 allows nothing.
bool ports_allow(const egress_ports& ports, uint8_t proto, std::optional<uint16_t> port);
// 127.0.0.0/8, 0.0.0.0, ::1 and ::: what the hooks never judge.
bool is_loopback(const IpAddress& address);
bool expired(const egress_learned_value& value, uint64_t now_ns);

// What the DNS learner does with an answer for `name`: which name rule it is learned under, if
// any, and whether that rule allows proto/port. A name the kernel cannot walk (more than
// EGRESS_DNS_MAX_LABELS labels, longer than 253 bytes, not a valid name) is never learned.
struct NameVerdict {
	bool learnable = false;
	std::string not_learnable_why; // when !learnable
	std::optional<dns::KernelHit> rule;
	bool allowed = false; // learnable, a rule, and its ports allow proto/port
	bool port_allowed = false;
};

NameVerdict explain_name(const dns::KernelNameTable& table, std::string_view name, uint8_t proto,
                         std::optional<uint16_t> port);

} // namespace egress::verdict
