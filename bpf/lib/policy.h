/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The decision shared by every hook: loopback -> safety floor -> learned (not expired) -> CIDR
 * rules -> deny. Returns a reason; allow reasons are the leading block of enum egress_reason. */
#ifndef EGRESS_BPF_POLICY_H
#define EGRESS_BPF_POLICY_H

#include <linux/in.h>
#include <bpf/bpf_endian.h>

#include "lib/counters.h"
#include "lib/flow.h"
#include "lib/maps.h"
#include "lib/settings.h"

/* Does one of the value's ranges cover proto/dport? A range of proto ANY also covers protocols
 * without ports (dport 0). n_ranges 0 allows nothing: the address alone is never a permission. */
static __always_inline int ports_allow(const struct egress_ports *p, __u8 proto, __be16 dport_be)
{
	__u16 dport = bpf_ntohs(dport_be);
	__u32 n = p->n_ranges;

#pragma unroll
	for (__u32 i = 0; i < EGRESS_MAX_PORT_RANGES; i++) {
		const struct egress_port_range *r = &p->ranges[i];

		if (i >= n)
			break;
		if (r->proto != EGRESS_PROTO_ANY && r->proto != proto)
			continue;
		if (dport >= r->port_lo && dport <= r->port_hi)
			return 1;
	}
	return 0;
}

/* A learned entry allows new flows until it expires; expiry never cuts an established one,
 * because the socket hooks judge each connection once. */
static __always_inline __u32 judge_learned(const struct egress_learned_value *l, __u8 proto,
					   __be16 dport, __u32 miss)
{
	__u64 now = coarse_clock ? bpf_ktime_get_coarse_ns() : bpf_ktime_get_boot_ns();

	if (l->expires_ns <= now)
		return miss == EGRESS_REASON_NO_RULE ? EGRESS_REASON_EXPIRED : miss;
	return ports_allow(&l->ports, proto, dport) ? EGRESS_REASON_LEARNED : EGRESS_REASON_PORT;
}

static __always_inline __u32 judge4(__be32 daddr, __u8 proto, __be16 dport)
{
	struct egress_lpm4_key k = {.prefixlen = 32};
	struct egress_learned4_key lk;
	const struct egress_learned_value *l;
	const struct egress_ports *p;
	__u32 miss = EGRESS_REASON_NO_RULE;
	__u32 r;

	/* 127.0.0.0/8, and 0.0.0.0 which connect() treats as this host */
	if ((bpf_ntohl(daddr) >> 24) == 127 || daddr == 0)
		return EGRESS_REASON_LOOPBACK;

	__builtin_memcpy(k.addr, &daddr, 4);
	p = bpf_map_lookup_elem(&egress_floor4, &k);
	if (p) {
		if (ports_allow(p, proto, dport))
			return EGRESS_REASON_FLOOR;
		miss = EGRESS_REASON_PORT;
	}
	__builtin_memcpy(lk.addr, &daddr, 4);
	l = bpf_map_lookup_elem(&egress_learned4, &lk);
	if (l) {
		r = judge_learned(l, proto, dport, miss);
		if (r == EGRESS_REASON_LEARNED)
			return r;
		miss = r;
	}
	p = bpf_map_lookup_elem(&egress_cidr4, &k);
	if (p) {
		if (ports_allow(p, proto, dport))
			return EGRESS_REASON_CIDR;
		miss = EGRESS_REASON_PORT;
	}
	return miss;
}

static __always_inline int is_v6_loopback_or_any(const __u32 a[4])
{
	return a[0] == 0 && a[1] == 0 && a[2] == 0 && (a[3] == 0 || a[3] == bpf_htonl(1));
}

/* ::ffff:a.b.c.d from a dual-stack socket: judged by the IPv4 policy. */
static __always_inline int is_v4_mapped(const __u32 a[4])
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff);
}

static __always_inline __u32 judge6(const __u8 daddr[16], __u8 proto, __be16 dport)
{
	struct egress_lpm6_key k = {.prefixlen = 128};
	struct egress_learned6_key lk;
	const struct egress_learned_value *l;
	const struct egress_ports *p;
	__u32 miss = EGRESS_REASON_NO_RULE;
	__u32 r;

	__builtin_memcpy(k.addr, daddr, 16);
	if (is_v6_loopback_or_any((const __u32 *)k.addr))
		return EGRESS_REASON_LOOPBACK;
	p = bpf_map_lookup_elem(&egress_floor6, &k);
	if (p) {
		if (ports_allow(p, proto, dport))
			return EGRESS_REASON_FLOOR;
		miss = EGRESS_REASON_PORT;
	}
	__builtin_memcpy(lk.addr, daddr, 16);
	l = bpf_map_lookup_elem(&egress_learned6, &lk);
	if (l) {
		r = judge_learned(l, proto, dport, miss);
		if (r == EGRESS_REASON_LEARNED)
			return r;
		miss = r;
	}
	p = bpf_map_lookup_elem(&egress_cidr6, &k);
	if (p) {
		if (ports_allow(p, proto, dport))
			return EGRESS_REASON_CIDR;
		miss = EGRESS_REASON_PORT;
	}
	return miss;
}

static __always_inline __u32 judge(const struct flow *f)
{
	if (f->family == AF_INET)
		return judge4(flow_daddr4(f), f->proto, f->dport);
	return judge6(f->daddr, f->proto, f->dport);
}

/* An address of the cluster: a floor entry of a clusterCIDR (pods, services, nodes, the node's
 * own resolvers), which userspace marks EGRESS_PORTS_CLUSTER. */
static __always_inline int cluster_addr(__u8 family, const __u8 *addr)
{
	const struct egress_ports *p;

	if (family == AF_INET) {
		struct egress_lpm4_key k = {.prefixlen = 32};

		__builtin_memcpy(k.addr, addr, 4);
		p = bpf_map_lookup_elem(&egress_floor4, &k);
	} else {
		struct egress_lpm6_key k = {.prefixlen = 128};

		__builtin_memcpy(k.addr, addr, 16);
		p = bpf_map_lookup_elem(&egress_floor6, &k);
	}
	return p && (p->flags & EGRESS_PORTS_CLUSTER);
}

/* Did this peer send a datagram to our local port recently (we are answering it)? */
static __always_inline int is_udp_peer(const struct flow *f)
{
	struct egress_peer_key k = {};
	__u64 *seen;

	__builtin_memcpy(k.addr, f->daddr, 16);
	k.peer_port = f->dport;
	k.local_port = f->sport;
	k.family = f->family;
	seen = bpf_map_lookup_elem(&egress_udp_peers, &k);
	return seen && bpf_ktime_get_boot_ns() - *seen < udp_peer_ttl_ns;
}

/* Audit mode, or fail-open with a daemon that stopped beating: report, don't block. */
static __always_inline int audit_mode(void)
{
	__u32 zero = 0;
	const struct egress_config *cfg = bpf_map_lookup_elem(&egress_config, &zero);

	if (!cfg)
		return 0;
	if (cfg->mode == EGRESS_MODE_AUDIT)
		return 1;
	return cfg->fail_mode == EGRESS_FAIL_OPEN && cfg->heartbeat_stale_ns &&
	       bpf_ktime_get_boot_ns() - cfg->heartbeat_ns > cfg->heartbeat_stale_ns;
}

static __always_inline __u64 policy_generation(void)
{
	__u32 zero = 0;
	const struct egress_config *cfg = bpf_map_lookup_elem(&egress_config, &zero);

	return cfg ? cfg->policy_generation : 0;
}

#endif
