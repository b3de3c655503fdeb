/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * DNS names in BPF: copy one (following compression pointers) into contiguous scratch, hash its
 * label-aligned suffixes, and look them up in egress_names (include/egress/name_hash.h has the
 * algorithm; userspace/dns/name_rules.h re-implements it for the tests).
 *
 * These are global (non-static, noinline) functions: the verifier checks each of them once, on
 * its own, instead of once per call site and loop iteration of the caller. That is what keeps
 * a 255-byte hash loop out of the 16-answer loop's state space. They take only the context and
 * scalars (what a 5.15 verifier accepts for global functions) and find their data in the
 * per-CPU scratch slot they are given.
 */
#ifndef EGRESS_BPF_DNS_NAME_H
#define EGRESS_BPF_DNS_NAME_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <egress/abi.h>
#include <egress/name_hash.h>

#include "lib/counters.h"
#include "lib/dns_maps.h"

/* Branch-free lower-casing for the byte loop (a ternary per byte multiplies verifier states). */
static const __u8 dns_lower[256] = {EGRESS_NAME_LOWER_TABLE};

/* Label steps plus pointer hops one name may take. Pointers must point backwards, so a loop of
 * pointers cannot form; the bound only caps the work. */
#define DNS_NAME_STEPS (EGRESS_DNS_MAX_LABELS + 8)

/*
 * Copies the name at message offset `pos` into s->name (uncompressed wire form, label offsets in
 * s->label_off, s->labels, s->name_len, s->ptrs). Every byte it reads must lie inside the copied
 * buffer (s->n bytes). Returns the message offset just after the name, or -1 when the name is
 * malformed: a label longer than 63, a forward or reserved pointer, more than
 * EGRESS_DNS_MAX_LABELS labels or 255 bytes, or running past the buffer.
 */
__attribute__((noinline)) int dns_name_copy(struct __sk_buff *skb, __u32 dns_off, __u32 pos,
					    __u32 slot)
{
	struct dns_scratch *s = dns_scratch(slot);
	__u32 n, p, out, k, len, target;

	if (!s)
		return -1;
	n = DNS_V(s->n);
	DNS_V(s->pos) = pos;
	DNS_V(s->out) = 0;
	DNS_V(s->labels) = 0;
	DNS_V(s->ptrs) = 0;
	DNS_V(s->end) = 0;
	for (int step = 0; step < DNS_NAME_STEPS; step++) {
		p = DNS_V(s->pos);
		if (p >= n || p >= EGRESS_DNS_BUF)
			return -1;
		len = s->buf[p & DNS_BUF_MASK];
		if (len == 0) {
			out = DNS_V(s->out);
			s->name[out & DNS_NAME_MASK] = 0;
			DNS_V(s->name_len) = out;
			if (!DNS_V(s->end))
				DNS_V(s->end) = p + 1;
			return DNS_V(s->end);
		}
		if ((len & 0xc0) == 0xc0) { /* RFC 1035 4.1.4 */
			if (p + 1 >= n)
				return -1;
			target = ((len & 0x3f) << 8) | s->buf[(p + 1) & DNS_BUF_MASK];
			if (target >= p)
				return -1;
			if (!DNS_V(s->end))
				DNS_V(s->end) = p + 2;
			DNS_V(s->ptrs) += 1;
			DNS_V(s->pos) = target;
			continue;
		}
		if (len & 0xc0) /* 0x40/0x80: extended label types, obsolete */
			return -1;
		out = DNS_V(s->out);
		k = DNS_V(s->labels);
		/* the name, its terminating 0 included, fits in 255 bytes (RFC 1035 3.1) */
		if (k >= EGRESS_DNS_MAX_LABELS || out + len + 2 > EGRESS_DNS_MAX_NAME ||
		    p + len + 1 > n)
			return -1;
		s->label_off[k & (EGRESS_DNS_MAX_LABELS - 1)] = out;
		if (bpf_skb_load_bytes(skb, dns_off + p, &s->name[out & DNS_NAME_MASK],
				       (len & 63) + 1) < 0)
			return -1;
		DNS_V(s->out) = out + len + 1;
		DNS_V(s->labels) = k + 1;
		DNS_V(s->pos) = p + len + 1;
	}
	return -1;
}

/* The check key of the installed name rules (0 until the daemon writes egress_dns_cfg). */
static __always_inline __u64 dns_check_key(void)
{
	__u32 zero = 0;
	struct egress_dns_settings *cfg = bpf_map_lookup_elem(&egress_dns_cfg, &zero);

	return cfg ? cfg->check_key : 0;
}

