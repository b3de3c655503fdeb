/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The hook points of in-kernel DNS learning (DESIGN.md 4, docs/dns-learning.md):
 *  - cgroup_skb/egress calls dns_note_query() for UDP packets to port 53 it allowed: queries are
 *    remembered, or refused for a name outside the policy (lib/dns_query.h), and
 *    dns_note_local_answer() for UDP from port 53 over loopback: a node resolver's answers;
 *  - cgroup_skb/ingress calls dns_learn() for every UDP datagram from source port 53, before the
 *    application can read it (lib/dns_learn.h), and dns_tcp_seen() for other L4 packets.
 * None of them drops a packet itself: a refused query is denied by the caller. */
#ifndef EGRESS_BPF_DNS_HOOK_H
#define EGRESS_BPF_DNS_HOOK_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>

#include "lib/counters.h"
#include "lib/dns_learn.h"
#include "lib/dns_query.h"
#include "lib/flow.h"

/* off: offset of the UDP header; f: addresses and ports of the response as received; lo: it
 * arrived over the loopback device. */
static __always_inline void dns_learn(struct __sk_buff *skb, __u32 off, const struct flow *f,
				      int lo)
{
	dns_learn_response(skb, off, f, lo);
}

/* DNS over TCP is not parsed in BPF: its data segments are counted (userspace resolves exact
 * names actively). */
static __always_inline void dns_tcp_seen(const struct flow *f, __u32 l4_payload)
{
	if (f->proto == IPPROTO_TCP && f->sport == bpf_htons(53) && l4_payload)
		count(EGRESS_HOOK_SKB_INGRESS, EGRESS_REASON_DNS_TCP);
}

#endif
