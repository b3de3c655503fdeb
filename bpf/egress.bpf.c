// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The egress datapath: entry points only; the decision lives in lib/policy.h, events in
 * lib/events.h, header parsing in lib/parse.h, every map in lib/maps.h. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include <egress/abi.h>
#include "lib/counters.h"
#include "lib/dns_hook.h"
#include "lib/events.h"
#include "lib/flow.h"
#include "lib/flow_table.h"
#include "lib/maps.h"
#include "lib/origin.h"
#include "lib/parse.h"
#include "lib/pod.h"
#include "lib/policy.h"
#include "lib/settings.h"

#define SOCK_STREAM 1
#define SOCK_DGRAM 2

#define SOCK_ALLOW 1 /* sock_addr hooks: 0 fails the syscall with EPERM */
#define SKB_PASS 1
#define SKB_DROP 0

/* ---- connect / sendmsg: once per connection or unconnected datagram ------------------------- */

static __always_inline void sock_flow(struct bpf_sock_addr *ctx, struct flow *f, __u8 hook)
{
	struct bpf_sock *sk = ctx->sk;

	f->hook = hook;
	f->proto = ctx->protocol; /* TCP, UDP, or ICMP for ping sockets (no ports) */
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP)
		f->dport = (__be16)ctx->user_port;
	/* src_port is host order in bpf_sock; 0 until the socket is bound */
	if (sk)
		f->sport = bpf_htons((__u16)sk->src_port);
}

/* The socket's bound source, if any (0 before connect() picks one), unless sendmsg named one. */
static __always_inline void sock_saddr(struct bpf_sock_addr *ctx, struct flow *f)
{
	struct bpf_sock *sk = ctx->sk;
	__u32 a[4];

	if (!sk || *(__u32 *)f->saddr)
		return;
	if (f->hook == EGRESS_HOOK_CONNECT4 || f->hook == EGRESS_HOOK_SENDMSG4) {
		a[0] = sk->src_ip4;
		__builtin_memcpy(f->saddr, a, 4);
	} else if (f->family == AF_INET) {
		a[0] = sk->src_ip6[3]; /* IPv4-mapped */
		__builtin_memcpy(f->saddr, a, 4);
	} else {
		a[0] = sk->src_ip6[0];
		a[1] = sk->src_ip6[1];
		a[2] = sk->src_ip6[2];
		a[3] = sk->src_ip6[3];
		__builtin_memcpy(f->saddr, a, 16);
	}
}

/* Allows are counted and done; only a deny pays for identifying the socket and reporting it. */
static __always_inline int sock_verdict(struct bpf_sock_addr *ctx, struct flow *f, __u32 reason)
{
	if (reason_allows(reason)) {
		count(f->hook, reason);
		return SOCK_ALLOW;
	}
	f->cgroup_id = bpf_get_current_cgroup_id();
	f->cookie = bpf_get_socket_cookie(ctx);
	sock_saddr(ctx, f);
	return deny(f, reason, 1) ? SOCK_ALLOW : 0;
}

static __always_inline void sock_daddr6(struct bpf_sock_addr *ctx, struct flow *f)
{
	__u32 a[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};

	if (is_v4_mapped(a)) {
		f->family = AF_INET;
		__builtin_memcpy(f->daddr, &a[3], 4);
	} else {
		f->family = AF_INET6;
		__builtin_memcpy(f->daddr, a, 16);
	}
}

/* connect(): TCP and connected UDP. A UDP connect() to an address the policy does not know is
 * what getaddrinfo (RFC 6724 sorting) and ping do to pick a source: tagged so it can be told
 * apart from real traffic. */
static __always_inline int judge_connect(struct bpf_sock_addr *ctx, struct flow *f)
{
	__u32 reason = judge(f);

	if (!reason_allows(reason) && f->proto == IPPROTO_UDP) {
		if (is_udp_peer(f))
			reason = EGRESS_REASON_REPLY;
		else if (reason == EGRESS_REASON_NO_RULE || reason == EGRESS_REASON_EXPIRED)
			reason = EGRESS_REASON_UDP_PROBE;
	}
	return sock_verdict(ctx, f, reason);
}

