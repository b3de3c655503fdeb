// The links of a datapath as the tamper check sees them: each pinned cgroup link must exist, be
// attached to our cgroup and run our program; the TC backstop must run our program where the
// install record says it is. What differs is put right.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "kernel/datapath_impl.h"
#include "kernel/install_record.h"
#include "kernel/tc_backstop.h"

namespace egress::kernel {
namespace {

uint32_t prog_id(int fd) {
	bpf_prog_info info{};
	uint32_t len = sizeof(info);
	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

} // namespace

Status attach_cgroup_link(Datapath::Impl& impl, bpf_program* p, int cgroup_fd) {
	std::string pin = impl.pins.link(bpf_program__name(p));
	UniqueLink link(bpf_program__attach_cgroup(p, cgroup_fd));
	if (!link)
		return Error::from_errno(errno, std::string("attaching ") + bpf_program__name(p) + " to " +
		                                    impl.opts.cgroup_path);
	if (int err = bpf_link__pin(link.get(), pin.c_str()); err)
		return Error::from_errno(err, "pinning link at " + pin);
	// Destroying our handle closes our fd; the pin is then the link's only reference, so that
	// unpinning it (uninstall, or someone else) really detaches it while egressd runs. (A
	// bpf_link__disconnect() here would leak the fd, and with it a second reference.)
	return ok_status();
}

Result<std::vector<std::string>> Datapath::repair_links() {
	std::vector<std::string> repaired;
	egress_bpf* s = impl_->skel.get();
	int cg_fd = open(impl_->opts.cgroup_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0)
		return Error::from_errno(errno, "opening cgroup " + impl_->opts.cgroup_path);
	UniqueFd cg(cg_fd);
	for (bpf_program* p : cgroup_programs(s)) {
		std::string name = bpf_program__name(p);
		std::string pin = impl_->pins.link(name);
		uint32_t want = prog_id(bpf_program__fd(p));
		int fd = bpf_obj_get(pin.c_str());
		if (fd < 0) {
			EGRESS_TRY(attach_cgroup_link(*impl_, p, cg.get()));
			repaired.push_back("link " + name +
			                   " was unpinned (and so detached): attached again");
			continue;
		}
		UniqueFd link(fd);
		bpf_link_info info{};
		uint32_t len = sizeof(info);
		if (bpf_obj_get_info_by_fd(link.get(), &info, &len) != 0)
			return Error::from_errno(errno, "reading link " + pin);
		if (info.type != BPF_LINK_TYPE_CGROUP || info.cgroup.cgroup_id != impl_->cgroup_id) {
			// Detached (BPF_LINK_DETACH leaves the pin of a link that guards nothing).
			if (unlink(pin.c_str()) != 0)
				return Error::from_errno(errno, "unpinning the detached link " + pin);
			EGRESS_TRY(attach_cgroup_link(*impl_, p, cg.get()));
			repaired.push_back("link " + name + " was detached from the cgroup: attached again");
		} else if (info.prog_id != want) {
			if (bpf_link_update(link.get(), bpf_program__fd(p), nullptr) != 0)
				return Error::from_errno(errno, "putting our program back into link " + pin);
			repaired.push_back("link " + name + " ran program id " +
			                   std::to_string(info.prog_id) + ": ours again");
		}
	}
	return repaired;
}

Result<bool> Datapath::tc_backstop_attached() const {
	auto info = read_install_record(map_fd(MapId::install));
	if (!info.ok())
		return std::move(info).error();
	if (info->tc_ifindex == 0)
		return true; // nothing to check
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(info->tc_ifindex),
	            .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kTcHandle, .priority = kTcPriority);
	int err = bpf_tc_query(&hook, &opts);
	if (err == -ENOENT || err == -EINVAL)
		return false;
	if (err)
		return Error::from_errno(err, "querying the TC backstop");
	return opts.prog_id == prog_id(bpf_program__fd(impl_->skel->progs.tc_backstop));
}

} // namespace egress::kernel
