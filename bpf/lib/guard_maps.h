/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The host guard's own maps (bpf/guard.bpf.c only; the datapath's maps come from lib/maps.h, shared
 * with the datapath through their pins). */
#ifndef EGRESS_BPF_GUARD_MAPS_H
#define EGRESS_BPF_GUARD_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <egress/abi.h>

/* Cgroups (or their ancestors) that may make packet and AF_XDP sockets: pinned with the raw-socket
 * guard, which outlives egressd. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_DEFAULT_GUARD_ALLOW_ENTRIES);
	__type(key, __u64);
	__type(value, __u8);
} egress_guard_allow SEC(".maps");

/* Our pins, maps and programs: only egressd may write to them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_DEFAULT_GUARD_OBJECT_ENTRIES);
	__type(key, struct egress_guard_object);
	__type(value, __u8);
} egress_guard_objs SEC(".maps");

#endif
