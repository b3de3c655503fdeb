/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The flow table of the packet programs that see frames with no socket (the pod program and the
 * enforcing uplink backstop). Linux 5.15 has no conntrack kfuncs (bpf_skb_ct_lookup is 6.0), so
 * this is our own: an LRU hash of flows as the local side (pod, or node on the uplink) sees them.
 *
 *  - outbound: the local side's first packet to the remote was allowed by the policy; later
 *    packets pass on the entry alone, so a flow outlives the learned address that allowed it
 *    (as a connect()ed socket does: TTL expiry never cuts an established flow);
 *  - inbound: a connection (TCP SYN), datagram or echo request came in from the remote, so the
 *    local side's replies pass: replies are never dropped (DESIGN.md 4).
 *
 * Entries idle longer than their protocol's timeout are judged again (and replaced). A packet
 * refreshes its entry at most once a second (a plain store into the value: no map update per
 * packet). No entry is made for the safety floor: its flows are allowed forever anyway, and
 * cluster traffic would crowd the table. */
#ifndef EGRESS_BPF_FLOW_TABLE_H
#define EGRESS_BPF_FLOW_TABLE_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

#include <egress/abi.h>
#include "lib/flow.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/policy.h"
#include "lib/settings.h"

/* Load-time idle timeouts (the loader may shorten them: tests). */
const volatile __u64 ct_tcp_idle_ns = EGRESS_CT_TCP_IDLE_NS;
const volatile __u64 ct_udp_idle_ns = EGRESS_CT_UDP_IDLE_NS;
const volatile __u64 ct_other_idle_ns = EGRESS_CT_OTHER_IDLE_NS;

#define CT_TCP_SYN 0x02
#define CT_TCP_ACK 0x10

static __always_inline __u64 ct_now(void)
{
	return coarse_clock ? bpf_ktime_get_coarse_ns() : bpf_ktime_get_boot_ns();
}

static __always_inline __u64 ct_idle_ns(__u8 proto)
{
	if (proto == IPPROTO_TCP)
		return ct_tcp_idle_ns;
	if (proto == IPPROTO_UDP)
		return ct_udp_idle_ns;
	return ct_other_idle_ns;
}

/* The flow of a packet the local side sends (f->saddr is local). */
static __always_inline void ct_key_out(const struct flow *f, struct egress_ct_key *k)
{
	__builtin_memcpy(k->local, f->saddr, 16);
	__builtin_memcpy(k->remote, f->daddr, 16);
	k->local_port = f->sport;
	k->remote_port = f->dport;
	k->proto = f->proto;
	k->family = f->family;
}

/* The flow of a packet arriving for the local side (f->daddr is local). */
static __always_inline void ct_key_in(const struct flow *f, struct egress_ct_key *k)
{
	__builtin_memcpy(k->local, f->daddr, 16);
	__builtin_memcpy(k->remote, f->saddr, 16);
	k->local_port = f->dport;
	k->remote_port = f->sport;
	k->proto = f->proto;
	k->family = f->family;
}

/* A known flow that has not idled out (refreshed); 0 otherwise. */
static __always_inline int ct_known(const struct egress_ct_key *k)
{
	struct egress_ct_value *v = bpf_map_lookup_elem(&egress_ct, k);
	__u64 now;

	if (!v)
		return 0;
	now = ct_now();
	if (now - v->last_ns > ct_idle_ns(k->proto))
		return 0;
	if (now - v->last_ns > EGRESS_CT_REFRESH_NS)
		v->last_ns = now;
	return 1;
}

static __always_inline void ct_add(const struct egress_ct_key *k, __u8 origin, __u32 reason,
				   __u8 hook)
{
	struct egress_ct_value v = {};

	v.last_ns = ct_now();
	v.created_ns = bpf_ktime_get_boot_ns();
	v.origin = origin;
	v.reason = reason;
	v.hook = hook;
	bpf_map_update_elem(&egress_ct, k, &v, BPF_ANY);
}

/* An allowed first packet of an outbound flow: remembered when what allowed it may go away (a
 * learned address expires, a CIDR rule is removed); the floor stays, and exemptions are per packet.
 */
