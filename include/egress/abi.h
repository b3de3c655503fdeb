/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The kernel <-> userspace contract of aks-egress-guard: every struct, enum and constant that BPF
 * programs and C++ share. Included verbatim by bpf/ *.bpf.c and by userspace; nothing mirrors it.
 *
 * Rules:
 *  - fixed-width types only; network byte order where a field says so (addresses, ports "_be");
 *  - explicit padding so that every key is fully initialised (the kernel hashes every byte);
 *  - enums are append-only (their numbers appear in maps, logs and metrics); every reason has a
 *    class (EGRESS_REASON_CLASS_*), and a test fails if one has none;
 *  - two versions, checked for different things:
 *      EGRESS_MAP_LAYOUT_VERSION  the maps' keys, values and sizes, and the meaning of their
 *                                 entries: a loader adopts pinned maps only of its own layout
 *                                 (a change forces an uninstall, so it is rare);
 *      EGRESS_EVENT_SCHEMA_VERSION the ring-buffer records: they may grow at the end (decoders
 *                                 accept longer records), and the programs that write them are
 *                                 always the loader's own, so a new event field needs no uninstall.
 */
#ifndef EGRESS_ABI_H
#define EGRESS_ABI_H

#include <linux/types.h>

#ifdef __cplusplus
#define EGRESS_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define EGRESS_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* 2: counters with headroom (EGRESS_COUNTER_HOOKS x EGRESS_COUNTER_REASONS).
 * 3: egress_config knows the pods' cgroup, DNS queries are keyed by the local address and hold
 *    their resolver, dns settings carry the query policy; the event budget and loopback-answer
 *    maps. */
#define EGRESS_MAP_LAYOUT_VERSION 3
#define EGRESS_EVENT_SCHEMA_VERSION 1

/* ---- size limits ------------------------------------------------------------------------- */

/* Port ranges carried by one rule value (CIDR entry or learned address). The compiler merges
 * every rule that lands on the same key into one value; more ranges than this is a compile error
 * reported to the operator, never a silent truncation. */
#define EGRESS_MAX_PORT_RANGES 8
/* Longest DNS name in wire format (RFC 1035 2.3.4) and the most labels the BPF learner walks. */
#define EGRESS_DNS_MAX_NAME 255
#define EGRESS_DNS_MAX_LABELS 32
/* Answers the BPF learner examines per response; more are counted as "too many records". */
#define EGRESS_DNS_MAX_ANSWERS 16
/* Bytes of a DNS response the BPF learner copies (answers past this are not parseable in BPF). */
#define EGRESS_DNS_BUF 512
/* Longest name carried in a learn event (the qname or matched CNAME owner, dotted, NUL padded). */
#define EGRESS_EVENT_NAME_LEN 128

/* Default map sizes; the loader overrides them from the config before load. */
#define EGRESS_DEFAULT_CIDR_ENTRIES 65536
#define EGRESS_DEFAULT_LEARNED_ENTRIES 131072
#define EGRESS_DEFAULT_NAME_ENTRIES 16384
#define EGRESS_DEFAULT_FLOOR_ENTRIES 1024
#define EGRESS_DEFAULT_FLOW_ENTRIES 65536
#define EGRESS_DEFAULT_PEER_ENTRIES 16384
#define EGRESS_DEFAULT_RINGBUF_BYTES (1u << 20)
/* Per-flow deny-event rate limit: at most one event per flow and window. */
#define EGRESS_EVENT_WINDOW_NS 1000000000ULL
/* Per-cgroup deny-event budget: one pod cannot crowd the others out of the deny log. */
#define EGRESS_EVENT_BUDGET_RATE 50
#define EGRESS_EVENT_BUDGET_BURST 200
#define EGRESS_DEFAULT_BUDGET_ENTRIES 16384
#define EGRESS_DEFAULT_DNS_LOCAL_ENTRIES 4096
/* How long a UDP peer seen at ingress may be answered (refreshed by every inbound datagram). */
#define EGRESS_UDP_PEER_TTL_NS (300ULL * 1000000000ULL)