/* sendmsg() with an address: unconnected UDP; a server answering its clients is a reply. */
static __always_inline int judge_sendmsg(struct bpf_sock_addr *ctx, struct flow *f)
{
	__u32 reason = judge(f);

	if (!reason_allows(reason) && is_udp_peer(f))
		reason = EGRESS_REASON_REPLY;
	return sock_verdict(ctx, f, reason);
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx)
{
	struct flow f = {};

	sock_flow(ctx, &f, EGRESS_HOOK_CONNECT4);
	f.family = AF_INET;
	__u32 daddr = ctx->user_ip4;
	__builtin_memcpy(f.daddr, &daddr, 4);
	return judge_connect(ctx, &f);
}

SEC("cgroup/connect6")
int connect6(struct bpf_sock_addr *ctx)
{
	struct flow f = {};

	sock_flow(ctx, &f, EGRESS_HOOK_CONNECT6);
	sock_daddr6(ctx, &f);
	return judge_connect(ctx, &f);
}

SEC("cgroup/sendmsg4")
int sendmsg4(struct bpf_sock_addr *ctx)
{
	struct flow f = {};

	sock_flow(ctx, &f, EGRESS_HOOK_SENDMSG4);
	f.family = AF_INET;
	__u32 daddr = ctx->user_ip4;
	__u32 saddr = ctx->msg_src_ip4;
	__builtin_memcpy(f.daddr, &daddr, 4);
	__builtin_memcpy(f.saddr, &saddr, 4);
	return judge_sendmsg(ctx, &f);
}

SEC("cgroup/sendmsg6")
int sendmsg6(struct bpf_sock_addr *ctx)
{
	struct flow f = {};

	sock_flow(ctx, &f, EGRESS_HOOK_SENDMSG6);
	sock_daddr6(ctx, &f);
	return judge_sendmsg(ctx, &f);
}

/* ---- packet hooks -----------------------------------------------------------------------------
 */

#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

/* What the kernel answers on behalf of a connection from its control sockets (raw sockets, so
 * judged here): RSTs, and time-wait ACKs without data. Neither can open a conversation. Echo
 * replies answer a ping that came in. Replies are never dropped (DESIGN.md 4). */
