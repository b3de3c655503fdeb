/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The egress half of DNS learning (docs/dns-learning.md):
 *  - dns_note_query(): a UDP query to port 53 that passed the verdict is remembered as
 *    {cgroup, local address, local port, DNS id} -> {hash of the question name, time, resolver},
 *    if it went to a trusted resolver (or to a cluster address: a ClusterIP query DNATed before
 *    cgroup egress). A query to a trusted resolver for a name the policy does not allow is refused
 *    (dns.queryPolicy: allowed), unless a resolver on the node asks it (it only forwards what its
 *    clients, who are checked themselves, asked, and the targets of their CNAMEs);
 *  - dns_note_local_answer(): an answer a resolver on the node sends over loopback is remembered,
 *    so that the learner can tell it from a process answering itself.
 * The ingress learner consumes both; a response nobody asked for, or that nobody on the node sent,
 * teaches nothing.
 */
#ifndef EGRESS_BPF_DNS_QUERY_H
#define EGRESS_BPF_DNS_QUERY_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lib/dns_maps.h"
#include "lib/dns_name.h"
#include "lib/flow.h"
#include "lib/maps.h"
#include "lib/policy.h"

#define DNS_HDR_LEN 12
#define DNS_UDP_HDR_LEN 8

/* What dns_note_query() did with a packet. */
#define DNS_QUERY_NONE 0    /* not a query, or not one that can teach: nothing recorded */
#define DNS_QUERY_NOTED 1   /* recorded */
#define DNS_QUERY_REFUSED 2 /* a query for a name outside the policy: the caller denies it */

/* Copies up to EGRESS_DNS_BUF bytes of the DNS message at dns_off into s->buf. 0 or -1. */
static __always_inline int dns_copy_message(struct __sk_buff *skb, struct dns_scratch *s,
					    __u32 dns_off)
{
	__u32 len = skb->len;
	__be16 udp_len;

	if (len < dns_off + DNS_HDR_LEN)
		return -1;
	len -= dns_off;
	/* the UDP length, not the skb's: a frame may carry link-layer padding after the datagram */
	if (bpf_skb_load_bytes(skb, dns_off - 4, &udp_len, sizeof(udp_len)) < 0 ||
	    bpf_ntohs(udp_len) < DNS_UDP_HDR_LEN + DNS_HDR_LEN)
		return -1;
	if (len > bpf_ntohs(udp_len) - DNS_UDP_HDR_LEN)
		len = bpf_ntohs(udp_len) - DNS_UDP_HDR_LEN;
	if (len > EGRESS_DNS_BUF)
		len = EGRESS_DNS_BUF;
	/* through memory, so that the verifier sees the bounds checked below, not clang's copy */
	DNS_V(s->n) = len;
	len = DNS_V(s->n);
	if (len < DNS_HDR_LEN || len > EGRESS_DNS_BUF)
		return -1;
	if (bpf_skb_load_bytes(skb, dns_off, s->buf, len) < 0)
		return -1;
	return 0;
}

/* The addresses and UDP ports of an IP packet, for the DNS paths; offset of the UDP header or -1
 * when it is not UDP (IPv6 extension headers and IPv4 fragments are not followed). */
struct dns_addrs {
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u8 family;
};

static __always_inline int dns_udp_addrs(struct __sk_buff *skb, struct dns_addrs *a)
{
	__u32 l4;
	__be16 ports[2];

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) < 0 || ip.protocol != IPPROTO_UDP ||
		    (ip.frag_off & bpf_htons(0x3fff)))
			return -1;
		__builtin_memcpy(a->saddr, &ip.saddr, 4);
		__builtin_memcpy(a->daddr, &ip.daddr, 4);
		l4 = ip.ihl * 4;
		a->family = AF_INET;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) < 0 || ip.nexthdr != IPPROTO_UDP)
			return -1;
		__builtin_memcpy(a->saddr, &ip.saddr, 16);
		__builtin_memcpy(a->daddr, &ip.daddr, 16);
		l4 = sizeof(struct ipv6hdr);
		a->family = AF_INET6;
	} else {
		return -1;
	}
	if (bpf_skb_load_bytes(skb, l4, ports, sizeof(ports)) < 0)
		return -1;
	a->sport = ports[0];
	a->dport = ports[1];
	return l4;
}

static __always_inline int dns_trusted_addr(__u8 family, const __u8 *addr)
{
	if (family == AF_INET)
		return bpf_map_lookup_elem(&egress_dns_srv4, addr) != 0;
	return bpf_map_lookup_elem(&egress_dns_srv6, addr) != 0;
}

