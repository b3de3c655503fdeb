#include "kernel/feature_probe.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/unique_handle.h"

namespace egress::kernel {
namespace {

constexpr auto kSockAddr = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
constexpr auto kSkb = BPF_PROG_TYPE_CGROUP_SKB;
constexpr auto kCls = BPF_PROG_TYPE_SCHED_CLS;
constexpr auto kConnect = BPF_CGROUP_INET4_CONNECT;
constexpr auto kEgress = BPF_CGROUP_INET_EGRESS;
constexpr auto kNone = static_cast<bpf_attach_type>(0);

// Versions: the kernel that added each helper (include/uapi/linux/bpf.h history).
#define NEED(type, attach, helper, since)                                                                    \
	{ type, attach, BPF_FUNC_##helper, #helper, since }
constexpr std::array kRequired = {
    // cgroup/connect4|6, cgroup/sendmsg4|6
    HelperNeed NEED(kSockAddr, kConnect, map_lookup_elem, "3.19"),
    HelperNeed NEED(kSockAddr, kConnect, map_update_elem, "3.19"),
    HelperNeed NEED(kSockAddr, kConnect, get_socket_cookie, "4.12"),
    HelperNeed NEED(kSockAddr, kConnect, get_current_cgroup_id, "4.18"),
    HelperNeed NEED(kSockAddr, kConnect, ktime_get_boot_ns, "5.8"),
    HelperNeed NEED(kSockAddr, kConnect, ringbuf_reserve, "5.8"),
    HelperNeed NEED(kSockAddr, kConnect, ringbuf_submit, "5.8"),
    // cgroup_skb/egress|ingress (and the DNS learner they call)
    HelperNeed NEED(kSkb, kEgress, map_lookup_elem, "3.19"),
    HelperNeed NEED(kSkb, kEgress, map_update_elem, "3.19"),
    HelperNeed NEED(kSkb, kEgress, map_delete_elem, "3.19"),
    HelperNeed NEED(kSkb, kEgress, skb_load_bytes, "4.5"),
    HelperNeed NEED(kSkb, kEgress, get_socket_cookie, "4.12"),
    HelperNeed NEED(kSkb, kEgress, skb_cgroup_id, "4.18"),
    HelperNeed NEED(kSkb, kEgress, skb_ancestor_cgroup_id, "4.19"), // whose packet: a pod's (origin.h)
    HelperNeed NEED(kSkb, kEgress, sk_fullsock, "5.1"),
    HelperNeed NEED(kSkb, kEgress, ktime_get_boot_ns, "5.8"),
    HelperNeed NEED(kSkb, kEgress, ringbuf_reserve, "5.8"),
    HelperNeed NEED(kSkb, kEgress, ringbuf_submit, "5.8"),
    // tc (the uplink backstop; loaded with the rest even when not attached)
    HelperNeed NEED(kCls, kNone, map_lookup_elem, "3.19"),
    HelperNeed NEED(kCls, kNone, map_update_elem, "3.19"),
    HelperNeed NEED(kCls, kNone, skb_load_bytes, "4.5"),
    HelperNeed NEED(kCls, kNone, get_socket_cookie, "4.12"),
    HelperNeed NEED(kCls, kNone, sk_fullsock, "5.1"),
    HelperNeed NEED(kCls, kNone, ktime_get_boot_ns, "5.8"),
    HelperNeed NEED(kCls, kNone, ringbuf_reserve, "5.8"),
    HelperNeed NEED(kCls, kNone, ringbuf_submit, "5.8"),
};
constexpr std::array kOptional = {
    HelperNeed NEED(kSockAddr, kConnect, get_current_pid_tgid, "4.2"),
    HelperNeed NEED(kSockAddr, kConnect, get_current_comm, "4.2"),
    HelperNeed NEED(kSockAddr, kConnect, ktime_get_coarse_ns, "5.11"),
    HelperNeed NEED(kSkb, kEgress, ktime_get_coarse_ns, "5.11"),
    HelperNeed NEED(kCls, kNone, ktime_get_coarse_ns, "5.11"),
};
#undef NEED

// Loads `call helper; r0 = 1; exit` (or just the last two without a helper); the fd, or -errno.
int load_probe(bpf_prog_type type, bpf_attach_type attach, int helper, std::string* log) {
	auto insn = [](uint8_t code, uint8_t dst, int32_t imm) {
		bpf_insn i{};
		i.code = code;
		i.dst_reg = dst & 0xf;
		i.imm = imm;
		return i;
	};
	std::array<bpf_insn, 3> insns{};
	size_t n = 0;
	if (helper >= 0)
		insns[n++] = insn(BPF_JMP | BPF_CALL, 0, helper);
	insns[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 1);
	insns[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0);
	std::array<char, 4096> buf{};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach, .log_level = 1,
	            .log_size = static_cast<__u32>(buf.size()), .log_buf = buf.data());
	int fd = bpf_prog_load(type, "aeg_probe", "Dual BSD/GPL", insns.data(), n, &opts);
	if (log)
		*log = buf.data();
	return fd < 0 ? -errno : fd;
}

std::string type_name(bpf_prog_type t) {
	const char* s = libbpf_bpf_prog_type_str(t);
	return s ? s : "type " + std::to_string(t);
}

Error missing(const std::string& feature, const char* since) {
	return Error("this kernel lacks " + feature + ", which aks-egress-guard needs (Linux " + since +
	                 " or later)",
	             ENOTSUP);
}

bool optional_supported(bpf_prog_type type, int helper) {
	for (const auto& n : kOptional)
		if (n.type == type && n.helper == helper) {
			auto r = probe_helper(n);
			return r.ok() && *r;
		}
	return false;
}

// Before 5.11 the kernel charges BPF maps to RLIMIT_MEMLOCK instead of the memory cgroup. libbpf
// raises the limit itself, which needs CAP_SYS_RESOURCE: without it (a container with only the
// DaemonSet's capabilities) the first big map fails with a bare EPERM. bpf_ktime_get_coarse_ns
// came with the same release, so its presence tells the accounting (libbpf probes it the same way).
Status check_memlock() {
	if (optional_supported(kSkb, BPF_FUNC_ktime_get_coarse_ns))
		return ok_status();
	rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited) == 0)
		return ok_status();
	rlimit now{};
	getrlimit(RLIMIT_MEMLOCK, &now);
	return Error("this kernel charges BPF maps to RLIMIT_MEMLOCK (the memory cgroup does from Linux "
	             "5.11), which is " +
	                 (now.rlim_cur == RLIM_INFINITY ? std::string("unlimited")
	                                                : std::to_string(now.rlim_cur / 1024) + " KiB") +
	                 " here and may not be raised (no CAP_SYS_RESOURCE): run egressd with an "
	                 "unlimited memlock limit, or on Linux 5.11 or later",
	             EPERM);
}

} // namespace

