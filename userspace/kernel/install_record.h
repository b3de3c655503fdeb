// The pinned install record (map egress_install, key 0): the map layout and the cgroup an
// installation was made for, and where its TC program sits. The one reader and writer of it, for
// the loader (adoption check), the TC backstop (which moves), uninstall and the pinned view.
#pragma once

#include <egress/abi.h>

#include "common/result.h"

namespace egress::kernel {

Result<egress_install_info> read_install_record(int map_fd);
Status write_install_record(int map_fd, const egress_install_info& info);

// A fresh record for a new installation: this build's map layout, the cgroup, no TC program.
egress_install_info new_install_record(uint64_t cgroup_id);

} // namespace egress::kernel
