#include "daemon/uplink_backstop.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>

#include "daemon/uplink_plan.h"
#include "egress.skel.h"
#include "kernel/tc_backstop.h"

namespace egress::daemon {

namespace {

Result<egress_install_info> read_info(const kernel::Datapath& dp) {
	egress_install_info info{};
	uint32_t zero = 0;
	if (bpf_map_lookup_elem(dp.map_fd(kernel::MapId::install), &zero, &info) != 0)
		return Error::from_errno(errno, "reading the install record");
	return info;
}

Status write_info(const kernel::Datapath& dp, const egress_install_info& info) {
	uint32_t zero = 0;
	if (bpf_map_update_elem(dp.map_fd(kernel::MapId::install), &zero, &info, 0) != 0)
		return Error::from_errno(errno, "recording the TC attachment");
	return ok_status();
}

} // namespace

Result<uint32_t> attached_backstop(const kernel::Datapath& dp) {
	auto info = read_info(dp);
	if (!info.ok())
		return std::move(info).error();
	return info->tc_ifindex;
}

Result<uint32_t> move_backstop(kernel::Datapath& dp, const std::optional<kernel::Uplink>& to) {
	auto info = read_info(dp);
	if (!info.ok())
		return std::move(info).error();
	BackstopMove move = plan_backstop_move(info->tc_ifindex, to);
	if (move.detach_old) {
		kernel::TcAttachment old{info->tc_ifindex, (info->flags & EGRESS_INSTALL_TC_QDISC_OURS) != 0};
		// A vanished interface took the filter with it: detach tolerates that.
		EGRESS_TRY_CTX(kernel::detach_tc_backstop(old), "removing the TC backstop");
		info->tc_ifindex = 0;
		info->flags &= ~static_cast<uint32_t>(EGRESS_INSTALL_TC_QDISC_OURS);
		EGRESS_TRY(write_info(dp, *info));
	}
	if (!move.attach_new)
		return info->tc_ifindex;
	auto tc = kernel::attach_tc_backstop(bpf_program__fd(dp.skeleton()->progs.tc_backstop), to->ifname);
	// On failure the record stands: the old interface was already cleared above, and on the same
	// interface the previous filter is left as it was.
	if (!tc.ok())
		return std::move(tc).error().wrap("attaching the TC backstop to " + to->ifname);
	if (!move.keep_qdisc_flags) {
		info->flags &= ~static_cast<uint32_t>(EGRESS_INSTALL_TC_QDISC_OURS);
		if (tc->qdisc_ours)
			info->flags |= EGRESS_INSTALL_TC_QDISC_OURS;
	}
	info->tc_ifindex = tc->ifindex;
	EGRESS_TRY(write_info(dp, *info));
	return info->tc_ifindex;
}

} // namespace egress::daemon