/* ---- codes ------------------------------------------------------------------------------- */

enum egress_mode {
	EGRESS_MODE_ENFORCE = 0,
	EGRESS_MODE_AUDIT = 1,
};

enum egress_fail_mode {
	EGRESS_FAIL_CLOSED = 0,
	EGRESS_FAIL_OPEN = 1, /* a stale daemon heartbeat makes the kernel behave as audit */
};

enum egress_verdict {
	EGRESS_VERDICT_ALLOW = 0,
	EGRESS_VERDICT_DENY = 1,  /* dropped / EPERM */
	EGRESS_VERDICT_AUDIT = 2, /* would have been denied; allowed because of audit or fail-open */
	EGRESS_VERDICT_MAX,
};

enum egress_hook {
	EGRESS_HOOK_CONNECT4 = 0,
	EGRESS_HOOK_CONNECT6 = 1,
	EGRESS_HOOK_SENDMSG4 = 2,
	EGRESS_HOOK_SENDMSG6 = 3,
	EGRESS_HOOK_SKB_EGRESS = 4,
	EGRESS_HOOK_SKB_INGRESS = 5,
	EGRESS_HOOK_TC = 6,
	EGRESS_HOOK_POD = 7, /* TC on the host side of a pod's interface: frames from the pod */
	EGRESS_HOOK_LSM = 8, /* BPF LSM: raw/packet socket creation, access to our BPF objects */
	EGRESS_HOOK_MAX,
};

/*
 * Why a packet, socket or DNS answer was treated the way it was. One namespace for allow, deny and
 * DNS-learning outcomes so that per-CPU counters are a flat [hook][reason] array.
 * Append only; the stable strings live in userspace (egress::reason_name) and a test checks that
 * every code has one.
 */
enum egress_reason {
	/* allow */
	EGRESS_REASON_LOOPBACK = 0,
	EGRESS_REASON_FLOOR = 1,	 /* safety floor: cluster CIDRs, DNS, IMDS, wireserver, API server */
	EGRESS_REASON_LEARNED = 2,	 /* address learned from an allowed DNS answer, not expired */
	EGRESS_REASON_CIDR = 3,		 /* static CIDR rule (service tag, operator CIDR) */
	EGRESS_REASON_JUDGED_SOCKET = 4, /* skb of a socket the connect/sendmsg hook already judged */
	EGRESS_REASON_REPLY = 5,	 /* reply of an accepted (inbound) connection or to a UDP peer */
	EGRESS_REASON_ICMP_ERROR = 6,	 /* ICMP error belonging to an allowed flow */
	EGRESS_REASON_NEIGHBOR = 7,	 /* IPv6 neighbour discovery / router solicitation / MLD */
	EGRESS_REASON_NOT_IP = 8,	 /* neither IPv4 nor IPv6 (ARP ...) */
	/* deny (or audit) */
	EGRESS_REASON_NO_RULE = 9,    /* no rule covers the destination */
	EGRESS_REASON_PORT = 10,      /* the destination is allowed, but not this protocol/port */
	EGRESS_REASON_EXPIRED = 11,   /* learned once, TTL (+grace) ran out */
	EGRESS_REASON_UDP_PROBE = 12, /* UDP connect() to an unknown address (getaddrinfo, ping) */
	EGRESS_REASON_RAW = 13,	      /* raw socket / ICMP to a non-allowed destination */
	/* DNS learning (cgroup_skb/ingress) */
	EGRESS_REASON_DNS_PARSED = 14,
	EGRESS_REASON_DNS_LEARNED = 15,	  /* one per A/AAAA record learned */
	EGRESS_REASON_DNS_UNTRUSTED = 16, /* response from a resolver not in the trusted set */
	EGRESS_REASON_DNS_NO_QUERY = 17,  /* no matching outstanding query (forged/late) */
	EGRESS_REASON_DNS_NAME_NOT_ALLOWED = 18,
	EGRESS_REASON_DNS_COLLISION = 19, /* suffix hash hit, but the stored name differs */
	EGRESS_REASON_DNS_MALFORMED = 20,
	EGRESS_REASON_DNS_TRUNCATED = 21, /* TC bit, or answers beyond EGRESS_DNS_BUF */
	EGRESS_REASON_DNS_TOO_MANY_RECORDS = 22,
	EGRESS_REASON_DNS_TCP = 23, /* DNS over TCP: not parsed in BPF */
	/* event plumbing */
	EGRESS_REASON_EVENT_RATE_LIMITED = 24, /* deny event suppressed by the per-flow limit */
	EGRESS_REASON_EVENT_LOST = 25,	       /* ring buffer full: event dropped */
	/* wave 2 */
	EGRESS_REASON_SPOOFED = 26,	       /* deny: the source is not the sender's own address */
	EGRESS_REASON_DNS_QUERY_REFUSED = 27,  /* deny: a DNS query for a name outside the policy */
	EGRESS_REASON_EVENT_BUDGET = 28,       /* deny event folded into its cgroup's summary */
	EGRESS_REASON_FLOW = 29,	       /* allow: a packet of a flow the flow table knows */
	EGRESS_REASON_RAW_SOCKET_REFUSED = 30, /* deny: a raw/packet socket outside the allow-list */
	EGRESS_REASON_TAMPER_REFUSED = 31,     /* deny: write access to our pins, maps or programs */
	EGRESS_REASON_MAX,
};

