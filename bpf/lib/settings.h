/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Load-time settings (.rodata): the loader writes them between open and load, after which the
 * verifier treats them as constants and prunes the branches they switch off. Runtime settings
 * live in the egress_config map instead. */
#ifndef EGRESS_BPF_SETTINGS_H
#define EGRESS_BPF_SETTINGS_H

#include <linux/types.h>

#include <egress/abi.h>

/* The map layout this object speaks (the loader checks the pinned install record against it). */
const volatile __u32 egress_layout_version = EGRESS_MAP_LAYOUT_VERSION;
/* Minimum gap between two deny events of one flow. */
const volatile __u64 event_window_ns = EGRESS_EVENT_WINDOW_NS;
/* The per-cgroup deny budget as a generic cell rate: one event per interval, `burst` ahead. */
const volatile __u64 event_budget_interval_ns = 1000000000ULL / EGRESS_EVENT_BUDGET_RATE;
const volatile __u64 event_budget_burst = EGRESS_EVENT_BUDGET_BURST;
/* How long after its last datagram a UDP peer may still be answered. */
const volatile __u64 udp_peer_ttl_ns = EGRESS_UDP_PEER_TTL_NS;
/* The loader sets this when the kernel lets sock_addr programs call bpf_get_current_pid_tgid and
 * bpf_get_current_comm (probed): with it off the verifier never sees those calls. */
const volatile __u8 task_info = 0;
/* Expiry of learned addresses is checked with bpf_ktime_get_coarse_ns when the kernel offers it
 * to every hook (probed): on this project's VMs bpf_ktime_get_boot_ns cost ~44 ns, a third of a
 * connect4 decision. The coarse clock is CLOCK_MONOTONIC, up to one tick behind: it never calls a
 * valid entry expired, and lets an expired one live at most a tick longer (plus any time the
 * machine spent suspended). */
const volatile __u8 coarse_clock = 0;
/* The TC backstop only sees SNATed node addresses, so by default it reports and never drops. */
const volatile __u8 tc_enforce = 0;

#endif
