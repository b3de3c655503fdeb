/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The egress half of DNS anti-forgery: every UDP query to port 53 leaving a socket of the cgroup
 * is remembered as {cgroup, local port, DNS id} -> {hash of the question name, time}. The
 * ingress learner consumes the entry; a response nobody asked for teaches nothing.
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

#define DNS_HDR_LEN 12
#define DNS_UDP_HDR_LEN 8

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

/*
 * Called for every packet at cgroup_skb/egress (before the judged-socket fast path), so it
 * first costs one header load and leaves. IPv6 extension headers and IPv4 fragments are not
 * followed: such a query is not recorded and its answer teaches nothing (counted NO_QUERY).
 */
__attribute__((noinline)) int dns_note_query(struct __sk_buff *skb)
{
	struct dns_scratch *s;
	__u32 l4, dns_off;
	__be16 ports[2];
	__u8 family;
	int end;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) < 0 || ip.protocol != IPPROTO_UDP ||
		    (ip.frag_off & bpf_htons(0x3fff)))
			return 0;
		l4 = ip.ihl * 4;
		family = AF_INET;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		__u8 nexthdr;

		if (bpf_skb_load_bytes(skb, offsetof(struct ipv6hdr, nexthdr), &nexthdr, 1) < 0 ||
		    nexthdr != IPPROTO_UDP)
			return 0;
		l4 = sizeof(struct ipv6hdr);
		family = AF_INET6;
	} else {
		return 0;
	}
	if (bpf_skb_load_bytes(skb, l4, ports, sizeof(ports)) < 0 || ports[1] != bpf_htons(53))
		return 0;

	s = dns_scratch(DNS_SLOT_EGRESS);
	if (!s)
		return 0;
	dns_off = l4 + DNS_UDP_HDR_LEN;
	if (dns_copy_message(skb, s, dns_off) < 0)
		return 0;
	/* a standard query (QR 0, opcode 0) with one question (RFC 1035 4.1.1) */
	if ((s->buf[2] & 0xf8) != 0 || s->buf[4] != 0 || s->buf[5] != 1)
		return 0;
	end = dns_name_copy(skb, dns_off, DNS_HDR_LEN, DNS_SLOT_EGRESS);
	if (end < 0 || DNS_V(s->ptrs) != 0 || DNS_V(s->labels) == 0)
		return 0;
	dns_name_hash(DNS_SLOT_EGRESS);
	__builtin_memset(&s->qk, 0, sizeof(s->qk));
	s->qk.cgroup_id = bpf_skb_cgroup_id(skb);
	s->qk.local_port = ports[0];
	__builtin_memcpy(&s->qk.dns_id, s->buf, 2);
	s->qk.family = family;
	s->qv.qname_hash = s->pos_h1[0];
	s->qv.sent_ns = bpf_ktime_get_boot_ns();
	bpf_map_update_elem(&egress_dns_query, &s->qk, &s->qv, BPF_ANY);
	return 0;
}

#endif
