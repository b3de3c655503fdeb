// The state behind kernel::Datapath, shared by its implementation files (datapath.cpp: load and
// attach; link_check.cpp: the tamper check of the links). Internal to kernel/.
#pragma once

#include <bpf/libbpf.h>

#include <string>
#include <vector>

#include <egress/abi.h>

#include "egress.skel.h"
#include "kernel/datapath.h"
#include "kernel/libbpf_handles.h"
#include "kernel/pins.h"

namespace egress::kernel {

struct Datapath::Impl {
	DatapathOptions opts;
	PinLayout pins{""};
	UniqueSkeleton<egress_bpf> skel;
	std::string log;
	uint64_t cgroup_id = 0;
	bool adopted = false;
	bool pins_persist = true; // false when load() mounted the bpffs itself
	egress_install_info install{};
};

// The programs attached to the cgroup, each through a link pinned at links/<program>.
inline std::vector<bpf_program*> cgroup_programs(egress_bpf* s) {
	return {s->progs.connect4, s->progs.connect6,   s->progs.sendmsg4,
	        s->progs.sendmsg6, s->progs.skb_egress, s->progs.skb_ingress};
}

// A new link of `p` on the cgroup `cgroup_fd`, pinned at links/<program> (the pin keeps it).
Status attach_cgroup_link(Datapath::Impl& impl, bpf_program* p, int cgroup_fd);

} // namespace egress::kernel
