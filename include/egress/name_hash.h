/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The label-aligned suffix-hash scheme for allowed DNS names, defined once and included verbatim
 * by BPF C (clang -target bpf) and by C++ (userspace/dns/name_rules.cpp builds the map entries and
 * re-implements the kernel lookup so that tests can prove both sides agree).
 *
 * Two 64-bit hashes are computed in ONE backward pass over a wire-format name (RFC 1035 3.1):
 *
 *   wire   = len0 label0 len1 label1 ... len(n-1) label(n-1) 0x00
 *   bytes  = wire without the terminating 0x00, i.e. w[0 .. L-1]
 *   lower  = egress_name_lower(): ASCII 'A'..'Z' -> 'a'..'z', every other byte unchanged
 *            (length octets are <= 63, so lower-casing them is a no-op: apply it to every byte)
 *   h1, h2 = egress_name_hash_init(), egress_name_check_init(key)
 *   for i = L-1 down to 0:
 *       b  = lower(w[i])
 *       h1 = egress_name_hash_byte(h1, b)     (FNV-1a 64)
 *       h2 = egress_name_check_byte(h2, b)    (rotate-xor-multiply, keyed)
 *       if i is the offset of length octet j:  suffix k=j is hashed: sh1[j] = h1, sh2[j] = h2
 *
 * So sh1[k]/sh2[k] are the hashes of the suffix that starts at label k (k = 0 is the whole name,
 * k = n-1 the top-level label). Because a suffix hash is only taken at a length octet, and the
 * length octet itself is hashed, "evil-github.com" never produces the hash of "github.com".
 * The bytes hashed for a suffix do not depend on where the suffix sits in a longer name, so the
 * value for "github.com" is the same whether it is the whole name or the tail of "api.github.com".
 *
 * The name-rule map (hash, max EGRESS_DEFAULT_NAME_ENTRIES) is keyed by {sh1, kind}:
 *   - an exact rule "api.github.com"       -> key {sh1("api.github.com"), EXACT},     labels 3
 *   - a one-label wildcard "*.github.com"  -> key {sh1("github.com"), WILDCARD_ONE},  labels 2
 *   - a multi-label wildcard "**.github.com" -> key {sh1("github.com"), WILDCARD_MANY}, labels 2
 * and the value carries sh2 of the same suffix ("check"), the suffix's label count, the rule id and
 * the ports (every rule that also matches such a name is folded in by userspace, so the first hit
 * is the complete answer, like the longest-prefix CIDR entries).
 *
 * Kernel lookup for a name of n labels (1 <= n <= EGRESS_DNS_MAX_LABELS), most specific first:
 *   for k = 0 .. n-1:
 *       kinds to try: k == 0 -> EXACT; k == 1 -> WILDCARD_ONE then WILDCARD_MANY; k >= 2 -> WILDCARD_MANY
 *       v = lookup({sh1[k], kind, pad = 0})
 *       if v: accept only if v->check == sh2[k] && v->labels == n - k && v->kind == kind;
 *             accepted -> match (v->rule_id, v->ports), stop;
 *             otherwise -> a first-hash collision: count EGRESS_REASON_DNS_COLLISION, keep walking.
 *   no accepted hit -> EGRESS_REASON_DNS_NAME_NOT_ALLOWED.
 * Equivalently: a hit at suffix k with WILDCARD_ONE needs n == labels + 1, WILDCARD_MANY needs
 * n >= labels + 1, EXACT needs k == 0. The bare domain (k = 0) is never looked up as a wildcard.
 *
 * In BPF (verifier lessons of reference/ebpf-notes.md 3): record the length-octet offsets in a
 * forward walk (<= EGRESS_DNS_MAX_LABELS, reject len > 63 and compression in the copied name), then
 * keep the <= 255-iteration backward byte loop branch-free by storing h1/h2 for EVERY position
 * into per-CPU scratch arrays (pos_h1[i], pos_h2[i]) and reading sh1[k] = pos_h1[off[k]] in the
 * separate <= 32-iteration label loop that does the map lookups. A compressed name (CNAME owners)
 * must first be copied into contiguous scratch bytes; its hashes do not depend on where it sat.
 *
 * Collisions: sh1 is plain FNV-1a, so names colliding with an allowed name can be searched for
 * offline. A map hit is accepted only when the independent, keyed sh2 and the label count match
 * as well. The key (egress_name_check_init's argument) is chosen by the daemon (random per
 * install is recommended; 0 is valid) and must be the same in the kernel and in the userspace
 * that writes the map.
 */
#ifndef EGRESS_NAME_HASH_H
#define EGRESS_NAME_HASH_H

#include <linux/types.h>

#include "egress/abi.h"

