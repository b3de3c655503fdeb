/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The maps of in-kernel DNS learning (DESIGN.md 4). Key and value types of the maps userspace
 * writes come from include/egress/abi.h and include/egress/name_hash.h; the scratch layout is
 * private to BPF. */
#ifndef EGRESS_BPF_DNS_MAPS_H
#define EGRESS_BPF_DNS_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <egress/abi.h>
#include <egress/name_hash.h>

/* Allowed names and patterns: suffix hash + kind -> check hash, label count, ports. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_DEFAULT_NAME_ENTRIES);
	__type(key, struct egress_name_key);
	__type(value, struct egress_name_value);
} egress_names SEC(".maps");

/* Check key, TTL clamp and grace (key 0). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct egress_dns_settings);
} egress_dns_cfg SEC(".maps");

/* Resolvers whose answers may teach: config dnsServers, resolv.conf, the kube-dns service. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_DEFAULT_DNS_RESOLVER_ENTRIES);
	__type(key, struct egress_dns_resolver4_key);
	__type(value, __u8);
} egress_dns_srv4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_DEFAULT_DNS_RESOLVER_ENTRIES);
	__type(key, struct egress_dns_resolver6_key);
	__type(value, __u8);
} egress_dns_srv6 SEC(".maps");

/* Answers a resolver on the node sent over loopback, and the cgroups of those resolvers (the
 * sockets bound to port 53 in the node's network namespace, found by egressd): an answer that
 * arrives over loopback must consume one to teach. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EGRESS_DEFAULT_DNS_LOCAL_ENTRIES);
	__type(key, struct egress_dns_local_key);
	__type(value, __u64); /* CLOCK_BOOTTIME it was sent */
} egress_dns_local SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_DEFAULT_DNS_RESOLVER_ENTRIES);
	__type(key, __u64);
	__type(value, __u8);
} egress_dns_resolver_cgroups SEC(".maps");

/* Queries seen at egress and not answered yet; a response must consume one to teach. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EGRESS_DEFAULT_DNS_QUERY_ENTRIES);
	__type(key, struct egress_dns_query_key);
	__type(value, struct egress_dns_query_value);
} egress_dns_query SEC(".maps");

/* Room for one name in contiguous wire form: 255 bytes, plus one whole label (<= 64 bytes with
 * its length octet) so that a label copied at any offset below 256 stays inside. */
#define DNS_NAME_SPACE 320
#define DNS_BUF_MASK (EGRESS_DNS_BUF - 1)
#define DNS_NAME_MASK 255

/*
 * Per-CPU working memory. Loop-carried state lives here and is read and written through
 * `volatile` (DNS_V): values loaded from map memory are unknown scalars to the verifier, so its
 * states at the loop head stay equal and pruning works (reference/ebpf-notes.md 3).
 */
struct dns_scratch {
	__u8 buf[EGRESS_DNS_BUF];	 /* the first EGRESS_DNS_BUF bytes of the DNS message */
	__u8 name[DNS_NAME_SPACE];	 /* the name being examined, uncompressed wire form */
	__u8 lname[DNS_NAME_SPACE];	 /* the same, lower case; dotted once matched */
	__u64 pos_h1[DNS_NAME_MASK + 1]; /* suffix hashes after hashing the byte at each offset */
	__u64 pos_h2[DNS_NAME_MASK + 1];
	__u16 label_off[EGRESS_DNS_MAX_LABELS]; /* offset of each length octet in name[] */
	__u32 n;				/* bytes in buf */
	__u32 pos;				/* cursor in buf */
	__u32 out;				/* bytes copied into name[] */
	__u32 labels;				/* labels in name[] */
	__u32 name_len;				/* wire bytes of name[] without the terminating 0 */
	__u32 ptrs; /* compression pointers followed while copying name[] */
	__u32 end;  /* offset in the message just after the name */
	__u32 j;
	__u64 h1, h2;
	__u64 check_key;
	/* the answer walk */
	__u32 an;      /* answers to examine */
	__u32 matched; /* 1 once the question or a CNAME owner matched */
	__u32 rr;      /* offset of the current record's owner */
	__u32 next;    /* offset of the next record (pos belongs to dns_name_copy) */
	struct egress_name_key nkey;
	struct egress_name_value match; /* the rule the answers are learned under */
	__u64 match_hash;
	char ev_name[EGRESS_EVENT_NAME_LEN];
	struct egress_learned4_key k4;
	struct egress_learned6_key k6;
	struct egress_learned_value lv;
	struct egress_dns_query_key qk;
	struct egress_dns_query_value qv;
};

/* One slot per context that can run on a CPU at the same time: cgroup_skb/egress runs in process
 * context and may be interrupted by the receive softirq running cgroup_skb/ingress. */
#define DNS_SLOT_INGRESS 0
#define DNS_SLOT_EGRESS 1

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct dns_scratch);
} egress_dns_scr SEC(".maps");

#define DNS_V(x) (*(volatile __typeof__(x) *)&(x))

static __always_inline struct dns_scratch *dns_scratch(__u32 slot)
{
	return bpf_map_lookup_elem(&egress_dns_scr, &slot);
}

#endif
