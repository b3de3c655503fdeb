#include "kernel/pod_attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/route/classifier.h>
#include <netlink/route/tc.h>
#include <netlink/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <string>

#include <egress/abi.h>

#include "kernel/tc_backstop.h"

namespace egress::kernel {
namespace {

// Linux 6.6 UAPI (include/uapi/linux/bpf.h), newer than the headers this builds against.
constexpr int kTcxIngress = 46;       // BPF_TCX_INGRESS
constexpr int kTcxEgress = 47;        // BPF_TCX_EGRESS
constexpr uint32_t kBefore = 1u << 3; // BPF_F_BEFORE: with no relative program, first of all

enum class Tcx { unknown, yes, no };
std::atomic<Tcx> g_tcx{Tcx::unknown};

std::string if_text(uint32_t ifindex) {
	return "ifindex " + std::to_string(ifindex);
}

// ---- TCX ----------------------------------------------------------------------------------

// A TCX link for one direction: replaced in place when pinned already, else created and pinned.
Status tcx_link(int prog_fd, uint32_t ifindex, bool ingress, const PinLayout& pins) {
	std::string pin = pins.link(pod_link_name(ifindex, ingress));
	if (int fd = bpf_obj_get(pin.c_str()); fd >= 0) {
		UniqueFd link(fd);
		if (bpf_link_update(link.get(), prog_fd, nullptr) == 0)
			return ok_status();
		// Defunct (the interface of that index went away and came back): make a new one.
		unlink(pin.c_str());
	}
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = kBefore);
	int fd = bpf_link_create(prog_fd, static_cast<int>(ifindex),
	                         static_cast<bpf_attach_type>(ingress ? kTcxIngress : kTcxEgress), &opts);
	if (fd < 0)
		return Error::from_errno(errno, "creating a TCX link on " + if_text(ifindex));
	UniqueFd link(fd);
	if (bpf_obj_pin(link.get(), pin.c_str()) != 0)
		return Error::from_errno(errno, "pinning the TCX link at " + pin);
	return ok_status();
}

Status tcx_unlink(uint32_t ifindex, bool ingress, const PinLayout& pins) {
	std::string pin = pins.link(pod_link_name(ifindex, ingress));
	if (int fd = bpf_obj_get(pin.c_str()); fd >= 0) {
		UniqueFd link(fd);
		(void)bpf_link_detach(link.get()); // a defunct link is already off
	}
	if (unlink(pin.c_str()) != 0 && errno != ENOENT)
		return Error::from_errno(errno, "unpinning " + pin);
	return ok_status();
}

// ---- TC (clsact) ---------------------------------------------------------------------------

// Another agent's filter on the hook that runs before ours (or at our priority): described, or "".
std::string foreign_filter(uint32_t ifindex, bool ingress) {
	nl_sock* sock = nl_socket_alloc();
	if (!sock)
		return "";
	std::string found;
	if (nl_connect(sock, NETLINK_ROUTE) == 0) {
		nl_cache* cache = nullptr;
		uint32_t parent = TC_H_MAKE(TC_H_CLSACT, ingress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);
		// No clsact qdisc: no filters (the dump then fails, which is the same answer).
		if (rtnl_cls_alloc_cache(sock, static_cast<int>(ifindex), parent, &cache) == 0) {
			for (nl_object* o = nl_cache_get_first(cache); o && found.empty();
			     o = nl_cache_get_next(o)) {
				auto* cls = reinterpret_cast<rtnl_cls*>(o);
				uint32_t prio = rtnl_cls_get_prio(cls);
				uint32_t handle = rtnl_tc_get_handle(TC_CAST(cls));
				const char* kind = rtnl_tc_get_kind(TC_CAST(cls));
				if (prio == kTcPriority && handle == kTcHandle)
					continue;
				if (prio <= kTcPriority) {
					std::array<char, 96> what{};
					snprintf(what.data(), what.size(),
					         "%s filter at priority %u, handle 0x%x", kind ? kind : "?",
					         prio, handle);
					found = what.data();
				}
			}
			nl_cache_free(cache);
		}
	}
	nl_socket_free(sock);
	return found;
}

Result<bool> tc_filter(int prog_fd, uint32_t ifindex, bool ingress) {
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex),
	            .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	int err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return Error::from_errno(err, "creating clsact on " + if_text(ifindex));
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE, .handle = kTcHandle,
	            .priority = kTcPriority);
	if (int e = bpf_tc_attach(&hook, &opts); e)
		return Error::from_errno(e, std::string("attaching pod_") + (ingress ? "ingress" : "egress") +
		                                " to " + if_text(ifindex));
	return err == 0;
}

Status attach_tc(const PodPrograms& progs, uint32_t ifindex, uint32_t& flags) {
	for (bool ingress : {true, false})
		if (std::string other = foreign_filter(ifindex, ingress); !other.empty())
			return Error(
			    "pod interface " + if_text(ifindex) + " already has another agent's " + other +
			        " on its " + (ingress ? "ingress" : "egress") +
			        " (Cilium?): it would run before ours, so the pod's frames are not guarded "
			        "there; TCX (Linux 6.6+) runs both",
			    EBUSY);
	auto in = tc_filter(progs.ingress_fd, ifindex, true);
	if (!in.ok())
		return std::move(in).error();
	if (*in)
		flags |= EGRESS_POD_QDISC_OURS;
	auto out = tc_filter(progs.egress_fd, ifindex, false);
	if (!out.ok())
		return std::move(out).error();
	return ok_status();
}

