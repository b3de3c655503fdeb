/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The ingress half of DNS learning: a UDP response from a trusted resolver that answers a query
 * seen at egress, whose question name (or a CNAME owner in its answers) is allowed, teaches its
 * A/AAAA records to egress_learned4/6 before the application can read it. docs/dns-learning.md
 * lists what is parsed and what is only counted. Never drops anything.
 */
#ifndef EGRESS_BPF_DNS_LEARN_H
#define EGRESS_BPF_DNS_LEARN_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include <egress/abi.h>

#include "lib/counters.h"
#include "lib/dns_maps.h"
#include "lib/dns_name.h"
#include "lib/dns_query.h"
#include "lib/flow.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/policy.h"

#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1
#define DNS_RR_FIXED 10 /* type, class, ttl, rdlength */

#define DNS_NS_PER_S 1000000000ULL

static __always_inline void dns_count(__u32 reason)
{
	count(EGRESS_HOOK_SKB_INGRESS, reason);
}

static __always_inline __u32 dns_u16(const struct dns_scratch *s, __u32 p)
{
	return ((__u32)s->buf[p & DNS_BUF_MASK] << 8) | s->buf[(p + 1) & DNS_BUF_MASK];
}

static __always_inline __u32 dns_u32(const struct dns_scratch *s, __u32 p)
{
	return (dns_u16(s, p) << 16) | dns_u16(s, p + 2);
}

/* expiry = now + clamp(ttl, min, max) + grace; zero settings mean the defaults. */
static __always_inline __u64 dns_expiry(__u64 now, __u32 ttl)
{
	__u32 zero = 0, min = EGRESS_DNS_DEFAULT_MIN_TTL_S, max = EGRESS_DNS_DEFAULT_MAX_TTL_S;
	__u32 grace = EGRESS_DNS_DEFAULT_GRACE_S;
	struct egress_dns_settings *cfg = bpf_map_lookup_elem(&egress_dns_cfg, &zero);

	if (cfg && cfg->max_ttl_s) {
		min = cfg->min_ttl_s;
		max = cfg->max_ttl_s;
		grace = cfg->grace_s;
	}
	if (ttl < min)
		ttl = min;
	if (ttl > max)
		ttl = max;
	return now + ((__u64)ttl + grace) * DNS_NS_PER_S;
}

/*
 * Learns one A (family AF_INET, rdata of 4 bytes at message offset rd) or AAAA record under the
 * rule in s->match, and reports it. Global: verified once, not once per answer.
 */
__attribute__((noinline)) int dns_learn_record(struct __sk_buff *skb, __u32 dns_off, __u32 rd,
					       __u32 family, __u32 ttl)
{
	struct dns_scratch *s = dns_scratch(DNS_SLOT_INGRESS);
	struct egress_learn_event *e;
	__u64 now = bpf_ktime_get_boot_ns();
	int err;

	if (!s)
		return 0;
	s->lv.expires_ns = dns_expiry(now, ttl);
	s->lv.name_hash = s->match_hash;
	s->lv.ttl = ttl;
	s->lv.pad = 0;
	__builtin_memcpy(&s->lv.ports, &s->match.ports, sizeof(s->lv.ports));
	if (family == AF_INET) {
		if (bpf_skb_load_bytes(skb, dns_off + rd, s->k4.addr, 4) < 0)
			return 0;
		err = bpf_map_update_elem(&egress_learned4, &s->k4, &s->lv, BPF_ANY);
	} else {
		if (bpf_skb_load_bytes(skb, dns_off + rd, s->k6.addr, 16) < 0)
			return 0;
		err = bpf_map_update_elem(&egress_learned6, &s->k6, &s->lv, BPF_ANY);
	}
	if (err)
		return 0;
	dns_count(EGRESS_REASON_DNS_LEARNED);

	e = bpf_ringbuf_reserve(&egress_events, sizeof(*e), 0);
	if (!e) {
		dns_count(EGRESS_REASON_EVENT_LOST);
		return 1;
	}
	e->type = EGRESS_EVENT_LEARN;
	e->family = family;
	e->pad[0] = 0;
	e->pad[1] = 0;
	e->ttl = ttl;
	e->ts_ns = now;
	e->cgroup_id = bpf_skb_cgroup_id(skb);
	e->expires_ns = s->lv.expires_ns;
	__builtin_memset(e->addr, 0, sizeof(e->addr));
	if (family == AF_INET)
		__builtin_memcpy(e->addr, s->k4.addr, 4);
	else
		__builtin_memcpy(e->addr, s->k6.addr, 16);
	__builtin_memcpy(e->name, s->ev_name, sizeof(e->name));
	bpf_ringbuf_submit(e, 0);
	return 1;
}

