// cgroup v2 facts the kernel's programs are told about: a cgroup's id (what bpf_skb_cgroup_id and
// bpf_skb_ancestor_cgroup_id return) and its level, and where kubelet keeps the pods.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"

namespace egress {

// The cgroup v2 id of a cgroup directory: its kernfs inode number.
Result<uint64_t> cgroup_id_of(const std::string& cgroup_path);

// A cgroup as bpf_skb_ancestor_cgroup_id(skb, level) finds it.
struct CgroupRef {
	std::string path;
	uint64_t id = 0;
	uint32_t level = 0; // depth below the hierarchy's root (the root is level 0)
};

// `path`'s id and level below `root`, the cgroup v2 mount point. The level counts from the mount
// point, which is the hierarchy's root on a node (egressd's hostPath /sys/fs/cgroup); a cgroup
// namespace's own mount would shift it. Errors: not a directory, not below `root`.
Result<CgroupRef> cgroup_ref(const std::string& root, const std::string& path);

// The cgroup every pod's cgroup descends from: kubelet's `kubepods.slice` (systemd cgroup driver,
// AKS) or `kubepods` (cgroupfs driver), directly below `parent` (the cgroup egressd attaches to).
// nullopt when neither exists (yet).
std::optional<std::string> find_pods_cgroup(const std::string& parent);

} // namespace egress