/*
 * The class of every reason, as bit masks over the codes (one load, a shift and an and in BPF):
 *  ALLOW     the flow passes (counted as "allowed" in metrics and status);
 *  DENY      the flow is refused, or reported in audit mode (a deny line, "denied");
 *  DNS       an outcome of DNS learning (egress_dns_answers_total);
 *  PLUMBING  what happened to an event (rate limited, lost).
 * A new reason is appended to the enum AND added to exactly one mask (abi_names_test checks).
 */
#define EGRESS_REASON_BIT(r) (1ULL << (r))
#define EGRESS_REASON_CLASS_ALLOW                                                                            \
	(EGRESS_REASON_BIT(EGRESS_REASON_LOOPBACK) | EGRESS_REASON_BIT(EGRESS_REASON_FLOOR) |                \
	 EGRESS_REASON_BIT(EGRESS_REASON_LEARNED) | EGRESS_REASON_BIT(EGRESS_REASON_CIDR) |                  \
	 EGRESS_REASON_BIT(EGRESS_REASON_JUDGED_SOCKET) | EGRESS_REASON_BIT(EGRESS_REASON_REPLY) |           \
	 EGRESS_REASON_BIT(EGRESS_REASON_ICMP_ERROR) | EGRESS_REASON_BIT(EGRESS_REASON_NEIGHBOR) |           \
	 EGRESS_REASON_BIT(EGRESS_REASON_NOT_IP) | EGRESS_REASON_BIT(EGRESS_REASON_FLOW))
#define EGRESS_REASON_CLASS_DENY                                                                             \
	(EGRESS_REASON_BIT(EGRESS_REASON_NO_RULE) | EGRESS_REASON_BIT(EGRESS_REASON_PORT) |                  \
	 EGRESS_REASON_BIT(EGRESS_REASON_EXPIRED) | EGRESS_REASON_BIT(EGRESS_REASON_UDP_PROBE) |             \
	 EGRESS_REASON_BIT(EGRESS_REASON_RAW) | EGRESS_REASON_BIT(EGRESS_REASON_SPOOFED) |                   \
	 EGRESS_REASON_BIT(EGRESS_REASON_DNS_QUERY_REFUSED) |                                                \
	 EGRESS_REASON_BIT(EGRESS_REASON_RAW_SOCKET_REFUSED) |                                               \
	 EGRESS_REASON_BIT(EGRESS_REASON_TAMPER_REFUSED))