/*
 * The response must answer a query this socket sent (same cgroup, local address and port, id,
 * question) to the resolver it comes from — or, for a query that was DNATed to a cluster address
 * before cgroup egress saw it, from a trusted resolver (the caller checked that). The entry is
 * consumed only by a response that matches all of it, so a forged one sent first does not spend
 * it. 1: it does.
 */
static __always_inline int dns_answers_query(struct __sk_buff *skb, struct dns_scratch *s,
					     const struct flow *f)
{
	struct egress_dns_query_value *q;
	__u64 qhash = s->pos_h1[0];

	__builtin_memset(&s->qk, 0, sizeof(s->qk));
	s->qk.cgroup_id = bpf_skb_cgroup_id(skb);
	__builtin_memcpy(s->qk.local_addr, f->daddr, 16);
	s->qk.local_port = f->dport;
	__builtin_memcpy(&s->qk.dns_id, s->buf, 2);
	s->qk.family = f->family;
	q = bpf_map_lookup_elem(&egress_dns_query, &s->qk);
	if (!q || q->qname_hash != qhash ||
	    bpf_ktime_get_boot_ns() - q->sent_ns > EGRESS_DNS_QUERY_TIMEOUT_NS)
		return 0;
	if (!addr6_equal((const __u32 *)q->resolver, (const __u32 *)f->saddr) &&
	    !cluster_addr(f->family, q->resolver))
		return 0;
	bpf_map_delete_elem(&egress_dns_query, &s->qk);
	return 1;
}

/* An answer that arrived over loopback teaches only when a resolver on the node sent it
 * (dns_note_local_answer() at egress); the record is consumed. 1: it did. */
static __always_inline int dns_sent_by_local_resolver(const struct dns_scratch *s,
						      const struct flow *f)
{
	struct egress_dns_local_key k = {};

	__builtin_memcpy(k.client_addr, f->daddr, 16);
	k.client_port = f->dport;
	__builtin_memcpy(&k.dns_id, s->buf, 2);
	k.family = f->family;
	if (!bpf_map_lookup_elem(&egress_dns_local, &k))
		return 0;
	bpf_map_delete_elem(&egress_dns_local, &k);
	return 1;
}

/* Looks the name in the slot up; 1 when it is allowed and may teach: a query-only name (cluster
 * and search domains, reverse zones) never does. */
static __always_inline __u32 dns_name_teaches(struct dns_scratch *s, __u32 slot)
{
	return dns_name_lookup(slot) && !(s->match.ports.flags & EGRESS_PORTS_QUERY_ONLY);
}

static __always_inline int dns_trusted(const struct flow *f)
{
	if (f->family == AF_INET)
		return bpf_map_lookup_elem(&egress_dns_srv4, f->saddr) != 0;
	return bpf_map_lookup_elem(&egress_dns_srv6, f->saddr) != 0;
}

/*
 * Walks up to EGRESS_DNS_MAX_ANSWERS answer records from s->next. Records are taken in order: a
 * CNAME whose owner matches (when nothing matched yet) makes the A/AAAA records after it
 * learnable. The owner of an address record is not compared with the chain: like the resolver's
 * own bailiwick rules, the records of one response are trusted together.
 */
