/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef EGRESS_BPF_COUNTERS_H
#define EGRESS_BPF_COUNTERS_H

#include "lib/maps.h"

/* Every verdict and DNS outcome is counted per CPU, indexed by [hook][reason]. */
static __always_inline void count(__u32 hook, __u32 reason)
{
	__u32 idx = EGRESS_COUNTER_INDEX(hook, reason);
	__u64 *c = bpf_map_lookup_elem(&egress_counters, &idx);

	if (c)
		*c += 1;
}

/* The class masks of include/egress/abi.h decide, here and in userspace. */
static __always_inline int reason_allows(__u32 reason)
{
	return egress_reason_in(reason, EGRESS_REASON_CLASS_ALLOW);
}

#endif