/*
 * Hashes s->name backwards (both hashes of name_hash.h), storing them after every byte in
 * s->pos_h1/pos_h2, so that the suffix starting at label k has pos_h1[label_off[k]]. Also leaves
 * the lower-cased name in s->lname. Branch-free per byte, apart from the bound.
 */
__attribute__((noinline)) int dns_name_hash(__u32 slot)
{
	struct dns_scratch *s = dns_scratch(slot);
	__u32 len, i;
	__u64 h1, h2;
	__u8 b;

	if (!s)
		return -1;
	__builtin_memset(s->lname, 0, sizeof(s->lname));
	len = DNS_V(s->name_len);
	DNS_V(s->h1) = egress_name_hash_init();
	DNS_V(s->h2) = egress_name_check_init(dns_check_key());
	for (__u32 j = 0; j < EGRESS_DNS_MAX_NAME; j++) {
		if (j >= len)
			break;
		i = (len - 1 - j) & DNS_NAME_MASK;
		b = dns_lower[s->name[i]];
		s->lname[i] = b;
		h1 = egress_name_hash_byte(DNS_V(s->h1), b);
		h2 = egress_name_check_byte(DNS_V(s->h2), b);
		DNS_V(s->h1) = h1;
		DNS_V(s->h2) = h2;
		s->pos_h1[i] = h1;
		s->pos_h2[i] = h2;
	}
	return 0;
}

/* One lookup: 1 accepted, 0 no entry, -1 a first-hash hit the check rejected (a collision). */
static __always_inline int dns_try(struct dns_scratch *s, __u64 h1, __u64 h2, __u8 kind,
				   __u32 labels)
{
	struct egress_name_value *v;

	s->nkey.hash = h1;
	s->nkey.kind = kind;
	v = bpf_map_lookup_elem(&egress_names, &s->nkey);
	if (!v)
		return 0;
	if (v->check != h2 || v->labels != labels || v->kind != kind)
		return -1;
	__builtin_memcpy(&s->match, v, sizeof(s->match));
	s->match_hash = h1;
	return 1;
}

/* The learn event's name: the lower-cased name, dotted, NUL padded (cut at 127 bytes). */
static __always_inline void dns_event_name(struct dns_scratch *s)
{
	__u32 labels = DNS_V(s->labels);

	for (__u32 k = 1; k < EGRESS_DNS_MAX_LABELS; k++) {
		if (k >= labels)
			break;
		s->lname[s->label_off[k] & DNS_NAME_MASK] = '.';
	}
	__builtin_memcpy(s->ev_name, &s->lname[1], EGRESS_EVENT_NAME_LEN - 1);
	s->ev_name[EGRESS_EVENT_NAME_LEN - 1] = 0;
}

/*
 * Looks up the suffixes of the hashed name, most specific first (name_hash.h): k = 0 exact,
 * k = 1 one-label then multi-label wildcard, k >= 2 multi-label wildcard. Collisions are counted
 * and the walk goes on, under the hook of the slot (a query's check at egress, an answer's at
 * ingress). 1: matched (s->match, s->match_hash, s->ev_name set); 0: not allowed.
 */
__attribute__((noinline)) int dns_name_lookup(__u32 slot)
{
	struct dns_scratch *s = dns_scratch(slot);
	__u32 hook = slot == DNS_SLOT_EGRESS ? EGRESS_HOOK_SKB_EGRESS : EGRESS_HOOK_SKB_INGRESS;
	__u32 labels, off;
	__u64 h1, h2;
	int r;

	if (!s)
		return 0;
	__builtin_memset(&s->nkey, 0, sizeof(s->nkey));
	labels = DNS_V(s->labels);
	for (__u32 k = 0; k < EGRESS_DNS_MAX_LABELS; k++) {
		if (k >= labels)
			break;
		off = s->label_off[k] & DNS_NAME_MASK;
		h1 = s->pos_h1[off];
		h2 = s->pos_h2[off];
		if (k == 0) {
			r = dns_try(s, h1, h2, EGRESS_NAME_EXACT, labels);
		} else {
			r = 0;
			if (k == 1)
				r = dns_try(s, h1, h2, EGRESS_NAME_WILDCARD_ONE, labels - 1);
			if (r < 1) {
				if (r < 0)
					count(hook, EGRESS_REASON_DNS_COLLISION);
				r = dns_try(s, h1, h2, EGRESS_NAME_WILDCARD_MANY, labels - k);
			}
		}
		if (r > 0) {
			dns_event_name(s);
			return 1;
		}
		if (r < 0)
			count(hook, EGRESS_REASON_DNS_COLLISION);
	}
	return 0;
}

#endif