std::span<const HelperNeed> required_helpers() {
	return kRequired;
}
std::span<const HelperNeed> optional_helpers() {
	return kOptional;
}

HelperProbe classify_helper_probe(int err, std::string_view log) {
	if (log.find("invalid func ") != std::string_view::npos)
		return HelperProbe::unknown_helper; // "invalid func unknown#181": no such helper at all
	if (log.find("unknown func ") != std::string_view::npos ||
	    log.find("program of this type cannot use helper ") != std::string_view::npos)
		return HelperProbe::not_for_type; // before 6.10, and from 6.10 on
	(void)err; // loaded, or refused for the probe's (absent) arguments: the helper is there
	return HelperProbe::supported;
}

Result<bool> probe_helper(const HelperNeed& need) {
	std::string log;
	int fd = load_probe(need.type, need.attach, need.helper, &log);
	if (fd >= 0) {
		UniqueFd owned(fd);
		return true;
	}
	if (fd != -EINVAL && fd != -EACCES)
		return Error::from_errno(-fd, "probing the BPF helper bpf_" + std::string(need.name));
	return classify_helper_probe(fd, log) == HelperProbe::supported;
}

Status check_required_features() {
	// The kernel does not change under a running process: once everything was there, it stays.
	static std::atomic<bool> all_there{false};
	if (all_there.load())
		return ok_status();
	for (const auto& need : kRequired) {
		auto r = probe_helper(need);
		if (!r.ok())
			return std::move(r).error();
		if (!*r)
			return missing("the BPF helper bpf_" + std::string(need.name) + " for " +
			                   type_name(need.type) + " programs",
			               need.since);
	}
	// bpf_link for cgroup programs: the pins that keep enforcement up while no daemon runs.
	int prog_fd = load_probe(kSockAddr, kConnect, -1, nullptr);
	if (prog_fd < 0)
		return Error::from_errno(-prog_fd, "probing BPF links (loading a cgroup program)");
	UniqueFd prog(prog_fd);
	// A bad cgroup fd: the kernel answers EBADF when it has cgroup links, EINVAL when it does not.
	UniqueFd link(bpf_link_create(prog.get(), -1, kConnect, nullptr));
	if (!link.valid() && errno != EBADF)
		return missing("BPF links for cgroup programs (BPF_LINK_CREATE)", "5.7");
	UniqueFd rb(bpf_map_create(BPF_MAP_TYPE_RINGBUF, "aeg_probe", 0, 0,
	                           static_cast<__u32>(sysconf(_SC_PAGESIZE)), nullptr));
	if (!rb)
		return missing("the BPF ring buffer (BPF_MAP_TYPE_RINGBUF)", "5.8");
	EGRESS_TRY(check_memlock());
	all_there.store(true);
	return ok_status();
}

bool kernel_has_lpm_batch() {
	LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = BPF_F_NO_PREALLOC);
	UniqueFd fd(bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "aeg_probe", 8, 4, 1, &mopts));
	if (!fd)
		return false;
	struct {
		__u32 prefixlen = 32;
		__u8 addr[4] = {192, 0, 2, 1};
	} key;
	__u32 value = 0, count = 1;
	LIBBPF_OPTS(bpf_map_batch_opts, bopts, .elem_flags = BPF_ANY);
	return bpf_map_update_batch(fd.get(), &key, &value, &count, &bopts) == 0;
}

bool kernel_has_task_info() {
	return optional_supported(kSockAddr, BPF_FUNC_get_current_pid_tgid) &&
	       optional_supported(kSockAddr, BPF_FUNC_get_current_comm);
}

bool kernel_has_coarse_clock() {
	for (auto type : {kSockAddr, kSkb, kCls})
		if (!optional_supported(type, BPF_FUNC_ktime_get_coarse_ns))
			return false;
	return true;
}

} // namespace egress::kernel