#define EGRESS_REASON_CLASS_DNS                                                                              \
	(EGRESS_REASON_BIT(EGRESS_REASON_DNS_PARSED) | EGRESS_REASON_BIT(EGRESS_REASON_DNS_LEARNED) |        \
	 EGRESS_REASON_BIT(EGRESS_REASON_DNS_UNTRUSTED) | EGRESS_REASON_BIT(EGRESS_REASON_DNS_NO_QUERY) |    \
	 EGRESS_REASON_BIT(EGRESS_REASON_DNS_NAME_NOT_ALLOWED) |                                             \
	 EGRESS_REASON_BIT(EGRESS_REASON_DNS_COLLISION) | EGRESS_REASON_BIT(EGRESS_REASON_DNS_MALFORMED) |   \
	 EGRESS_REASON_BIT(EGRESS_REASON_DNS_TRUNCATED) |                                                    \
	 EGRESS_REASON_BIT(EGRESS_REASON_DNS_TOO_MANY_RECORDS) | EGRESS_REASON_BIT(EGRESS_REASON_DNS_TCP))
#define EGRESS_REASON_CLASS_PLUMBING                                                                         \
	(EGRESS_REASON_BIT(EGRESS_REASON_EVENT_RATE_LIMITED) | EGRESS_REASON_BIT(EGRESS_REASON_EVENT_LOST) | \
	 EGRESS_REASON_BIT(EGRESS_REASON_EVENT_BUDGET))

static inline int egress_reason_in(__u32 reason, __u64 reason_class)
{
	return reason < 64 && ((reason_class >> reason) & 1);
}

/*
 * Flat index into the per-CPU counter array: [hook][reason], with room for hooks and reasons not
 * written yet, so that a new one is not a map layout change.
 */
#define EGRESS_COUNTER_HOOKS 16
#define EGRESS_COUNTER_REASONS 64
#define EGRESS_COUNTER_INDEX(hook, reason) ((int)(hook)*EGRESS_COUNTER_REASONS + (int)(reason))
#define EGRESS_COUNTERS (EGRESS_COUNTER_HOOKS * EGRESS_COUNTER_REASONS)
EGRESS_STATIC_ASSERT(EGRESS_HOOK_MAX <= EGRESS_COUNTER_HOOKS, "counter hooks headroom");
EGRESS_STATIC_ASSERT(EGRESS_REASON_MAX <= EGRESS_COUNTER_REASONS, "counter reasons headroom");

/* IP protocol numbers used in rules (IANA). */
#define EGRESS_PROTO_ANY 0
#define EGRESS_PROTO_ICMP 1
#define EGRESS_PROTO_TCP 6
#define EGRESS_PROTO_UDP 17
#define EGRESS_PROTO_ICMPV6 58

/* ---- map keys and values ----------------------------------------------------------------- */

/* One allowed protocol + port range; host byte order; port_lo = 0, port_hi = 65535 for "any". */
struct egress_port_range {
	__u16 port_lo;
	__u16 port_hi;
	__u8 proto; /* EGRESS_PROTO_TCP/UDP/ANY */
	__u8 pad[3];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_port_range) == 8, "egress_port_range layout");

/* The ports a destination is allowed on. Userspace folds every rule that covers a key into one
 * value (including less specific CIDRs, because an LPM lookup returns only the longest match). */
struct egress_ports {
	__u32 rule_id; /* the most specific rule, for logs and `egressctl check` */
	__u8 n_ranges;
	__u8 flags; /* EGRESS_PORTS_* */
	__u8 pad[2];
	struct egress_port_range ranges[EGRESS_MAX_PORT_RANGES];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_ports) == 72, "egress_ports layout");

#define EGRESS_PORTS_FLOOR 0x01	  /* safety floor entry: never removed by a policy change */
#define EGRESS_PORTS_CLUSTER 0x02 /* floor entry of a cluster CIDR (pods, services, nodes) */
/* name-rule entry that only lets a DNS query through (cluster and search domains, reverse
 * zones): never learned from, allows no port */
#define EGRESS_PORTS_QUERY_ONLY 0x04

/* LPM keys: prefixlen counts the address bits; address in network byte order. */
struct egress_lpm4_key {
	__u32 prefixlen;
	__u8 addr[4];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_lpm4_key) == 8, "egress_lpm4_key layout");

struct egress_lpm6_key {
	__u32 prefixlen;
	__u8 addr[16];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_lpm6_key) == 20, "egress_lpm6_key layout");

