/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Header parsing for the packet hooks. Everything is read with bpf_skb_load_bytes rather than
 * direct packet access: BPF_PROG_TEST_RUN gave cgroup_skb programs no packet pointers before
 * kernel commit ed3e469d021c (so tests on 5.15-6.8 need it), and GSO skbs are nonlinear anyway. */
#ifndef EGRESS_BPF_PARSE_H
#define EGRESS_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lib/flow.h"

/* What the verdict needs beyond the 5-tuple. */
struct pkt_info {
	__u32 l4_off;	  /* offset of the L4 header when has_l4 */
	__u16 l4_payload; /* TCP: bytes after the TCP header */
	__u8 icmp_type;
	__u8 tcp_flags;
	__u8 has_l4;	  /* 0 for non-first fragments and truncated headers */
	__u8 error_reply; /* an ICMP error about a packet the destination sent us */
	__u8 neighbor;	  /* IPv6 ND / router discovery / MLD */
	/* Nothing in the header can send the packet elsewhere than its destination field says
	 * (lib/origin.h plain_header): IPv4 without options (IHL 5), IPv6 whose next header is
	 * TCP or UDP. */
	__u8 plain;
};

/* ICMPv4 errors (RFC 792, RFC 1812 4.3.2.3): unreachable, source quench, redirect, time
 * exceeded, parameter problem. */
static __always_inline int icmp4_is_error(__u8 type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static __always_inline void parse_ports(struct __sk_buff *skb, __u32 off, struct flow *f,
					struct pkt_info *pi)
{
	__be16 ports[2];

	if (bpf_skb_load_bytes(skb, off, ports, sizeof(ports)) < 0)
		return;
	f->sport = ports[0];
	f->dport = ports[1];
	pi->has_l4 = 1;
}

/* TCP (RFC 9293 3.1): ports, then data offset (high nibble of byte 12) and flags (byte 13).
 * l4_len: bytes from the TCP header to the end of the IP payload. */
static __always_inline void parse_tcp(struct __sk_buff *skb, __u32 off, __u32 l4_len,
				      struct flow *f, struct pkt_info *pi)
{
	__u8 h[14];
	__u32 doff;

	if (bpf_skb_load_bytes(skb, off, h, sizeof(h)) < 0)
		return;
	__builtin_memcpy(&f->sport, &h[0], 2);
	__builtin_memcpy(&f->dport, &h[2], 2);
	pi->has_l4 = 1;
	pi->tcp_flags = h[13];
	doff = (h[12] >> 4) * 4;
	pi->l4_payload = l4_len > doff ? l4_len - doff : 0;
}
static __always_inline int parse_ipv4(struct __sk_buff *skb, __u32 off, struct flow *f,
				      struct pkt_info *pi)
{
	struct iphdr ip;
	__u8 icmp[2];
	__be32 inner_saddr;
	__u32 l4;

	if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)) < 0)
		return -1;
	f->family = AF_INET;
	f->proto = ip.protocol;
	pi->plain = ip.ihl == 5;
	__builtin_memcpy(f->saddr, &ip.saddr, 4);
	__builtin_memcpy(f->daddr, &ip.daddr, 4);
	/* Non-first fragments carry no L4 header: judged by address alone. */
	if (ip.frag_off & bpf_htons(0x1fff))
		return 0;
	l4 = off + ip.ihl * 4;
	pi->l4_off = l4;
	if (ip.protocol == IPPROTO_TCP) {
		__u32 tot = bpf_ntohs(ip.tot_len), hl = ip.ihl * 4;

		parse_tcp(skb, l4, tot > hl ? tot - hl : 0, f, pi);
	} else if (ip.protocol == IPPROTO_UDP) {
		parse_ports(skb, l4, f, pi);
	} else if (ip.protocol == IPPROTO_ICMP) {
		if (bpf_skb_load_bytes(skb, l4, icmp, sizeof(icmp)) < 0)
			return 0;
		pi->has_l4 = 1;
		pi->icmp_type = icmp[0];
		/* The error quotes the offending packet (RFC 792): its source is our destination
		 * when we are answering a packet that came from there. saddr sits at offset 12. */
		if (icmp4_is_error(icmp[0]) &&
		    bpf_skb_load_bytes(skb, l4 + 8 + 12, &inner_saddr, 4) == 0 &&
		    inner_saddr == ip.daddr)
			pi->error_reply = 1;
	}
	return 0;
}

