#include "kernel/tc_backstop.h"

#include <bpf/libbpf.h>
#include <net/if.h>

#include <cerrno>

namespace egress::kernel {

namespace {

// Our ingress filter on or off (the direction a reporting backstop does not use).
Status set_ingress_filter(int ifindex, int prog_fd, const std::string& ifname) {
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	if (prog_fd < 0) {
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kTcHandle, .priority = kTcPriority);
		int err = bpf_tc_detach(&hook, &opts);
		if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
			return Error::from_errno(err, "detaching the uplink's ingress filter from " + ifname);
		return ok_status();
	}
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE, .handle = kTcHandle,
	            .priority = kTcPriority);
	if (int err = bpf_tc_attach(&hook, &opts); err)
		return Error::from_errno(err, "attaching the uplink's ingress filter to " + ifname);
	return ok_status();
}

} // namespace

Result<TcAttachment> attach_tc_backstop(int prog_fd, int ingress_fd, const std::string& ifname) {
	TcAttachment tc;
	tc.ifindex = if_nametoindex(ifname.c_str());
	if (tc.ifindex == 0)
		return Error::from_errno(errno, "finding interface " + ifname);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(tc.ifindex),
	            .attach_point = BPF_TC_EGRESS);
	int err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return Error::from_errno(err, "creating clsact on " + ifname);
	tc.qdisc_ours = err == 0;
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE, .handle = kTcHandle,
	            .priority = kTcPriority);
	err = bpf_tc_attach(&hook, &opts);
	if (!err) {
		Status in = set_ingress_filter(static_cast<int>(tc.ifindex), ingress_fd, ifname);
		if (in.ok())
			return tc;
		bpf_tc_detach(&hook, &opts);
		err = -in.error().code();
	}
	if (tc.qdisc_ours) {
		hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
		bpf_tc_hook_destroy(&hook);
	}
	return Error::from_errno(err, "attaching the TC backstop to " + ifname);
}

Status detach_tc_backstop(const TcAttachment& tc) {
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(tc.ifindex),
	            .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kTcHandle, .priority = kTcPriority);
	int err = bpf_tc_detach(&hook, &opts);
	if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
		return Error::from_errno(err, "detaching the TC backstop from ifindex " +
		                                  std::to_string(tc.ifindex));
	EGRESS_TRY(
	    set_ingress_filter(static_cast<int>(tc.ifindex), -1, "ifindex " + std::to_string(tc.ifindex)));
	if (tc.qdisc_ours) {
		// Destroying both directions removes the whole clsact qdisc: ours, so that is right.
		hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
		err = bpf_tc_hook_destroy(&hook);
		if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
			return Error::from_errno(err, "removing our clsact qdisc");
	}
	return ok_status();
}

BackstopMove plan_backstop_move(uint32_t attached_ifindex, const std::optional<Uplink>& to) {
	BackstopMove m;
	if (!to || to->ifindex <= 0) {
		m.detach_old = attached_ifindex != 0;
		return m;
	}
	uint32_t target = static_cast<uint32_t>(to->ifindex);
	m.attach_new = true;
	m.detach_old = attached_ifindex != 0 && attached_ifindex != target;
	m.keep_qdisc_flags = attached_ifindex == target;
	return m;
}

} // namespace egress::kernel