static __always_inline int is_reply_packet(const struct flow *f, const struct pkt_info *pi)
{
	if (!pi->has_l4)
		return 0;
	if (f->proto == IPPROTO_TCP)
		return (pi->tcp_flags & TCP_FLAG_RST) ||
		       ((pi->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_ACK &&
			pi->l4_payload == 0);
	if (f->proto == IPPROTO_ICMP)
		return pi->icmp_type == 0; /* echo reply, RFC 792 */
	if (f->proto == IPPROTO_ICMPV6)
		return pi->icmp_type == 129; /* echo reply, RFC 4443 */
	return 0;
}

/*
 * Judges a parsed packet by its header's destination: raw sockets, ICMP (ping sockets too), a
 * judged socket's packet whose header routes it elsewhere, anything the socket hooks never saw.
 * What the kernel sends for a flow (ICMP errors answering the destination, RSTs, echo replies,
 * neighbour discovery) passes; a pod's own socket gets none of that: a raw socket can make a
 * packet look like any of them (lib/origin.h), and its neighbour discovery must stay on the link.
 */
static __always_inline __u32 judge_packet(struct flow *f, const struct pkt_info *pi, int pod)
{
	__u32 reason;

	if (pi->neighbor && (!pod || nd_destination_ok(f)))
		return EGRESS_REASON_NEIGHBOR;
	if (!pod) {
		if (pi->error_reply)
			return EGRESS_REASON_ICMP_ERROR;
		if (is_reply_packet(f, pi))
			return EGRESS_REASON_REPLY;
	}
	if (!pi->has_l4)
		f->dport = 0;
	reason = judge(f);
	return reason == EGRESS_REASON_NO_RULE ? EGRESS_REASON_RAW : reason;
}

#define NOT_JUDGED_YET 0xff
#define JUDGED_UDP_SOCKET 0xfe /* counted as EGRESS_REASON_JUDGED_SOCKET */

/* Packets of local sockets the socket hooks own. TCP/UDP of a full socket of type STREAM/DGRAM
 * was judged by connect/sendmsg (every packet of such a socket has that protocol). Sockets that
 * are not full sockets are request sockets (SYN-ACKs) and time-wait sockets: replies of accepted
 * connections, never dropped (a SYN reaches a listener only from outside or from a loopback
 * source, lib/origin.h). Raw and ping sockets, and packets without a socket, are left to the
 * destination check. */
static __always_inline __u32 judged_by_socket(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	struct bpf_sock *full;

	if (!sk)
		return NOT_JUDGED_YET;
	full = bpf_sk_fullsock(sk);
	if (!full)
		return EGRESS_REASON_REPLY;
	if (full->type == SOCK_STREAM && full->protocol == IPPROTO_TCP)
		return EGRESS_REASON_JUDGED_SOCKET;
	if (full->type == SOCK_DGRAM && full->protocol == IPPROTO_UDP) {
		/* A connected UDP socket talking to anything but port 53 carries no DNS query: it
		 * takes the TCP fast path. Unconnected ones (dst_port 0) may sendto() a resolver.
		 */
		if (full->dst_port && full->dst_port != bpf_htons(53))
			return EGRESS_REASON_JUDGED_SOCKET;
		return JUDGED_UDP_SOCKET;
	}
	return NOT_JUDGED_YET;
}

static __always_inline int skb_deny(struct __sk_buff *skb, struct flow *f, __u32 reason)
{
	f->cgroup_id = bpf_skb_cgroup_id(skb);
	f->cookie = bpf_get_socket_cookie(skb);
	return deny(f, reason, 0) ? SKB_PASS : SKB_DROP;
}

/*
 * Everything but the fast path: the packet is parsed. Over loopback its source must be the
 * namespace's own. A judged socket's plain packet is the socket's verdict; anything else is judged
 * by destination. An allowed UDP packet to port 53 is a query the learner may later match (or,
 * for a name outside the policy, refused); an answer a resolver on the node sends over loopback
 * is remembered for the learner.
 */
static __always_inline int skb_egress_slow(struct __sk_buff *skb, __u32 reason)
{
	int lo = skb->ifindex == LOOPBACK_IFINDEX;
	struct pkt_info pi = {};
	struct flow f = {};
	int q;

	f.hook = EGRESS_HOOK_SKB_EGRESS;
	if (parse_ip(skb, 0, &f, &pi) < 0) {
		count(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_NOT_IP);
		return SKB_PASS;
	}
	if (lo && !loopback_source_ok(&f))
		return skb_deny(skb, &f, EGRESS_REASON_SPOOFED);
	if (reason != NOT_JUDGED_YET && pi.plain)
		reason = reason == JUDGED_UDP_SOCKET ? EGRESS_REASON_JUDGED_SOCKET : reason;
	else
		reason = judge_packet(&f, &pi, from_pod_socket(skb));
	if (!reason_allows(reason))
		return skb_deny(skb, &f, reason);
	if (f.proto == IPPROTO_UDP && pi.has_l4) {
		if (f.dport == bpf_htons(53)) {
			q = dns_note_query(skb);
			if (q == DNS_QUERY_REFUSED)
				return skb_deny(skb, &f, EGRESS_REASON_DNS_QUERY_REFUSED);
		} else if (lo && f.sport == bpf_htons(53)) {
			dns_note_local_answer(skb);
		}
	}
	count(EGRESS_HOOK_SKB_EGRESS, reason);
	return SKB_PASS;
}

/* The one path that must stay nearly free is the first branch: most packets end there. A judged
 * TCP or connected non-DNS UDP socket's packet leaving on a real interface with a plain header
 * goes where connect()/sendmsg() judged it would, and carries no DNS query. */
SEC("cgroup_skb/egress")
int skb_egress(struct __sk_buff *skb)
{
	__u32 reason = judged_by_socket(skb);

	if ((reason == EGRESS_REASON_JUDGED_SOCKET || reason == EGRESS_REASON_REPLY) &&
	    skb->ifindex != LOOPBACK_IFINDEX && plain_header(skb)) {
		count(EGRESS_HOOK_SKB_EGRESS, reason);
		return SKB_PASS;
	}
	return skb_egress_slow(skb, reason);
}

/*
 * Drops what arrives over loopback from a source that is not the namespace's own (the other half
 * of the egress check: AF_PACKET on lo reaches ingress without passing egress). Remembers UDP
 * peers that wrote from outside (so a server may answer them) and hands DNS responses to the
 * learner. Nothing else is dropped.
 */
SEC("cgroup_skb/ingress")
int skb_ingress(struct __sk_buff *skb)
{
	int lo = skb->ifindex == LOOPBACK_IFINDEX;
	struct egress_peer_key k = {};
	struct pkt_info pi = {};
	struct flow f = {};
	__u64 now, *seen;

	if (parse_ip(skb, 0, &f, &pi) < 0)
		return SKB_PASS;
	if (lo && !loopback_source_ok(&f)) {
		f.hook = EGRESS_HOOK_SKB_INGRESS;
		return skb_deny(skb, &f, EGRESS_REASON_SPOOFED);
	}
	if (!pi.has_l4)
		return SKB_PASS;
	if (f.proto != IPPROTO_UDP) {
		dns_tcp_seen(&f, pi.l4_payload); /* DNS over TCP is counted, not parsed */
		return SKB_PASS;
	}
	if (!lo) {
		__builtin_memcpy(k.addr, f.saddr, 16);
		k.peer_port = f.sport;
		k.local_port = f.dport;
		k.family = f.family;
		now = bpf_ktime_get_boot_ns();
		seen = bpf_map_lookup_elem(&egress_udp_peers, &k);
		/* refresh at most once a second: a busy flow must not write the map per packet */
		if (!seen || now - *seen > 1000000000ULL)
			bpf_map_update_elem(&egress_udp_peers, &k, &now, BPF_ANY);
	}
	if (f.sport == bpf_htons(53))
		dns_learn(skb, pi.l4_off, &f, lo);
	return SKB_PASS;
}

/* Backstop on an interface for packets without a local socket (forwarded, some tunnels). It sees
 * SNATed node addresses and cannot tell pods apart, so it only reports unless tc_enforce is set. */
SEC("tc")
int tc_backstop(struct __sk_buff *skb)
{
	__u32 reason = judged_by_socket(skb);
	struct pkt_info pi = {};
	struct flow f = {};

	if (reason != NOT_JUDGED_YET) {
		count(EGRESS_HOOK_TC,
		      reason == JUDGED_UDP_SOCKET ? EGRESS_REASON_JUDGED_SOCKET : reason);
		return TC_ACT_OK;
	}
	f.hook = EGRESS_HOOK_TC;
	/* enforcing: allowed flows outlive their learned entry (lib/flow_table.h) */
	if (tc_enforce && ct_known_out(skb, sizeof(struct ethhdr))) {
		count(EGRESS_HOOK_TC, EGRESS_REASON_FLOW);
		return TC_ACT_OK;
	}
	if (parse_ip(skb, sizeof(struct ethhdr), &f, &pi) < 0)
		reason = EGRESS_REASON_NOT_IP;
	else
		reason = judge_packet(&f, &pi, 0);
	if (reason_allows(reason)) {
		if (tc_enforce)
			ct_allowed_flow(&f, reason, EGRESS_HOOK_TC);
		count(EGRESS_HOOK_TC, reason);
		return TC_ACT_OK;
	}
	f.cookie = bpf_get_socket_cookie(skb);
	if (!tc_enforce) {
		count(EGRESS_HOOK_TC, reason);
		emit_deny(&f, EGRESS_VERDICT_AUDIT, reason, 0);
		return TC_ACT_OK;
	}
	return deny(&f, reason, 0) ? TC_ACT_OK : TC_ACT_SHOT;
}

/* ---- frames no socket hook sees: pod interfaces, the uplink's inbound side ------------------
 * Passing returns TC_ACT_UNSPEC, which TCX reads as TCX_NEXT: another agent's program on the same
 * hook still runs after ours. */

/* TC ingress of the host side of a pod's interface: every frame the pod sends (lib/pod.h). */
SEC("tc")
int pod_ingress(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	const struct egress_pod_iface *pod = bpf_map_lookup_elem(&egress_pods, &ifindex);
	struct flow f = {};
	__u32 reason;

	f.hook = EGRESS_HOOK_POD;
	reason = pod_judge(skb, pod, &f);
	if (reason_allows(reason)) {
		count(EGRESS_HOOK_POD, reason);
		return TC_ACT_UNSPEC;
	}
	f.cgroup_id = pod ? pod->cgroup_id : 0;
	return deny(&f, reason, 0) ? TC_ACT_UNSPEC : TC_ACT_SHOT;
}

/* TC egress of the host side of a pod's interface: what comes in for the pod opens a flow, so
 * its replies pass. Never drops. */
SEC("tc")
int pod_egress(struct __sk_buff *skb)
{
	ct_note_inbound(skb, ETH_HLEN, EGRESS_HOOK_POD);
	return TC_ACT_UNSPEC;
}

/* TC ingress of the uplink (uplink.mode: enforce): connections from outside open flows, so that
 * the node's replies to them (LoadBalancer, NodePort) pass the enforcing backstop. Never drops. */
SEC("tc")
int uplink_ingress(struct __sk_buff *skb)
{
	ct_note_inbound(skb, ETH_HLEN, EGRESS_HOOK_TC);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