/* Learned addresses (hash maps keyed by the bare address, network byte order). */
struct egress_learned4_key {
	__u8 addr[4];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_learned4_key) == 4, "egress_learned4_key layout");

struct egress_learned6_key {
	__u8 addr[16];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_learned6_key) == 16, "egress_learned6_key layout");

/* The fields a connect4 decision reads (expiry, ports) come first: with 100k entries a lookup is
 * a cache miss, and keeping them next to the key saves a line (~8% per decision, measured). */
struct egress_learned_value {
	__u64 expires_ns; /* CLOCK_BOOTTIME; the datapath may compare with the coarse clock
			     (bpf/lib/settings.h) */
	struct egress_ports ports;
	__u64 name_hash; /* suffix hash of the allowed name it was learned under */
	__u32 ttl;	 /* TTL of the answer, seconds, before clamping */
	__u32 pad;
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_learned_value) == 96, "egress_learned_value layout");

/* A UDP peer that sent a datagram to a local socket in the cgroup (LRU hash written by
 * cgroup_skb/ingress, read by sendmsg/connect): lets a UDP server answer its clients. Addresses in
 * network byte order, IPv4 in the first 4 bytes. Value: __u64 CLOCK_BOOTTIME of the last datagram. */
struct egress_peer_key {
	__u8 addr[16];
	__be16 peer_port;
	__be16 local_port;
	__u8 family; /* AF_INET or AF_INET6 */
	__u8 pad[3];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_peer_key) == 24, "egress_peer_key layout");

/* The flow a deny event is rate limited by (LRU hash, value: __u64 CLOCK_BOOTTIME of the last
 * event). The source port is left out on purpose: a retry loop opens a new port each time. */
struct egress_flow_key {
	__u64 cgroup_id;
	__u8 daddr[16];
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u8 hook;
	__u8 pad[3];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_flow_key) == 32, "egress_flow_key layout");

/* What an installation looks like, pinned next to the maps (array map, key 0): a loader reads it
 * before adopting pins, and uninstall reads it to undo the TC attachment. Written by userspace. */
struct egress_install_info {
	__u32 layout_version; /* EGRESS_MAP_LAYOUT_VERSION of the maps */
	__u32 tc_ifindex;     /* 0: no TC backstop attached */
	__u32 flags;	      /* EGRESS_INSTALL_* */
	__u32 pad;
	__u64 cgroup_id; /* the cgroup the links are attached to */
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_install_info) == 24, "egress_install_info layout");

#define EGRESS_INSTALL_TC_QDISC_OURS 0x01 /* we created the clsact qdisc: uninstall may remove it */

/* The one-entry runtime configuration (array map, key 0). */
struct egress_config {
	__u32 layout_version; /* EGRESS_MAP_LAYOUT_VERSION */
	__u8 mode;	      /* enum egress_mode */
	__u8 fail_mode;	      /* enum egress_fail_mode */
	__u8 pad[2];
	__u64 heartbeat_ns;	  /* CLOCK_BOOTTIME of the daemon's last heartbeat */
	__u64 heartbeat_stale_ns; /* fail-open: heartbeat older than this -> audit */
	__u64 policy_generation;
	/* The cgroup every pod's cgroup descends from (kubelet's kubepods[.slice]) and its depth below
	 * the cgroup2 root: packets of sockets below it are a pod's own, never the kernel's (0: no
	 * pods known, every socket is taken as the node's). */
	__u64 pods_cgroup_id;
	__u32 pods_cgroup_level;
	__u32 pad2;
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_config) == 48, "egress_config layout");

/* ---- events (ring buffer) ---------------------------------------------------------------- */

enum egress_event_type {
	EGRESS_EVENT_DENY = 1,
	EGRESS_EVENT_LEARN = 2,
};

