// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The host guard (BPF LSM), an object of its own: BPF_PROG_TYPE_LSM programs attach by the kernel's
 * BTF and run only where the kernel was booted with "bpf" in its lsm= list, and a datapath object
 * holding them would fail to load everywhere else (libbpf loads an object whole). The datapath
 * never needs the kernel's BTF; this object does (its few struct fields are read with CO-RE
 * against minimal local types, below).
 *
 *   guard_socket      packet (AF_PACKET), AF_XDP and raw IP (SOCK_RAW of AF_INET/AF_INET6)
 *                     sockets only for allow-listed cgroups: packet and XDP frames never meet a
 *                     socket hook, and a raw IP socket writes its own headers (IP_HDRINCL: any
 *                     source address)
 *   guard_inode,      our pins: opening one for writing (bpf_obj_get of a link, of a map without
 *   guard_rename      BPF_F_RDONLY), and creating, removing or renaming anything in our pin
 *                     directories, only for egressd (its process)
 *   guard_map,        our maps and programs by id (BPF_*_GET_FD_BY_ID, CAP_SYS_ADMIN) or pin:
 *   guard_prog        the same (a map opened BPF_F_RDONLY stays readable)
 *   guard_bpf_cmd     our links by id (BPF_LINK_GET_FD_BY_ID): links have no LSM hook of their
 *                     own, so the bpf() command is checked (its pins are guard_inode's: a link pin
 *                     opens only read-write)
 *
 * The raw-socket guard leaves everything outside the guarded cgroup (egressd's cgroupPath) alone;
 * the object guard guards against every process but egressd. */
#include <linux/bpf.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <egress/abi.h>
#include "lib/counters.h"
#include "lib/events.h"
#include "lib/flow.h"
#include "lib/guard_maps.h"
#include "lib/maps.h"

#define EPERM 1
#define AF_INET 2
#define AF_INET6 10
#define AF_PACKET 17
#define AF_XDP 44
#define SOCK_RAW 3
#define MAY_WRITE 0x00000002 /* include/linux/fs.h */
#define FMODE_WRITE 0x2	     /* include/linux/fs.h */

/* The fields read, as CO-RE relocates them against the running kernel's BTF. */
struct super_block {
	__u32 s_dev;
} __attribute__((preserve_access_index));
struct inode {
	unsigned long i_ino;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));
struct dentry {
	struct inode *d_inode;
} __attribute__((preserve_access_index));
struct bpf_map {
	__u32 id;
} __attribute__((preserve_access_index));
struct bpf_prog_aux {
	__u32 id;
} __attribute__((preserve_access_index));
struct bpf_prog {
	struct bpf_prog_aux *aux;
} __attribute__((preserve_access_index));

/* Set by the loader (kernel/host_guard.cpp). egressd is known by its process, as its own pid
 * namespace numbers it: in a container with a cgroup namespace of its own, egressd cannot name its
 * cgroup, and a process moved into that cgroup is not egressd. */
const volatile __u64 scope_cgroup_id = 0; /* the guarded cgroup (egressd's cgroupPath) */
const volatile __u32 scope_level = 0;	  /* its depth below the cgroup2 root; 0: everything */
const volatile __u64 owner_pidns_dev = 0; /* egressd's pid namespace (stat of /proc/self/ns/pid) */
const volatile __u64 owner_pidns_ino = 0;
const volatile __u32 owner_tgid = 0; /* egressd's pid in that namespace */

static __always_inline int in_scope(void)
{
	return scope_level == 0 ||
	       bpf_get_current_ancestor_cgroup_id(scope_level) == scope_cgroup_id;
}

static __always_inline int is_owner(void)
{
	struct bpf_pidns_info ns = {};

	/* Fails (nonzero) for a task outside egressd's pid namespace: not egressd. */
	if (bpf_get_ns_current_pid_tgid(owner_pidns_dev, owner_pidns_ino, &ns, sizeof(ns)))
		return 0;
	return ns.tgid == owner_tgid;
}

/* The current cgroup or one of its ancestors is on the allow-list. */
static __always_inline int allow_listed(void)
{
	for (int level = 1; level <= EGRESS_GUARD_MAX_CGROUP_LEVEL; level++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(level);

		if (!id)
			break;
		if (bpf_map_lookup_elem(&egress_guard_allow, &id))
			return 1;
	}
	return 0;
}