#define EGRESS_NAME_FNV_OFFSET 0xcbf29ce484222325ULL
#define EGRESS_NAME_FNV_PRIME 0x00000100000001b3ULL
/* The check hash: different seed, a rotation before the xor and a different multiplier, so that a
 * pair of inputs colliding in FNV-1a has no structural reason to collide here too. */
#define EGRESS_NAME_CHECK_SEED 0x9e3779b97f4a7c15ULL
#define EGRESS_NAME_CHECK_MUL 0xff51afd7ed558ccdULL
#define EGRESS_NAME_CHECK_ROT 5

/* What a name-rule entry matches (the key's kind and the value's kind; 0 is never valid, so a
 * zeroed value matches nothing). */
enum egress_name_kind {
	EGRESS_NAME_EXACT = 1,	       /* the whole name equals the stored suffix */
	EGRESS_NAME_WILDCARD_ONE = 2,  /* "*.suffix": exactly one more label */
	EGRESS_NAME_WILDCARD_MANY = 3, /* "**.suffix": one or more labels */
};

/* The lower-casing rule, identical on both sides: ASCII only (RFC 4343), no locale. In a long BPF
 * byte loop prefer a 256-byte table (`static const __u8 t[256] = { EGRESS_NAME_LOWER_TABLE };`):
 * the ternary adds a branch per byte, which multiplies verifier states. */
static inline __u8 egress_name_lower(__u8 c)
{
	return (c >= 'A' && c <= 'Z') ? (__u8)(c + ('a' - 'A')) : c;
}

#define EGRESS_NAME_LOWER_1(i) ((i) + (((i) >= 'A' && (i) <= 'Z') ? 'a' - 'A' : 0))
#define EGRESS_NAME_LOWER_4(i)                                                                               \
	EGRESS_NAME_LOWER_1(i), EGRESS_NAME_LOWER_1((i) + 1), EGRESS_NAME_LOWER_1((i) + 2),                  \
	    EGRESS_NAME_LOWER_1((i) + 3)
#define EGRESS_NAME_LOWER_16(i)                                                                              \
	EGRESS_NAME_LOWER_4(i), EGRESS_NAME_LOWER_4((i) + 4), EGRESS_NAME_LOWER_4((i) + 8),                  \
	    EGRESS_NAME_LOWER_4((i) + 12)
#define EGRESS_NAME_LOWER_64(i)                                                                              \
	EGRESS_NAME_LOWER_16(i), EGRESS_NAME_LOWER_16((i) + 16), EGRESS_NAME_LOWER_16((i) + 32),             \
	    EGRESS_NAME_LOWER_16((i) + 48)
/* The 256 initialisers of a lower-casing table equal to egress_name_lower(). */
#define EGRESS_NAME_LOWER_TABLE                                                                              \
	EGRESS_NAME_LOWER_64(0), EGRESS_NAME_LOWER_64(64), EGRESS_NAME_LOWER_64(128),                        \
	    EGRESS_NAME_LOWER_64(192)

/* First hash (the map key): FNV-1a 64 over lower-cased bytes, fed in reverse order. */
static inline __u64 egress_name_hash_init(void)
{
	return EGRESS_NAME_FNV_OFFSET;
}

static inline __u64 egress_name_hash_byte(__u64 h, __u8 lower_byte)
{
	return (h ^ lower_byte) * EGRESS_NAME_FNV_PRIME;
}

/* Second hash (the check stored in the value): keyed, fed the same bytes in the same order. */
static inline __u64 egress_name_check_init(__u64 key)
{
	return key ^ EGRESS_NAME_CHECK_SEED;
}

static inline __u64 egress_name_check_byte(__u64 h, __u8 lower_byte)
{
	h = (h << EGRESS_NAME_CHECK_ROT) | (h >> (64 - EGRESS_NAME_CHECK_ROT));
	return (h ^ lower_byte) * EGRESS_NAME_CHECK_MUL;
}

/* Name-rule map key. `pad` must be zero (the kernel hashes every key byte). */
struct egress_name_key {
	__u64 hash; /* sh1 of the stored suffix */
	__u8 kind;  /* enum egress_name_kind */
	__u8 pad[7];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_name_key) == 16, "egress_name_key layout");

/* Name-rule map value. Ports live here (not in a second table keyed by rule id) so that a learned
 * entry is one lookup and one copy: userspace has already folded in the ports of every less
 * specific rule that also matches, so v->ports is the complete answer for the matched name. */
struct egress_name_value {
	__u64 check;   /* sh2 of the stored suffix (with the daemon's check key) */
	__u32 rule_id; /* the most specific rule (== ports.rule_id), for logs and `egressctl ips` */
	__u8 kind;     /* == key.kind */
	__u8 labels;   /* labels of the stored suffix: exact name, or what follows "*." / "**." */
	__u8 pad[2];
	struct egress_ports ports;
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_name_value) == 88, "egress_name_value layout");

#endif /* EGRESS_NAME_HASH_H */