/* A denied (or audited) flow. */
struct egress_deny_event {
	__u8 type;    /* EGRESS_EVENT_DENY */
	__u8 verdict; /* EGRESS_VERDICT_DENY or _AUDIT */
	__u8 hook;    /* enum egress_hook */
	__u8 reason;  /* enum egress_reason */
	__u8 family;  /* AF_INET or AF_INET6 (of the destination as judged) */
	__u8 proto;
	__be16 sport;
	__be16 dport;
	__u16 pad;
	__u32 pid; /* 0 where the hook has no process context */
	__u64 ts_ns;
	__u64 cgroup_id;
	__u64 policy_generation;
	__u8 saddr[16]; /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	char comm[16];
	__u64 sock_cookie; /* 0 where the hook has no socket */
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_deny_event) == 96, "egress_deny_event layout");

/* An A/AAAA answer learned in the kernel (copied to userspace for logs and `egressctl ips`). */
struct egress_learn_event {
	__u8 type;   /* EGRESS_EVENT_LEARN */
	__u8 family; /* AF_INET or AF_INET6 */
	__u8 pad[2];
	__u32 ttl;
	__u64 ts_ns;
	__u64 cgroup_id;
	__u64 expires_ns;
	__u8 addr[16];
	char name[EGRESS_EVENT_NAME_LEN]; /* dotted, lower case, NUL padded */
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_learn_event) == 176, "egress_learn_event layout");

/* ---- in-kernel DNS learning (bpf/lib/dns_*.h, userspace/kernel/dns_maps.h) ---------------- */

#define EGRESS_DEFAULT_DNS_QUERY_ENTRIES 16384
#define EGRESS_DEFAULT_DNS_RESOLVER_ENTRIES 64
/* Clamp of learned TTLs and the grace added on top (dnsmasq and CoreDNS answer with TTL 0): the
 * config's dns.minTTL/maxTTL/grace defaults, and what the kernel uses before the daemon writes its own. */
#define EGRESS_DNS_DEFAULT_MIN_TTL_S 60
#define EGRESS_DNS_DEFAULT_MAX_TTL_S 86400
#define EGRESS_DNS_DEFAULT_GRACE_S 30
/* A query older than this no longer vouches for a response (resolvers give up long before). */
#define EGRESS_DNS_QUERY_TIMEOUT_NS (30ULL * 1000000000ULL)

/* DNS learning settings (array map egress_dns_cfg, key 0), written by the daemon and pinned, so
 * that an adopting daemon finds the check key the name-rule map was written with. All zero (never
 * written) means: check key 0 and the EGRESS_DNS_DEFAULT_* values. */
enum egress_query_policy {
	EGRESS_QUERY_POLICY_ALLOWED = 0, /* queries for names outside the policy are refused */
	EGRESS_QUERY_POLICY_ANY = 1,
};

struct egress_dns_settings {
	__u64 check_key; /* egress_name_check_init()'s key for egress_names' check hashes */
	__u32 min_ttl_s;
	__u32 max_ttl_s;
	__u32 grace_s;
	__u8 query_policy; /* enum egress_query_policy */
	__u8 pad[3];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_dns_settings) == 24, "egress_dns_settings layout");

/* An outstanding query, recorded by cgroup_skb/egress once the query passed the verdict, and
 * consumed by the response at ingress (LRU hash egress_dns_query). Keyed by the socket as both
 * directions see it: its cgroup, local address and port (one socket per address and port in a
 * network namespace; the socket cookie would do too, but BPF_PROG_TEST_RUN gives every run a fresh
 * dummy socket), and the DNS id. The value holds the resolver it was sent to: the answer must come
 * from it — or, for a query DNATed before cgroup egress (a host process asking a ClusterIP, sent to
 * a cluster address), from any trusted resolver, as the reply arrives un-NATed from the ClusterIP. */
struct egress_dns_query_key {
	__u64 cgroup_id;
	__u8 local_addr[16]; /* network order, IPv4 in the first 4 bytes */
	__be16 local_port;
	__be16 dns_id; /* as on the wire */
	__u8 family;   /* AF_INET or AF_INET6 */
	__u8 pad[3];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_dns_query_key) == 32, "egress_dns_query_key layout");

struct egress_dns_query_value {
	__u64 qname_hash; /* sh1 of the whole question name (include/egress/name_hash.h) */
	__u64 sent_ns;	  /* CLOCK_BOOTTIME */
	__u8 resolver[16];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_dns_query_value) == 32, "egress_dns_query_value layout");

