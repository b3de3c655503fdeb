/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Every map of the datapath, defined once. Sizes here are defaults: the loader resizes them from
 * its options between open and load (bpf_map__set_max_entries). Key and value types come from
 * include/egress/abi.h, the one contract with userspace. */
#ifndef EGRESS_BPF_MAPS_H
#define EGRESS_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <egress/abi.h>

/* Runtime settings: mode, fail mode, heartbeat, policy generation (written by the daemon). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct egress_config);
} egress_config SEC(".maps");

/* What was installed where (ABI version, cgroup, TC); never read by programs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct egress_install_info);
} egress_install SEC(".maps");

/* [hook][reason] -> packets/sockets, per CPU (EGRESS_COUNTER_INDEX). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EGRESS_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} egress_counters SEC(".maps");

/* The safety floor: small, checked first, entries carry EGRESS_PORTS_FLOOR. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EGRESS_DEFAULT_FLOOR_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct egress_lpm4_key);
	__type(value, struct egress_ports);
} egress_floor4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EGRESS_DEFAULT_FLOOR_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct egress_lpm6_key);
	__type(value, struct egress_ports);
} egress_floor6 SEC(".maps");

/* Addresses learned from allowed DNS answers: exact hashes (an LPM costs 4-10x more per lookup). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_DEFAULT_LEARNED_ENTRIES);
	__type(key, struct egress_learned4_key);
	__type(value, struct egress_learned_value);
} egress_learned4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_DEFAULT_LEARNED_ENTRIES);
	__type(key, struct egress_learned6_key);
	__type(value, struct egress_learned_value);
} egress_learned6 SEC(".maps");

/* Static CIDR rules (service tags, operator CIDRs). An LPM returns only the longest match, so
 * userspace folds the ports of less specific rules into every more specific key. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EGRESS_DEFAULT_CIDR_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct egress_lpm4_key);
	__type(value, struct egress_ports);
} egress_cidr4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EGRESS_DEFAULT_CIDR_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct egress_lpm6_key);
	__type(value, struct egress_ports);
} egress_cidr6 SEC(".maps");

/* UDP peers seen at ingress, so a UDP server may answer its clients. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EGRESS_DEFAULT_PEER_ENTRIES);
	__type(key, struct egress_peer_key);
	__type(value, __u64);
} egress_udp_peers SEC(".maps");

/* Last deny event per flow: the in-kernel rate limit of the ring buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EGRESS_DEFAULT_FLOW_ENTRIES);
	__type(key, struct egress_flow_key);
	__type(value, __u64);
} egress_event_flows SEC(".maps");

/* Deny events (struct egress_deny_event) and, later, learn events; first byte = event type. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EGRESS_DEFAULT_RINGBUF_BYTES);
} egress_events SEC(".maps");

/* The per-cgroup deny-event budget (lib/events.h): one pod cannot crowd the others out of the
 * deny log; what is over it is counted per cgroup and summarised by the daemon. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EGRESS_DEFAULT_BUDGET_ENTRIES);
	__type(key, __u64);
	__type(value, struct egress_event_budget);
} egress_event_budget SEC(".maps");

/* Pod interfaces the pod program guards (host-side ifindex -> source prefixes, pod cgroup). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_DEFAULT_POD_ENTRIES);
	__type(key, __u32);
	__type(value, struct egress_pod_iface);
} egress_pods SEC(".maps");

/* The flow table (lib/flow_table.h): flows the policy allowed and connections that came in, so
 * that replies and flows whose learned entry expired keep passing the pod and uplink programs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EGRESS_DEFAULT_CT_ENTRIES);
	__type(key, struct egress_ct_key);
	__type(value, struct egress_ct_value);
} egress_ct SEC(".maps");

#endif