static __always_inline void ct_allowed(const struct egress_ct_key *k, __u32 reason, __u8 hook)
{
	if (reason == EGRESS_REASON_LEARNED || reason == EGRESS_REASON_CIDR)
		ct_add(k, EGRESS_CT_OUTBOUND, reason, hook);
}

/* The uplink backstop (enforcing): a packet of a flow the table knows; parses on its own, so the
 * caller's judge runs only for packets of new flows. */
static __always_inline int ct_known_out(struct __sk_buff *skb, __u32 l3)
{
	struct egress_ct_key k = {};
	struct pkt_info pi = {};
	struct flow f = {};

	if (parse_ip(skb, l3, &f, &pi) < 0)
		return 0;
	if (!pi.has_l4)
		f.dport = 0;
	ct_key_out(&f, &k);
	return ct_known(&k);
}

static __always_inline void ct_allowed_flow(const struct flow *f, __u32 reason, __u8 hook)
{
	struct egress_ct_key k = {};

	ct_key_out(f, &k);
	ct_allowed(&k, reason, hook);
}

/* The start of something the remote side opens: a TCP SYN, a UDP datagram, an echo request
 * (RFC 792 type 8, RFC 4443 type 128). Everything else that comes in opens nothing. */
static __always_inline int ct_opens(const struct flow *f, const struct pkt_info *pi)
{
	if (!pi->has_l4)
		return 0;
	if (f->proto == IPPROTO_TCP)
		return (pi->tcp_flags & (CT_TCP_SYN | CT_TCP_ACK)) == CT_TCP_SYN;
	if (f->proto == IPPROTO_UDP)
		return 1;
	if (f->proto == IPPROTO_ICMP)
		return pi->icmp_type == 8;
	if (f->proto == IPPROTO_ICMPV6)
		return pi->icmp_type == 128;
	return 0;
}

/* A frame travelling towards the local side (the pod interface's egress, the uplink's ingress):
 * what it opens is remembered so that the replies pass. The floor's peers need no entry. */
static __always_inline void ct_note_inbound(struct __sk_buff *skb, __u32 l3, __u8 hook)
{
	struct egress_ct_key k = {};
	struct pkt_info pi = {};
	struct flow f = {};
	__u32 floor;

	if (parse_ip(skb, l3, &f, &pi) < 0 || !ct_opens(&f, &pi))
		return;
	ct_key_in(&f, &k);
	if (ct_known(&k))
		return;
	/* the floor is judged by destination: the reply goes to f.saddr */
	if (f.family == AF_INET)
		floor = judge4(*(__be32 *)f.saddr, f.proto, f.sport);
	else
		floor = judge6(f.saddr, f.proto, f.sport);
	if (floor == EGRESS_REASON_FLOOR || floor == EGRESS_REASON_LOOPBACK)
		return;
	ct_add(&k, EGRESS_CT_INBOUND, EGRESS_REASON_REPLY, hook);
}

/* ICMP errors (RFC 792, RFC 4443 2.4) quote the packet they answer; the local side may send one
 * only about a flow the table knows. The quoted packet came from the remote to the local side. */
static __always_inline int ct_icmp_error_known(struct __sk_buff *skb, const struct pkt_info *pi,
					       const struct flow *f)
{
	struct egress_ct_key k = {};
	__u32 inner = pi->l4_off + 8;
	__be16 ports[2];
	__u8 h[40];

	if (f->family == AF_INET) {
		if (bpf_skb_load_bytes(skb, inner, h, 20) < 0)
			return 0;
		k.proto = h[9];
		__builtin_memcpy(k.local, &h[16], 4);
		__builtin_memcpy(k.remote, &h[12], 4);
		inner += (h[0] & 0xf) * 4;
	} else {
		if (bpf_skb_load_bytes(skb, inner, h, 40) < 0)
			return 0;
		k.proto = h[6];
		__builtin_memcpy(k.local, &h[24], 16);
		__builtin_memcpy(k.remote, &h[8], 16);
		inner += 40;
	}
	k.family = f->family;
	if ((k.proto == IPPROTO_TCP || k.proto == IPPROTO_UDP) &&
	    bpf_skb_load_bytes(skb, inner, ports, sizeof(ports)) == 0) {
		k.remote_port = ports[0];
		k.local_port = ports[1];
	}
	return ct_known(&k);
}

#endif