static __always_inline int ours(__u64 id, __u32 dev, __u32 kind)
{
	struct egress_guard_object k = {.id = id, .dev = dev, .kind = kind};

	return bpf_map_lookup_elem(&egress_guard_objs, &k) != NULL;
}

static __always_inline int inode_ours(struct inode *inode)
{
	if (!inode)
		return 0;
	return ours(BPF_CORE_READ(inode, i_ino), BPF_CORE_READ(inode, i_sb, s_dev),
		    EGRESS_GUARD_INODE);
}

/* A refused access to our objects: counted and reported, in audit mode too (audit is about
 * traffic; nothing but egressd has reason to change its objects). */
static __always_inline int refuse_object(__u32 kind)
{
	struct flow f = {};

	f.hook = EGRESS_HOOK_LSM;
	f.proto = kind;
	f.cgroup_id = bpf_get_current_cgroup_id();
	count(EGRESS_HOOK_LSM, EGRESS_REASON_TAMPER_REFUSED);
	emit_deny(&f, EGRESS_VERDICT_DENY, EGRESS_REASON_TAMPER_REFUSED, 1);
	return -EPERM;
}

/* The sockets whose frames no socket hook judges. Netlink's SOCK_RAW is not one of them. */
static __always_inline int guarded_socket(int family, int type)
{
	if (family == AF_PACKET || family == AF_XDP)
		return 1;
	return (family == AF_INET || family == AF_INET6) && type == SOCK_RAW;
}

SEC("lsm/socket_create")
int BPF_PROG(guard_socket, int family, int type, int protocol, int kern)
{
	struct flow f = {};

	/* type has no SOCK_NONBLOCK/SOCK_CLOEXEC bits here: socket() masked them off. */
	if (kern || !guarded_socket(family, type) || !in_scope() || allow_listed())
		return 0;
	f.hook = EGRESS_HOOK_LSM;
	f.family = family;
	f.sport = bpf_htons((__u16)type);
	/* AF_PACKET's protocol is an EtherType socket() already takes in network order. */
	f.dport = family == AF_PACKET ? (__be16)protocol : bpf_htons((__u16)protocol);
	f.cgroup_id = bpf_get_current_cgroup_id();
	return deny(&f, EGRESS_REASON_RAW_SOCKET_REFUSED, 1) ? 0 : -EPERM;
}

SEC("lsm/inode_permission")
int BPF_PROG(guard_inode, struct inode *inode, int mask)
{
	/* Most calls are lookups and reads: they leave before anything is read from the inode. */
	if (!(mask & MAY_WRITE) || is_owner() || !inode_ours(inode))
		return 0;
	return refuse_object(EGRESS_GUARD_INODE);
}

SEC("lsm/inode_rename")
int BPF_PROG(guard_rename, struct inode *old_dir, struct dentry *old_dentry, struct inode *new_dir,
	     struct dentry *new_dentry)
{
	/* Renaming our pin directory within its parent needs no write access to it. */
	if (is_owner() || !inode_ours(BPF_CORE_READ(old_dentry, d_inode)))
		return 0;
	return refuse_object(EGRESS_GUARD_INODE);
}

SEC("lsm/bpf_map")
int BPF_PROG(guard_map, struct bpf_map *map, unsigned int fmode)
{
	if (!(fmode & FMODE_WRITE) || is_owner() ||
	    !ours(BPF_CORE_READ(map, id), 0, EGRESS_GUARD_MAP))
		return 0;
	return refuse_object(EGRESS_GUARD_MAP);
}

SEC("lsm/bpf_prog")
int BPF_PROG(guard_prog, struct bpf_prog *prog)
{
	if (is_owner() || !ours(BPF_CORE_READ(prog, aux, id), 0, EGRESS_GUARD_PROG))
		return 0;
	return refuse_object(EGRESS_GUARD_PROG);
}

SEC("lsm/bpf")
int BPF_PROG(guard_bpf_cmd, int cmd, union bpf_attr *attr, unsigned int size)
{
	__u32 id = 0;

	if (cmd != BPF_LINK_GET_FD_BY_ID || is_owner())
		return 0;
	/* The kernel's copy of the caller's attr: its UAPI layout is fixed (link_id since 5.8). */
	if (bpf_probe_read_kernel(&id, sizeof(id), &attr->link_id) ||
	    !ours(id, 0, EGRESS_GUARD_LINK))
		return 0;
	return refuse_object(EGRESS_GUARD_LINK);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