Result<bool> tc_runs(uint32_t ifindex, bool ingress, uint32_t prog_id) {
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex),
	            .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kTcHandle, .priority = kTcPriority);
	int err = bpf_tc_query(&hook, &opts);
	if (err == -ENOENT || err == -EINVAL || err == -ENODEV)
		return false;
	if (err)
		return Error::from_errno(err, "querying the TC filters of " + if_text(ifindex));
	return opts.prog_id == prog_id;
}

// TCX: the programs attached to one direction, in order.
Result<PodHookState> tcx_runs(const PodPrograms& progs, uint32_t ifindex) {
	PodHookState st;
	for (bool ingress : {true, false}) {
		std::array<uint32_t, 64> ids{};
		uint32_t count = ids.size(), attach_flags = 0;
		if (bpf_prog_query(static_cast<int>(ifindex),
		                   static_cast<bpf_attach_type>(ingress ? kTcxIngress : kTcxEgress), 0,
		                   &attach_flags, ids.data(), &count) != 0) {
			if (errno == ENODEV)
				return st;
			return Error::from_errno(errno, "querying the TCX programs of " + if_text(ifindex));
		}
		uint32_t want = ingress ? progs.ingress_id : progs.egress_id;
		bool present = false;
		for (uint32_t i = 0; i < count && i < ids.size(); ++i)
			present = present || ids[i] == want;
		(ingress ? st.ingress : st.egress) = present;
		if (present && count > 0 && ids[0] != want)
			st.first = false;
	}
	return st;
}

} // namespace

std::string pod_link_name(uint32_t ifindex, bool ingress) {
	return "pod-" + std::to_string(ifindex) + (ingress ? "-ingress" : "-egress");
}

std::optional<uint32_t> pod_link_ifindex(const std::string& name) {
	if (name.rfind("pod-", 0) != 0)
		return std::nullopt;
	size_t dash = name.find('-', 4);
	if (dash == std::string::npos || dash == 4)
		return std::nullopt;
	uint32_t ifindex = 0;
	for (size_t i = 4; i < dash; ++i) {
		if (name[i] < '0' || name[i] > '9')
			return std::nullopt;
		ifindex = ifindex * 10 + static_cast<uint32_t>(name[i] - '0');
	}
	return ifindex;
}

Result<uint32_t> attach_pod_programs(const PodPrograms& progs, uint32_t ifindex, uint32_t flags,
                                     const PinLayout& pins) {
	bool was_tc = flags != 0 && !(flags & EGRESS_POD_TCX);
	if (!was_tc && g_tcx.load() != Tcx::no) {
		Status in = tcx_link(progs.ingress_fd, ifindex, true, pins);
		if (in.ok()) {
			g_tcx = Tcx::yes;
			EGRESS_TRY(tcx_link(progs.egress_fd, ifindex, false, pins));
			return static_cast<uint32_t>(EGRESS_POD_TCX);
		}
		// Before 6.6 link_create knows no TCX attach type: EINVAL. Anything else is a real error.
		if (in.error().code() != EINVAL || g_tcx.load() == Tcx::yes)
			return std::move(in).error();
		g_tcx = Tcx::no;
	}
	uint32_t out = flags & EGRESS_POD_QDISC_OURS;
	EGRESS_TRY(attach_tc(progs, ifindex, out));
	return out;
}

Status detach_pod_programs(uint32_t ifindex, uint32_t flags, const PinLayout& pins) {
	if (flags & EGRESS_POD_TCX) {
		EGRESS_TRY(tcx_unlink(ifindex, true, pins));
		return tcx_unlink(ifindex, false, pins);
	}
	for (bool ingress : {true, false}) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex),
		            .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kTcHandle, .priority = kTcPriority);
		int err = bpf_tc_detach(&hook, &opts);
		if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
			return Error::from_errno(err, "detaching the pod programs from " + if_text(ifindex));
	}
	if (flags & EGRESS_POD_QDISC_OURS) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex),
		            .attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
		int err = bpf_tc_hook_destroy(&hook);
		if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
			return Error::from_errno(err, "removing our clsact qdisc from " + if_text(ifindex));
	}
	return ok_status();
}

Result<PodHookState> query_pod_programs(const PodPrograms& progs, uint32_t ifindex, uint32_t flags) {
	if (flags & EGRESS_POD_TCX)
		return tcx_runs(progs, ifindex);
	PodHookState st;
	auto in = tc_runs(ifindex, true, progs.ingress_id);
	if (!in.ok())
		return std::move(in).error();
	auto out = tc_runs(ifindex, false, progs.egress_id);
	if (!out.ok())
		return std::move(out).error();
	st.ingress = *in;
	st.egress = *out;
	return st;
}

} // namespace egress::kernel
