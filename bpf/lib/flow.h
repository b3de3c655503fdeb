/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The flow being judged, filled by each hook from its own context. */
#ifndef EGRESS_BPF_FLOW_H
#define EGRESS_BPF_FLOW_H

#include <linux/types.h>

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

struct flow {
	__u8 saddr[16]; /* network order; IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__be16 sport;
	__be16 dport; /* 0 when the protocol has no ports (ICMP, non-first fragments) */
	__u8 family;  /* of the destination as judged: IPv4-mapped IPv6 is AF_INET */
	__u8 proto;
	__u8 hook; /* enum egress_hook */
	__u8 pad;
	__u64 cgroup_id;
	__u64 cookie; /* socket cookie, 0 without a socket */
};

static __always_inline __u32 flow_daddr4(const struct flow *f)
{
	return *(const __u32 *)f->daddr;
}

#endif
