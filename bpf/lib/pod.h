/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The pod program's decision: every frame a pod sends, judged on the host side of its interface,
 * where frames made without an IP socket (AF_PACKET, AF_XDP) are seen too, before any SNAT.
 *
 *   ARP                                   passes (it does not leave the link)
 *   anything else that is not IP          raw: no pod needs it, and it may be bridged on
 *   IPv6 to a link-scope destination      neighbor: fe80::/10 and ff02::/16 never leave the link
 *   a source outside the pod's prefixes   spoofed (reverse-path check)
 *   a flow the flow table knows           flow
 *   an ICMP error about a known flow      icmp_error
 *   else: the policy (lib/policy.h), a miss named as on the packet path (raw); an allow other than
 *   the floor's makes a flow entry.
 *
 * Nothing here trusts the frame's look: a pod's kernel and a pod's raw socket make the same bytes,
 * so there is no "reply packet" or "kernel-generated" exemption; replies pass on the inbound
 * entries the pod interface's egress side makes (lib/flow_table.h). */
#ifndef EGRESS_BPF_POD_H
#define EGRESS_BPF_POD_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include <egress/abi.h>
#include "lib/counters.h"
#include "lib/flow.h"
#include "lib/flow_table.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/policy.h"

/* Bits `bits` (0..32) of a word in network order, as a mask in network order. */
static __always_inline __u32 prefix_mask(__u32 bits)
{
	if (bits == 0)
		return 0;
	if (bits >= 32)
		return 0xffffffff;
	return bpf_htonl(~0U << (32 - bits));
}

static __always_inline int prefix_holds(const struct egress_pod_prefix *p, const struct flow *f)
{
	const __u32 *want = (const __u32 *)p->addr;
	const __u32 *have = (const __u32 *)f->saddr;
	__u32 len = p->prefixlen;

	if (p->family != f->family)
		return 0;
	if (f->family == AF_INET)
		return ((want[0] ^ have[0]) & prefix_mask(len)) == 0;
#pragma unroll
	for (__u32 w = 0; w < 4; w++) {
		__u32 bits = len > 32 * w ? len - 32 * w : 0;

		if ((want[w] ^ have[w]) & prefix_mask(bits))
			return 0;
	}
	return 1;
}

/* The reverse-path check: the frame's source is one of the pod's (or its bridge's) prefixes. */
static __always_inline int pod_source_ok(const struct egress_pod_iface *pod, const struct flow *f)
{
	__u32 n = pod->n_prefixes;

	/* a bounded loop (Linux 5.3+), not unrolled: the body is large */
	for (__u32 i = 0; i < EGRESS_POD_MAX_PREFIXES; i++) {
		if (i >= n)
			break;
		if (prefix_holds(&pod->prefixes[i], f))
			return 1;
	}
	return 0;
}

/* fe80::/10 and ff02::/16 (RFC 4291 2.5.6, 2.7): neighbour discovery, router solicitation, MLD. */
static __always_inline int is_link_scope6(const __u8 a[16])
{
	return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || (a[0] == 0xff && (a[1] & 0x0f) == 0x02);
}

/* A frame from the pod behind `pod` (NULL: an interface the daemon no longer describes, so nothing
 * it sends can be vouched for): the reason it passes or is refused. Fills f for the report. */
static __always_inline __u32 pod_judge(struct __sk_buff *skb, const struct egress_pod_iface *pod,
				       struct flow *f)
{
	struct egress_ct_key k = {};
	struct pkt_info pi = {};
	__u32 reason;

	if (skb->protocol == bpf_htons(ETH_P_ARP))
		return EGRESS_REASON_NOT_IP;
	if (parse_ip(skb, ETH_HLEN, f, &pi) < 0)
		return EGRESS_REASON_RAW;
	if (f->family == AF_INET6 && is_link_scope6(f->daddr))
		return EGRESS_REASON_NEIGHBOR;
	if (!pod || !pod_source_ok(pod, f))
		return EGRESS_REASON_SPOOFED;
	if (!pi.has_l4)
		f->dport = 0;
	ct_key_out(f, &k);
	if (ct_known(&k))
		return EGRESS_REASON_FLOW;
	if (pi.error_reply && ct_icmp_error_known(skb, &pi, f))
		return EGRESS_REASON_ICMP_ERROR;
	reason = judge(f);
	if (reason == EGRESS_REASON_NO_RULE)
		reason = EGRESS_REASON_RAW;
	if (reason_allows(reason))
		ct_allowed(&k, reason, EGRESS_HOOK_POD);
	return reason;
}

#endif
