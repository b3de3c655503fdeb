// Finding the node's filesystems from /proc/self/mounts: the cgroup v2 root (pure v2 nodes mount it
// at /sys/fs/cgroup, hybrid ones at /sys/fs/cgroup/unified) and bpffs.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace egress {

// The mount point of the first mount of `fstype` in a /proc/mounts-formatted text.
Result<std::string> find_mount(std::string_view mounts_text, std::string_view fstype);

// The same, reading /proc/self/mounts.
Result<std::string> find_mount(std::string_view fstype);

inline Result<std::string> cgroup2_mount() {
	return find_mount("cgroup2").context("finding the cgroup v2 mount");
}

} // namespace egress
