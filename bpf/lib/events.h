/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Deny events: rate limited per flow in the kernel, so a tight retry loop cannot flood the ring
 * buffer; what is suppressed or lost is counted. */
#ifndef EGRESS_BPF_EVENTS_H
#define EGRESS_BPF_EVENTS_H

#include "lib/counters.h"
#include "lib/flow.h"
#include "lib/maps.h"
#include "lib/policy.h"
#include "lib/settings.h"

/* True when this flow had no event within event_window_ns (and records this one). */
static __always_inline int event_due(const struct flow *f)
{
	struct egress_flow_key k = {};
	__u64 now = bpf_ktime_get_boot_ns();
	__u64 *last;

	k.cgroup_id = f->cgroup_id;
	__builtin_memcpy(k.daddr, f->daddr, 16);
	k.dport = f->dport;
	k.proto = f->proto;
	k.family = f->family;
	k.hook = f->hook;
	last = bpf_map_lookup_elem(&egress_event_flows, &k);
	if (last && now - *last < event_window_ns)
		return 0;
	bpf_map_update_elem(&egress_event_flows, &k, &now, BPF_ANY);
	return 1;
}

/*
 * True when the flow's cgroup is within its deny-event budget (and charges it): a generic cell rate
 * (GCRA) with one u64 of state, so a pod making 200k distinct denied flows gets
 * event_budget_burst events at once and then event_budget_interval_ns apart; the rest is counted
 * in its entry for the daemon's summary line. The update races with other CPUs of the same
 * cgroup: at worst a few events more or less than the budget.
 */
static __always_inline int within_budget(const struct flow *f, __u8 verdict)
{
	struct egress_event_budget fresh = {}, *b;
	__u64 now = bpf_ktime_get_boot_ns(), tat;

	b = bpf_map_lookup_elem(&egress_event_budget, &f->cgroup_id);
	if (!b) {
		fresh.tat_ns = now + event_budget_interval_ns;
		bpf_map_update_elem(&egress_event_budget, &f->cgroup_id, &fresh, BPF_NOEXIST);
		return 1;
	}
	tat = b->tat_ns > now ? b->tat_ns : now;
	if (tat - now > event_budget_interval_ns * event_budget_burst) {
		__sync_fetch_and_add(&b->suppressed, 1);
		__builtin_memcpy(b->saddr, f->saddr, 16);
		__builtin_memcpy(b->daddr, f->daddr, 16);
		b->sport = f->sport;
		b->dport = f->dport;
		b->family = f->family;
		b->proto = f->proto;
		b->hook = f->hook;
		b->verdict = verdict;
		return 0;
	}
	b->tat_ns = tat + event_budget_interval_ns;
	return 1;
}

/* with_task: the hook runs in the sending process (sock_addr hooks), so pid/comm are its. */
static __always_inline void emit_deny(const struct flow *f, __u8 verdict, __u32 reason,
				      int with_task)
{
	struct egress_deny_event *e;

	if (!event_due(f)) {
		count(f->hook, EGRESS_REASON_EVENT_RATE_LIMITED);
		return;
	}
	if (!within_budget(f, verdict)) {
		count(f->hook, EGRESS_REASON_EVENT_BUDGET);
		return;
	}
	e = bpf_ringbuf_reserve(&egress_events, sizeof(*e), 0);
	if (!e) {
		count(f->hook, EGRESS_REASON_EVENT_LOST);
		return;
	}
	e->type = EGRESS_EVENT_DENY;
	e->verdict = verdict;
	e->hook = f->hook;
	e->reason = reason;
	e->family = f->family;
	e->proto = f->proto;
	e->sport = f->sport;
	e->dport = f->dport;
	e->pad = 0;
	e->pid = 0;
	__builtin_memset(e->comm, 0, sizeof(e->comm));
	if (with_task && task_info) {
		e->pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	}
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = f->cgroup_id;
	e->policy_generation = policy_generation();
	__builtin_memcpy(e->saddr, f->saddr, 16);
	__builtin_memcpy(e->daddr, f->daddr, 16);
	e->sock_cookie = f->cookie;
	bpf_ringbuf_submit(e, 0);
}

/* A deny reason: counted, reported, and turned into deny (0), or allow (1) in audit mode
 * (verdict AUDIT). Callers fill f->cgroup_id and f->cookie first: allows never pay for them. */
static __always_inline int deny(const struct flow *f, __u32 reason, int with_task)
{
	int audit = audit_mode();

	count(f->hook, reason);
	emit_deny(f, audit ? EGRESS_VERDICT_AUDIT : EGRESS_VERDICT_DENY, reason, with_task);
	return audit;
}

#endif