/* An answer a resolver on the node sent over the loopback device (LRU hash egress_dns_local):
 * recorded at cgroup_skb/egress when the sending socket's cgroup is a local resolver's
 * (egress_dns_resolver_cgroups, written by egressd from the sockets bound to port 53 in the node's
 * network namespace), consumed at ingress. An answer that arrives over loopback teaches only with
 * one: a process that forges a resolver's answer to itself is not the resolver. */
struct egress_dns_local_key {
	__u8 client_addr[16];
	__be16 client_port;
	__be16 dns_id;
	__u8 family;
	__u8 pad[3];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_dns_local_key) == 24, "egress_dns_local_key layout");

/* The per-cgroup deny-event budget (LRU hash egress_event_budget, key: cgroup id): a generic cell
 * rate (GCRA) of EGRESS_EVENT_BUDGET_RATE events a second with a burst of
 * EGRESS_EVENT_BUDGET_BURST; what is over it is counted here, with the last such deny as an
 * example, and summarised by the daemon in one deny-log line per cgroup and heartbeat. */
struct egress_event_budget {
	__u64 tat_ns;	  /* theoretical arrival time of the next event (CLOCK_BOOTTIME) */
	__u64 suppressed; /* events over the budget since the map entry was made (only grows) */
	/* the last deny over the budget (CPUs racing may mix two of them: it is an example) */
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u8 family;
	__u8 proto;
	__u8 hook;
	__u8 verdict;
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_event_budget) == 56, "egress_event_budget layout");

/* Trusted resolvers (hash maps egress_dns_srv4/6, value __u8 1): network byte order. */
struct egress_dns_resolver4_key {
	__u8 addr[4];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_dns_resolver4_key) == 4, "egress_dns_resolver4_key layout");

struct egress_dns_resolver6_key {
	__u8 addr[16];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_dns_resolver6_key) == 16, "egress_dns_resolver6_key layout");

/* ---- pod interfaces, the flow table, the host guard (wave 2) ------------------------------ */

/* Pod interfaces the pod program guards, and the flow table's default size (LRU). */
#define EGRESS_DEFAULT_POD_ENTRIES 4096
#define EGRESS_DEFAULT_CT_ENTRIES 262144
/* Source prefixes one pod interface may send from: a routed pod's /32 and /128 (and a few more for
 * secondary IPs), or a bridge's on-link prefixes for kubenet's bridge ports. */
#define EGRESS_POD_MAX_PREFIXES 6
/* Idle timeouts of flow table entries (refreshed by the packets of the flow, at most once a
 * second): TCP as conntrack's established timeout (5 days: an idle connection with the kernel's
 * default keepalive of 2 h must survive), UDP as a UDP peer (EGRESS_UDP_PEER_TTL_NS), ICMP 30 s. */
#define EGRESS_CT_TCP_IDLE_NS (432000ULL * 1000000000ULL)
#define EGRESS_CT_UDP_IDLE_NS (300ULL * 1000000000ULL)
#define EGRESS_CT_OTHER_IDLE_NS (30ULL * 1000000000ULL)
/* A flow entry's last-seen time is rewritten at most this often (not per packet). */
#define EGRESS_CT_REFRESH_NS 1000000000ULL

/* A source prefix of a pod interface; address in network byte order, IPv4 in the first 4 bytes. */
struct egress_pod_prefix {
	__u8 addr[16];
	__u8 prefixlen;
	__u8 family; /* AF_INET or AF_INET6; 0: unused slot */
	__u8 pad[2];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_pod_prefix) == 20, "egress_pod_prefix layout");

/* One pod interface (hash egress_pods, key: __u32 ifindex of the host side, in the node's netns). */
struct egress_pod_iface {
	__u64 cgroup_id; /* the pod's cgroup (denies are reported with it); 0: not known */
	__u32 flags;	 /* EGRESS_POD_* */
	__u32 n_prefixes;
	struct egress_pod_prefix prefixes[EGRESS_POD_MAX_PREFIXES];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_pod_iface) == 136, "egress_pod_iface layout");

