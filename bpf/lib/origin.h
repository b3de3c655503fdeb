/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Where a packet comes from, as far as the verdict must care (docs/threat-model.md):
 *  - a packet on the loopback device carries a source of its own network namespace, or it is
 *    forged;
 *  - a pod's own socket is never the kernel's: the reply, ICMP-error and neighbour-discovery
 *    exemptions are for what the kernel itself sends (RSTs, time-wait ACKs, echo replies, ICMP
 *    errors, ND from its control sockets), not for a raw socket that makes packets look like it;
 *  - a judged socket's packet is plain when its header has nothing that sends it elsewhere than
 *    the destination the socket hook judged (IPv4 options such as loose source routing, IPv6
 *    extension headers such as a routing header).
 */
#ifndef EGRESS_BPF_ORIGIN_H
#define EGRESS_BPF_ORIGIN_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lib/flow.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/policy.h"

/* The loopback device is ifindex 1 in every network namespace (LOOPBACK_IFINDEX). */
#define LOOPBACK_IFINDEX 1

/*
 * A packet on the loopback device is delivered to this network namespace, so its source is an
 * address of the namespace's own: a loopback address, the destination itself (what the kernel
 * picks as the source of a local route), or — for a socket bound to another address of the
 * node or pod — a cluster address (lib/policy.h cluster_addr: the node's and the pods' addresses
 * lie in the clusterCIDRs). Any other source was forged (a raw socket's header, IP_FREEBIND,
 * IPV6_FREEBIND, IP_TRANSPARENT, AF_PACKET on lo): it is how a process would answer itself "from"
 * a resolver, hand itself a TCP handshake "from" a peer, or make the kernel send an ICMP error
 * quoting its data to an address of its choice. Refused in both directions.
 */
static __always_inline int loopback_source_ok(const struct flow *f)
{
	if (f->family == AF_INET) {
		__u32 s;

		__builtin_memcpy(&s, f->saddr, 4);
		if ((bpf_ntohl(s) >> 24) == 127 || s == flow_daddr4(f))
			return 1;
	} else {
		const __u32 *s = (const __u32 *)f->saddr;

		if ((s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == bpf_htonl(1)) || /* ::1 */
		    addr6_equal(s, (const __u32 *)f->daddr))
			return 1;
	}
	return cluster_addr(f->family, f->saddr);
}

/* Is the packet's socket one a pod made (its cgroup descends from the pods' cgroup)? Packets
 * without a socket, and sockets outside the pods' tree (the kernel's control sockets, the node's
 * processes), are not. No pods cgroup known: nothing is a pod's. */
static __always_inline int from_pod_socket(struct __sk_buff *skb)
{
	__u32 zero = 0;
	const struct egress_config *cfg = bpf_map_lookup_elem(&egress_config, &zero);

	if (!cfg || !cfg->pods_cgroup_id)
		return 0;
	return bpf_skb_ancestor_cgroup_id(skb, cfg->pods_cgroup_level) == cfg->pods_cgroup_id;
}

/* Neighbour discovery and MLD go to the link: link-local unicast (fe80::/10) or link-scope
 * multicast (ff02::/16, which holds the solicited-node, all-nodes, all-routers and MLDv2
 * groups). ND to a global address is a unicast packet like any other. */
static __always_inline int nd_destination_ok(const struct flow *f)
{
	return (f->daddr[0] == 0xfe && (f->daddr[1] & 0xc0) == 0x80) ||
	       (f->daddr[0] == 0xff && f->daddr[1] == 0x02);
}

/*
 * A judged socket's packet whose header sends it only to the destination the socket hook judged:
 * an IPv4 header without options (IHL 5), an IPv6 header whose next header is TCP or UDP. One
 * byte read through the packet pointers where they reach it (a load from the linear data), the
 * helper otherwise (BPF_PROG_TEST_RUN before 6.9 gives cgroup_skb no packet pointers).
 */
static __always_inline int plain_header(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u8 b;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (data + 1 <= end)
			b = *(__u8 *)data;
		else if (bpf_skb_load_bytes(skb, 0, &b, 1) < 0)
			return 0;
		return b == 0x45;
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (data + 7 <= end)
			b = *((__u8 *)data + 6);
		else if (bpf_skb_load_bytes(skb, 6, &b, 1) < 0)
			return 0;
		return b == IPPROTO_TCP || b == IPPROTO_UDP;
	}
	return 1; /* not IP: nothing to route elsewhere */
}

#endif