static __always_inline int dns_local_resolver_cgroup(__u64 cgroup_id)
{
	return bpf_map_lookup_elem(&egress_dns_resolver_cgroups, &cgroup_id) != 0;
}

static __always_inline int dns_query_policy_any(void)
{
	__u32 zero = 0;
	const struct egress_dns_settings *cfg = bpf_map_lookup_elem(&egress_dns_cfg, &zero);

	return cfg && cfg->query_policy == EGRESS_QUERY_POLICY_ANY;
}

/*
 * Called for the packets cgroup_skb/egress allowed, UDP to port 53 only worth the work. A standard
 * query (QR 0, opcode 0) with one uncompressed question is recorded when it went to a trusted
 * resolver or a cluster address; to a trusted resolver, its name must be allowed (or the query
 * come from a resolver on the node, or the query policy be `any`). Returns DNS_QUERY_*.
 */
__attribute__((noinline)) int dns_note_query(struct __sk_buff *skb)
{
	struct dns_addrs a = {};
	struct dns_scratch *s;
	__u64 cgroup;
	int l4, end, trusted;

	l4 = dns_udp_addrs(skb, &a);
	if (l4 < 0 || a.dport != bpf_htons(53))
		return DNS_QUERY_NONE;
	trusted = dns_trusted_addr(a.family, a.daddr);
	if (!trusted && !cluster_addr(a.family, a.daddr))
		return DNS_QUERY_NONE; /* an answer from there can never teach */
	s = dns_scratch(DNS_SLOT_EGRESS);
	if (!s || dns_copy_message(skb, s, l4 + DNS_UDP_HDR_LEN) < 0)
		return DNS_QUERY_NONE;
	/* a standard query (QR 0, opcode 0) with one question (RFC 1035 4.1.1) */
	if ((s->buf[2] & 0xf8) != 0 || s->buf[4] != 0 || s->buf[5] != 1)
		return DNS_QUERY_NONE;
	end = dns_name_copy(skb, l4 + DNS_UDP_HDR_LEN, DNS_HDR_LEN, DNS_SLOT_EGRESS);
	if (end < 0 || DNS_V(s->ptrs) != 0 || DNS_V(s->labels) == 0)
		return DNS_QUERY_NONE;
	dns_name_hash(DNS_SLOT_EGRESS);
	cgroup = bpf_skb_cgroup_id(skb);
	/* Names outside the policy would carry data out through the resolver (DNS tunnelling). */
	if (trusted && !dns_query_policy_any() && !dns_local_resolver_cgroup(cgroup) &&
	    !dns_name_lookup(DNS_SLOT_EGRESS))
		return DNS_QUERY_REFUSED;
	__builtin_memset(&s->qk, 0, sizeof(s->qk));
	s->qk.cgroup_id = cgroup;
	__builtin_memcpy(s->qk.local_addr, a.saddr, 16);
	s->qk.local_port = a.sport;
	__builtin_memcpy(&s->qk.dns_id, s->buf, 2);
	s->qk.family = a.family;
	s->qv.qname_hash = s->pos_h1[0];
	s->qv.sent_ns = bpf_ktime_get_boot_ns();
	__builtin_memcpy(s->qv.resolver, a.daddr, 16);
	bpf_map_update_elem(&egress_dns_query, &s->qk, &s->qv, BPF_ANY);
	return DNS_QUERY_NOTED;
}

/*
 * Called for packets leaving over the loopback device: an answer (from port 53) that a resolver
 * on the node sends its client is remembered for the learner, keyed by the client's address, port
 * and the DNS id. What a process that is not such a resolver sends over loopback is not.
 */
__attribute__((noinline)) int dns_note_local_answer(struct __sk_buff *skb)
{
	struct egress_dns_local_key k = {};
	struct dns_addrs a = {};
	__u64 now;
	__be16 id;
	int l4;

	l4 = dns_udp_addrs(skb, &a);
	if (l4 < 0 || a.sport != bpf_htons(53) ||
	    !dns_local_resolver_cgroup(bpf_skb_cgroup_id(skb)))
		return 0;
	if (bpf_skb_load_bytes(skb, l4 + DNS_UDP_HDR_LEN, &id, sizeof(id)) < 0)
		return 0;
	__builtin_memcpy(k.client_addr, a.daddr, 16);
	k.client_port = a.dport;
	k.dns_id = id;
	k.family = a.family;
	now = bpf_ktime_get_boot_ns();
	bpf_map_update_elem(&egress_dns_local, &k, &now, BPF_ANY);
	return 1;
}

#endif
