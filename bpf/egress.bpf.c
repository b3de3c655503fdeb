// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The egress datapath. Entry points only; helpers live in lib/. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include <egress/abi.h>
#include "lib/maps.h"
#include "lib/counters.h"

/* Checked by the loader before it adopts pins made by another build. */
const volatile __u32 egress_abi_version = EGRESS_ABI_VERSION;

#define SKB_PASS 1
#define SKB_DROP 0

static __always_inline struct egress_config *config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&egress_config, &zero);
}

SEC("cgroup_skb/egress")
int skb_egress(struct __sk_buff *skb)
{
	struct iphdr ip;
	struct egress_config *cfg;

	/* bpf_skb_load_bytes rather than direct access: BPF_PROG_TEST_RUN gave cgroup_skb programs
	 * no packet pointers before kernel commit ed3e469d021c, so tests on 5.15-6.8 need this. */
	if (skb->protocol != bpf_htons(ETH_P_IP)) {
		count(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_NOT_IP);
		return SKB_PASS;
	}
	if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) < 0) {
		count(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_NOT_IP);
		return SKB_PASS;
	}
	/* 127.0.0.0/8 */
	if ((bpf_ntohl(ip.daddr) >> 24) == 127) {
		count(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_LOOPBACK);
		return SKB_PASS;
	}
	count(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_NO_RULE);
	cfg = config();
	if (cfg && cfg->mode == EGRESS_MODE_AUDIT)
		return SKB_PASS;
	return SKB_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