static __always_inline void dns_walk_answers(struct __sk_buff *skb, struct dns_scratch *s,
					     __u32 dns_off)
{
	__u32 n = DNS_V(s->n), p, e, type, cls, ttl, rdlen, rd;
	int end;

	for (__u32 r = 0; r < EGRESS_DNS_MAX_ANSWERS; r++) {
		if (r >= DNS_V(s->an))
			return;
		p = DNS_V(s->next);
		if (p >= n) {
			dns_count(EGRESS_REASON_DNS_TRUNCATED);
			return;
		}
		DNS_V(s->rr) = p;
		if ((s->buf[p & DNS_BUF_MASK] & 0xc0) == 0xc0) {
			/* a pointer owner is followed only for a CNAME; else it must just point
			 * back into the message, as dns_name_copy() would require */
			if (p + 1 >= n || dns_u16(s, p) - 0xc000 >= p ||
			    dns_u16(s, p) - 0xc000 < DNS_HDR_LEN) {
				dns_count(EGRESS_REASON_DNS_MALFORMED);
				return;
			}
			e = p + 2;
		} else {
			end = dns_name_copy(skb, dns_off, p, DNS_SLOT_INGRESS);
			if (end < 0) {
				dns_count(EGRESS_REASON_DNS_MALFORMED);
				return;
			}
			e = end;
		}
		if (e + DNS_RR_FIXED > n) {
			dns_count(EGRESS_REASON_DNS_TRUNCATED);
			return;
		}
		type = dns_u16(s, e);
		cls = dns_u16(s, e + 2);
		ttl = dns_u32(s, e + 4);
		rdlen = dns_u16(s, e + 8);
		rd = e + DNS_RR_FIXED;
		if (rd + rdlen > n) {
			dns_count(EGRESS_REASON_DNS_TRUNCATED);
			return;
		}
		DNS_V(s->next) = rd + rdlen;
		if (cls != DNS_CLASS_IN)
			continue;
		if (type == DNS_TYPE_CNAME && !DNS_V(s->matched)) {
			p = DNS_V(s->rr);
			if ((s->buf[p & DNS_BUF_MASK] & 0xc0) == 0xc0 &&
			    dns_name_copy(skb, dns_off, p, DNS_SLOT_INGRESS) < 0) {
				dns_count(EGRESS_REASON_DNS_MALFORMED);
				return;
			}
			dns_name_hash(DNS_SLOT_INGRESS);
			DNS_V(s->matched) = dns_name_teaches(s, DNS_SLOT_INGRESS);
		} else if (DNS_V(s->matched) && ((type == DNS_TYPE_A && rdlen == 4) ||
						 (type == DNS_TYPE_AAAA && rdlen == 16))) {
			dns_learn_record(skb, dns_off, rd, type == DNS_TYPE_A ? AF_INET : AF_INET6,
					 ttl);
		}
	}
	if (DNS_V(s->an) > EGRESS_DNS_MAX_ANSWERS)
		dns_count(EGRESS_REASON_DNS_TOO_MANY_RECORDS);
}

/* off: offset of the UDP header; f: the response as received (saddr = the resolver); lo: it
 * arrived over the loopback device. */
static __always_inline void dns_learn_response(struct __sk_buff *skb, __u32 off,
					       const struct flow *f, int lo)
{
	struct dns_scratch *s;
	__u32 dns_off = off + DNS_UDP_HDR_LEN, flags, end;
	int e;

	if (!dns_trusted(f)) {
		dns_count(EGRESS_REASON_DNS_UNTRUSTED);
		return;
	}
	s = dns_scratch(DNS_SLOT_INGRESS);
	if (!s)
		return;
	if (dns_copy_message(skb, s, dns_off) < 0) {
		dns_count(EGRESS_REASON_DNS_MALFORMED);
		return;
	}
	if (lo && !dns_sent_by_local_resolver(s, f)) {
		dns_count(EGRESS_REASON_DNS_UNTRUSTED);
		return;
	}
	/* RFC 1035 4.1.1: QR 1, opcode 0, one question */
	flags = dns_u16(s, 2);
	if (!(flags & 0x8000) || (flags & 0x7800) || dns_u16(s, 4) != 1) {
		dns_count(EGRESS_REASON_DNS_MALFORMED);
		return;
	}
	if (flags & 0x0200) { /* TC: the client retries over TCP, which is not parsed here */
		dns_count(EGRESS_REASON_DNS_TRUNCATED);
		return;
	}
	e = dns_name_copy(skb, dns_off, DNS_HDR_LEN, DNS_SLOT_INGRESS);
	if (e < 0 || DNS_V(s->ptrs) != 0 || DNS_V(s->labels) == 0 || (__u32)e + 4 > DNS_V(s->n)) {
		dns_count(EGRESS_REASON_DNS_MALFORMED);
		return;
	}
	end = e;
	dns_count(EGRESS_REASON_DNS_PARSED);
	if (flags & 0x000f) /* NXDOMAIN, SERVFAIL...: nothing to learn */
		return;
	dns_name_hash(DNS_SLOT_INGRESS);
	if (!dns_answers_query(skb, s, f)) {
		dns_count(EGRESS_REASON_DNS_NO_QUERY);
		return;
	}
	DNS_V(s->matched) = dns_name_teaches(s, DNS_SLOT_INGRESS);
	DNS_V(s->an) = dns_u16(s, 6);
	DNS_V(s->next) = end + 4; /* qtype, qclass */
	dns_walk_answers(skb, s, dns_off);
	if (!DNS_V(s->matched))
		dns_count(EGRESS_REASON_DNS_NAME_NOT_ALLOWED);
}

#endif
