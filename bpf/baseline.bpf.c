// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* An empty program of each packet type: the benchmark subtracts what the harness and the hook
 * cost on their own (test_run loop, bpf_stats bookkeeping) from the real datapath's figures. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup_skb/egress")
int empty_skb(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup/connect4")
int empty_connect4(struct bpf_sock_addr *ctx)
{
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
