#include "verdict/explain.h"

#include "dns/name.h"

namespace egress::verdict {

std::string_view map_kind_name(MapKind kind) {
	switch (kind) {
	case MapKind::floor:
		return "safety_floor";
	case MapKind::learned:
		return "learned";
	case MapKind::cidr:
		return "cidr";
	}
	return "";
}

bool ports_allow(const egress_ports& p, uint8_t proto, std::optional<uint16_t> port) {
	for (uint32_t i = 0; i < p.n_ranges && i < EGRESS_MAX_PORT_RANGES; ++i) {
		const auto& r = p.ranges[i];
		if (r.proto != EGRESS_PROTO_ANY && r.proto != proto)
			continue;
		if (!port || (*port >= r.port_lo && *port <= r.port_hi))
			return true;
	}
	return false;
}

bool is_loopback(const IpAddress& a) {
	if (a.family == Family::v4)
		return a.bytes[0] == 127 ||
		       (a.bytes[0] == 0 && a.bytes[1] == 0 && a.bytes[2] == 0 && a.bytes[3] == 0);
	for (size_t i = 0; i < 15; ++i)
		if (a.bytes[i] != 0)
			return false;
	return a.bytes[15] == 0 || a.bytes[15] == 1;
}

bool expired(const egress_learned_value& value, uint64_t now_ns) {
	return value.expires_ns <= now_ns;
}

IpAddress judged_address(const AddressQuery& q) {
	// The socket hooks judge a dual-stack socket's ::ffff:a.b.c.d by the IPv4 policy; a packet's
	// header address is looked up as it is.
	return q.path == Path::packet ? q.destination : q.destination.unmapped();
}

namespace {

// judge4/judge6 of bpf/lib/policy.h, with every map hit recorded.
unsigned judge(const AddressEntries& e, const AddressQuery& q, uint64_t now_ns, Verdict& v) {
	if (is_loopback(v.judged))
		return EGRESS_REASON_LOOPBACK;
	unsigned miss = EGRESS_REASON_NO_RULE;
	unsigned decided = 0; // 0: not yet
	if (e.floor) {
		bool ok = ports_allow(*e.floor, q.proto, q.port);
		v.hits.push_back({MapKind::floor, *e.floor, ok, false, 0});
		if (ok)
			decided = EGRESS_REASON_FLOOR;
		else
			miss = EGRESS_REASON_PORT;
	}
	if (e.learned) {
		bool gone = expired(*e.learned, now_ns);
		bool ok = !gone && ports_allow(e.learned->ports, q.proto, q.port);
		v.hits.push_back({MapKind::learned, e.learned->ports, ok, gone, e.learned->expires_ns});
		if (!decided) {
			if (gone)
				miss = miss == EGRESS_REASON_NO_RULE
				           ? static_cast<unsigned>(EGRESS_REASON_EXPIRED)
				           : miss;
			else if (ok)
				decided = EGRESS_REASON_LEARNED;
			else
				miss = EGRESS_REASON_PORT;
		}
	}
	if (e.cidr) {
		bool ok = ports_allow(*e.cidr, q.proto, q.port);
		v.hits.push_back({MapKind::cidr, *e.cidr, ok, false, 0});
		if (!decided) {
			if (ok)
				decided = EGRESS_REASON_CIDR;
			else
				miss = EGRESS_REASON_PORT;
		}
	}
	return decided ? decided : miss;
}

} // namespace

Verdict explain(const AddressEntries& entries, const AddressQuery& q, uint64_t now_ns) {
	Verdict v;
	v.judged = judged_address(q);
	unsigned reason = judge(entries, q, now_ns, v);
	bool allows = egress_reason_in(reason, EGRESS_REASON_CLASS_ALLOW);
	// How each hook names a miss (bpf/egress.bpf.c judge_connect, judge_sendmsg, judge_packet).
	switch (q.path) {
	case Path::connect:
		if (!allows && q.proto == EGRESS_PROTO_UDP) {
			if (q.udp_peer)
				reason = EGRESS_REASON_REPLY;
			else if (reason == EGRESS_REASON_NO_RULE || reason == EGRESS_REASON_EXPIRED)
				reason = EGRESS_REASON_UDP_PROBE;
		}
		break;
	case Path::sendmsg:
		if (!allows && q.udp_peer)
			reason = EGRESS_REASON_REPLY;
		break;
	case Path::packet:
		if (reason == EGRESS_REASON_NO_RULE)
			reason = EGRESS_REASON_RAW;
		break;
	}
	v.reason = reason;
	v.allowed = egress_reason_in(reason, EGRESS_REASON_CLASS_ALLOW);
	return v;
}

NameVerdict explain_name(const dns::KernelNameTable& table, std::string_view name, uint8_t proto,
                         std::optional<uint16_t> port) {
	NameVerdict v;
	auto labels = dns::split_name(name);
	if (!labels.ok()) {
		v.not_learnable_why = labels.error().to_string();
		return v;
	}
	if (labels->size() > EGRESS_DNS_MAX_LABELS) {
		// The learner walks at most EGRESS_DNS_MAX_LABELS labels (bpf/lib/dns_name.h): longer
		// names are malformed to it, so nothing under them is ever learned.
		v.not_learnable_why = std::to_string(labels->size()) +
		                      " labels: the kernel learns names of at most " +
		                      std::to_string(EGRESS_DNS_MAX_LABELS);
		return v;
	}
	v.learnable = true;
	v.rule = table.match(name);
	v.port_allowed = v.rule && ports_allow(v.rule->ports, proto, port);
	v.allowed = v.port_allowed;
	return v;
}

} // namespace egress::verdict