#define IPV6_MAX_EXT_HEADERS 4

static __always_inline int addr6_equal(const __u32 a[4], const __u32 b[4])
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

static __always_inline int parse_ipv6(struct __sk_buff *skb, __u32 off, struct flow *f,
				      struct pkt_info *pi)
{
	struct ipv6hdr ip;
	__u8 icmp[2];
	__u32 inner_saddr[4];
	__u8 nexthdr;
	__u32 l4;

	if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)) < 0)
		return -1;
	f->family = AF_INET6;
	__builtin_memcpy(f->saddr, &ip.saddr, 16);
	__builtin_memcpy(f->daddr, &ip.daddr, 16);
	nexthdr = ip.nexthdr;
	l4 = off + sizeof(ip);
	pi->plain = nexthdr == IPPROTO_TCP || nexthdr == IPPROTO_UDP;
	/* Extension headers (RFC 8200 4): a bounded walk; what is left unparsed is judged by
	 * address with no port. */
#pragma unroll
	for (int i = 0; i < IPV6_MAX_EXT_HEADERS; i++) {
		__u8 ext[4];

		if (nexthdr != IPPROTO_HOPOPTS && nexthdr != IPPROTO_ROUTING &&
		    nexthdr != IPPROTO_DSTOPTS && nexthdr != IPPROTO_FRAGMENT)
			break;
		if (bpf_skb_load_bytes(skb, l4, ext, sizeof(ext)) < 0)
			goto no_l4;
		if (nexthdr == IPPROTO_FRAGMENT) {
			/* fragment offset: the high 13 bits of bytes 2-3 */
			if ((((__u16)ext[2] << 8) | ext[3]) & 0xfff8)
				goto no_l4;
			l4 += 8;
		} else {
			l4 += ((__u32)ext[1] + 1) * 8;
		}
		nexthdr = ext[0];
	}
	f->proto = nexthdr;
	pi->l4_off = l4;
	if (nexthdr == IPPROTO_TCP) {
		__u32 ext_len = l4 - off - sizeof(ip), plen = bpf_ntohs(ip.payload_len);

		parse_tcp(skb, l4, plen > ext_len ? plen - ext_len : 0, f, pi);
	} else if (nexthdr == IPPROTO_UDP) {
		parse_ports(skb, l4, f, pi);
	} else if (nexthdr == IPPROTO_ICMPV6) {
		if (bpf_skb_load_bytes(skb, l4, icmp, sizeof(icmp)) < 0)
			return 0;
		pi->has_l4 = 1;
		pi->icmp_type = icmp[0];
		/* RFC 4443: types 1-4 are errors quoting the offending packet (saddr at offset 8).
		 */
		if (icmp[0] >= 1 && icmp[0] <= 4 &&
		    bpf_skb_load_bytes(skb, l4 + 8 + 8, inner_saddr, 16) == 0 &&
		    addr6_equal(inner_saddr, (const __u32 *)f->daddr))
			pi->error_reply = 1;
		/* MLD (RFC 2710: 130-132; RFC 3810: 143), RS/RA/NS/NA/redirect (RFC 4861: 133-137):
		 * without them IPv6 stops working. */
		if ((icmp[0] >= 130 && icmp[0] <= 137) || icmp[0] == 143)
			pi->neighbor = 1;
	}
	return 0;
no_l4:
	f->proto = nexthdr;
	return 0;
}

/* Parses the IP packet at `off` (0 in cgroup_skb, ETH_HLEN at TC). -1: not IP. */
static __always_inline int parse_ip(struct __sk_buff *skb, __u32 off, struct flow *f,
				    struct pkt_info *pi)
{
	if (skb->protocol == bpf_htons(ETH_P_IP))
		return parse_ipv4(skb, off, f, pi);
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(skb, off, f, pi);
	return -1;
}

#endif