#define EGRESS_POD_QDISC_OURS 0x01  /* TC mode: we made the clsact qdisc (uninstall removes it) */
#define EGRESS_POD_TCX 0x02	    /* attached through TCX links (pinned), not TC filters */
#define EGRESS_POD_BRIDGE_PORT 0x04 /* kubenet: prefixes are the bridge's, not the pod's own */

/* A flow the flow table knows (LRU hash egress_ct), as seen from the local side: a pod, or the node
 * on the uplink. Addresses in network byte order, IPv4 in the first 4 bytes; ICMP echo keeps its
 * identifier in both ports. */
struct egress_ct_key {
	__u8 local[16];
	__u8 remote[16];
	__be16 local_port;
	__be16 remote_port;
	__u8 proto;
	__u8 family;
	__u8 pad[2];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_ct_key) == 40, "egress_ct_key layout");

struct egress_ct_value {
	__u64 last_ns;	  /* CLOCK_BOOTTIME (coarse where probed) of the flow's last refresh */
	__u64 created_ns; /* CLOCK_BOOTTIME */
	__u8 origin;	  /* EGRESS_CT_* */
	__u8 reason;	  /* the allow reason of the first packet (outbound flows) */
	__u8 hook;	  /* the hook that made it (EGRESS_HOOK_POD or _TC) */
	__u8 pad[5];
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_ct_value) == 24, "egress_ct_value layout");

enum egress_ct_origin {
	EGRESS_CT_OUTBOUND = 1, /* the local side's first packet was allowed by the policy */
	EGRESS_CT_INBOUND = 2,	/* a connection (or datagram) that came in from the remote side */
};

/* Host guard (BPF LSM, bpf/guard.bpf.c): cgroups allowed to make packet (AF_PACKET), AF_XDP and
 * raw IP (SOCK_RAW of AF_INET/AF_INET6) sockets (hash egress_guard_allow, key: __u64 cgroup id of
 * the allowed cgroup or an ancestor, value __u8 1), and the objects only egressd may touch (hash
 * egress_guard_objs).
 * A refused socket is reported as a deny event of hook EGRESS_HOOK_LSM, reason
 * EGRESS_REASON_RAW_SOCKET_REFUSED, whose family is the socket's (AF_INET 2, AF_INET6 10,
 * AF_PACKET 17, AF_XDP 44), sport its type (SOCK_RAW 3, SOCK_DGRAM 2) and dport its protocol (an
 * IP protocol, or AF_PACKET's EtherType), both in network order; the addresses are zero. A refused
 * access to our objects (EGRESS_REASON_TAMPER_REFUSED) has family 0 (AF_UNSPEC) and proto the
 * EGRESS_GUARD_* kind. */
#define EGRESS_DEFAULT_GUARD_ALLOW_ENTRIES 256
#define EGRESS_DEFAULT_GUARD_OBJECT_ENTRIES 1024
/* The deepest cgroup the allow-list check walks up from (ancestors are levels 0..this). */
#define EGRESS_GUARD_MAX_CGROUP_LEVEL 16

/* One of our objects the host guard keeps to egressd (hash egress_guard_objs, value __u8 1): a pin
 * in bpffs by its inode (what bpf_obj_get, unlink and rename name), or a map, program or link by id
 * (what the *_GET_FD_BY_ID commands name). */
struct egress_guard_object {
	__u64 id;   /* the inode number, or the map's, program's or link's id */
	__u32 dev;  /* inodes: the bpffs superblock's s_dev as the kernel holds it (major << 20 | minor) */
	__u32 kind; /* EGRESS_GUARD_* */
};
EGRESS_STATIC_ASSERT(sizeof(struct egress_guard_object) == 16, "egress_guard_object layout");

enum egress_guard_kind {
	EGRESS_GUARD_INODE = 1,
	EGRESS_GUARD_MAP = 2,
	EGRESS_GUARD_PROG = 3,
	EGRESS_GUARD_LINK = 4,
};

#endif /* EGRESS_ABI_H */
