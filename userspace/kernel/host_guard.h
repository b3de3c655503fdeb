// The host guard (bpf/guard.bpf.c, BPF LSM): packet, AF_XDP and raw IP sockets only for
// allow-listed cgroups, and our objects only for the process that loaded it (egressd, known by its
// pid in its own pid namespace). An object of its own, loaded next to a datapath whose pinned maps
// it shares (counters, events, config), and only where the kernel can run it:
//
//   bpf_lsm_status()  "bpf" in the running kernel's LSM list (/sys/kernel/security/lsm: a kernel
//                     built with CONFIG_BPF_LSM that was not booted with bpf in lsm= never calls
//                     the hooks, and a program attached there would guard nothing), and the
//                     kernel's BTF (LSM programs attach by BTF id; CO-RE reads three fields)
//
// The raw-socket guard's link is pinned (links/guard_socket): like the datapath it keeps guarding
// while egressd is down; a new egressd attaches its own link before it drops the old one, so there
// is no gap. The object guard's links live as long as this HostGuard (so as egressd): egressd's
// identity is its process, and a new egressd (a new container) must be able to take over.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <egress/abi.h>

#include "common/result.h"
#include "kernel/datapath.h"

namespace egress::kernel {

struct BpfLsmStatus {
	bool available = false;
	std::string why_not; // when not available: what is missing, and how to get it
	std::string lsm_list;
};

// `lsm_file`: the kernel's active LSM list (securityfs).
BpfLsmStatus bpf_lsm_status(const std::string& lsm_file = "/sys/kernel/security/lsm");
// The pure part: the list's text, and whether kernel BTF is there.
BpfLsmStatus bpf_lsm_status_of(std::optional<std::string> lsm_list, bool kernel_btf);

struct HostGuardOptions {
	bool raw_sockets = true;
	bool objects = true;
	uint64_t scope_cgroup_id = 0; // the guarded cgroup (the datapath's)
	uint32_t scope_level = 0;     // its depth below the cgroup2 mount; 0: the whole node
};

class HostGuard {
public:
	// Loads and attaches what `opts` asks for (at least one); the calling process becomes the one
	// the object guard lets through. The error carries the verifier's or libbpf's words.
	static Result<HostGuard> load(const Datapath& dp, const HostGuardOptions& opts);
	HostGuard(HostGuard&&) noexcept;
	HostGuard& operator=(HostGuard&&) noexcept;
	~HostGuard(); // the object guard ends here; the pinned raw-socket guard stays

	// Makes the allow-list (cgroup ids) and the protected objects hold exactly these.
	Status allow(const std::vector<uint64_t>& cgroup_ids) const;
	Status protect(const std::vector<egress_guard_object>& objects) const;
	// The ids of the guard's own programs and maps (protected too).
	std::vector<egress_guard_object> own_objects() const;
	// The tamper check: the raw-socket guard's pin is there; when it was removed, a new link is
	// attached and pinned (true: repaired).
	Result<bool> repair_socket_guard(const PinLayout& pins) const;

	struct Impl;

private:
	explicit HostGuard(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

// Removes a raw-socket guard an earlier egressd pinned (hostGuard.rawSockets turned off).
Status unpin_raw_socket_guard(const PinLayout& pins);

// Our pins as the object guard names them: the pin directory, maps/, links/ and every file in them
// by inode, and every pinned link by id as well.
Result<std::vector<egress_guard_object>> pin_objects(const PinLayout& pins);
// The ids of a datapath's maps and programs.
std::vector<egress_guard_object> datapath_objects(const Datapath& dp);

} // namespace egress::kernel
