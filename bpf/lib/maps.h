/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Every map of the datapath, defined once. Sizes here are defaults: the loader resizes them from
 * the config between open and load (bpf_map__set_max_entries). */
#ifndef EGRESS_BPF_MAPS_H
#define EGRESS_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <egress/abi.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct egress_config);
} egress_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EGRESS_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} egress_counters SEC(".maps");

#endif
