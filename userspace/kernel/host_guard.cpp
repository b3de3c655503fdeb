#include "kernel/host_guard.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "egress.skel.h"
#include "guard.skel.h"
#include "kernel/libbpf_handles.h"
#include "kernel/libbpf_log.h"
#include "kernel/map_writer.h"

namespace egress::kernel {
namespace {

constexpr const char* kSocketLink = "guard_socket";
constexpr size_t kLogBytes = 1u << 20;

std::optional<std::string> read_line(const std::string& path) {
	std::ifstream f(path);
	if (!f)
		return std::nullopt;
	std::string line;
	std::getline(f, line);
	return line;
}

uint32_t info_id(int fd, bool prog) {
	if (prog) {
		bpf_prog_info info{};
		uint32_t len = sizeof(info);
		return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
	}
	bpf_map_info info{};
	uint32_t len = sizeof(info);
	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

template <typename K>
Status apply_set(int fd, const std::vector<K>& keys) {
	auto map = TypedMap<K, uint8_t>::open(fd);
	if (!map.ok())
		return std::move(map).error();
	std::vector<std::pair<K, uint8_t>> want;
	for (const auto& k : keys)
		want.emplace_back(k, uint8_t{1});
	std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) {
		return std::memcmp(&a.first, &b.first, sizeof(K)) < 0;
	});
	want.erase(std::unique(want.begin(), want.end(),
	                       [](const auto& a, const auto& b) {
		                       return std::memcmp(&a.first, &b.first, sizeof(K)) == 0;
	                       }),
	           want.end());
	auto st = map->apply(want);
	if (!st.ok())
		return std::move(st).error();
	return ok_status();
}

uint32_t link_id(int fd) {
	bpf_link_info info{};
	uint32_t len = sizeof(info);
	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

egress_guard_object inode_object(const struct stat& st) {
	egress_guard_object o{};
	o.id = st.st_ino;
	o.dev = (static_cast<uint32_t>(major(st.st_dev)) << 20) | static_cast<uint32_t>(minor(st.st_dev));
	o.kind = EGRESS_GUARD_INODE;
	return o;
}

} // namespace

BpfLsmStatus bpf_lsm_status_of(std::optional<std::string> lsm_list, bool kernel_btf) {
	BpfLsmStatus s;
	if (!lsm_list) {
		s.why_not = "the kernel's LSM list is not readable (/sys/kernel/security/lsm: securityfs not "
		            "mounted in egressd's mount namespace; the DaemonSet mounts it)";
		return s;
	}
	s.lsm_list = *lsm_list;
	std::stringstream in(*lsm_list);
	bool bpf = false;
	for (std::string item; std::getline(in, item, ',');)
		bpf = bpf || item == "bpf";
	if (!bpf) {
		s.why_not = "BPF LSM is not active (the kernel's LSM list is \"" + *lsm_list +
		            "\": boot with \"bpf\" added to lsm=, Linux 5.7+ built with CONFIG_BPF_LSM)";
		return s;
	}
	if (!kernel_btf) {
		s.why_not = "the kernel has no BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF): BPF LSM "
		            "programs attach by it";
		return s;
	}
	s.available = true;
	return s;
}

BpfLsmStatus bpf_lsm_status(const std::string& lsm_file) {
	return bpf_lsm_status_of(read_line(lsm_file), access("/sys/kernel/btf/vmlinux", R_OK) == 0);
}

struct HostGuard::Impl {
	UniqueSkeleton<guard_bpf> skel;
	std::vector<UniqueLink> links; // the object guard (not pinned)
};

HostGuard::HostGuard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
}
HostGuard::HostGuard(HostGuard&&) noexcept = default;
HostGuard& HostGuard::operator=(HostGuard&&) noexcept = default;
HostGuard::~HostGuard() = default;

namespace {

// Every map the guard object shares with the datapath is the datapath's (its pin); the guard's
// own allow-list is pinned next to them, so the pinned raw-socket guard keeps it.
Status share_maps(guard_bpf* s, const PinLayout& pins) {
	bpf_map* m;
	bpf_object__for_each_map(m, s->obj) {
		if (bpf_map__is_internal(m) || m == s->maps.egress_guard_objs)
			continue;
		std::string pin = pins.map(bpf_map__name(m));
		int fd = bpf_obj_get(pin.c_str());
		if (fd < 0) {
			if (errno == ENOENT && m == s->maps.egress_guard_allow)
				continue; // first run: pinned after the load
			return Error::from_errno(errno, "opening pinned map " + pin);
		}
		UniqueFd owned(fd);
		if (int err = bpf_map__reuse_fd(m, fd); err)
			return Error::from_errno(err, "reusing pinned map " + pin);
	}
	return ok_status();
}

std::array<bpf_program*, 5> object_guard(guard_bpf* s) {
	return {s->progs.guard_inode, s->progs.guard_rename, s->progs.guard_map, s->progs.guard_prog,
	        s->progs.guard_bpf_cmd};
}

// A new link of the raw-socket guard, pinned in place of an earlier one (attached first: no gap).
Status attach_socket_guard(guard_bpf* s, const PinLayout& pins) {
	UniqueLink link(bpf_program__attach_lsm(s->progs.guard_socket));
	if (!link)
		return Error::from_errno(errno, "attaching the raw-socket guard (lsm/socket_create)");
	std::string pin = pins.link(kSocketLink);
	if (unlink(pin.c_str()) != 0 && errno != ENOENT)
		return Error::from_errno(errno, "unpinning the previous raw-socket guard");
	if (int err = bpf_link__pin(link.get(), pin.c_str()); err)
		return Error::from_errno(err, "pinning the raw-socket guard at " + pin);
	return ok_status();
}

} // namespace

Result<HostGuard> HostGuard::load(const Datapath& dp, const HostGuardOptions& opts) {
	install_libbpf_logger();
	auto impl = std::make_unique<Impl>();
	std::string log(kLogBytes, '\0');
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .kernel_log_buf = log.data(),
	            .kernel_log_size = log.size(), .kernel_log_level = 0);
	impl->skel.reset(guard_bpf::open(&open_opts));
	if (!impl->skel)
		return Error::from_errno(errno, "opening the host guard").wrap(take_libbpf_log());
	guard_bpf* s = impl->skel.get();
	s->rodata->scope_cgroup_id = opts.scope_cgroup_id;
	s->rodata->scope_level = opts.scope_level;
	struct stat pidns {};
	if (stat("/proc/self/ns/pid", &pidns) != 0)
		return Error::from_errno(errno, "stat /proc/self/ns/pid (the object guard's owner)");
	s->rodata->owner_pidns_dev = pidns.st_dev;
	s->rodata->owner_pidns_ino = pidns.st_ino;
	s->rodata->owner_tgid = static_cast<uint32_t>(getpid());
	s->rodata->task_info = 1; // LSM programs always run in the calling task
	// The deny events' rate limit is the datapath's (they share egress_event_flows).
	s->rodata->event_window_ns = dp.skeleton()->rodata->event_window_ns;
	bpf_program__set_autoload(s->progs.guard_socket, opts.raw_sockets);
	for (bpf_program* p : object_guard(s))
		bpf_program__set_autoload(p, opts.objects);
	EGRESS_TRY(share_maps(s, dp.pins()));
	if (int err = guard_bpf::load(s); err) {
		std::string verifier(log.c_str());
		if (verifier.size() > 8192)
			verifier = "..." + verifier.substr(verifier.size() - 8192);
		return Error::from_errno(err, "loading the host guard (BPF LSM)")
		    .wrap("verifier log:\n" + verifier + "\nlibbpf:\n" + take_libbpf_log());
	}
	std::string allow_pin = dp.pins().map(bpf_map__name(s->maps.egress_guard_allow));
	if (access(allow_pin.c_str(), F_OK) != 0)
		if (int err = bpf_map__pin(s->maps.egress_guard_allow, allow_pin.c_str()); err)
			return Error::from_errno(err, "pinning " + allow_pin);
	if (opts.objects)
		for (bpf_program* p : object_guard(s)) {
			UniqueLink link(bpf_program__attach_lsm(p));
			if (!link)
				return Error::from_errno(errno, std::string("attaching the object guard (") +
				                                    bpf_program__name(p) + ")");
			impl->links.push_back(std::move(link));
		}
	if (opts.raw_sockets)
		EGRESS_TRY(attach_socket_guard(s, dp.pins()));
	return HostGuard(std::move(impl));
}

Status HostGuard::allow(const std::vector<uint64_t>& cgroup_ids) const {
	return apply_set(bpf_map__fd(impl_->skel->maps.egress_guard_allow), cgroup_ids)
	    .context("writing the raw-socket allow-list");
}

Status HostGuard::protect(const std::vector<egress_guard_object>& objects) const {
	return apply_set(bpf_map__fd(impl_->skel->maps.egress_guard_objs), objects)
	    .context("writing the protected objects");
}

std::vector<egress_guard_object> HostGuard::own_objects() const {
	std::vector<egress_guard_object> out;
	guard_bpf* s = impl_->skel.get();
	bpf_program* p;
	bpf_object__for_each_program(p, s->obj) {
		if (bpf_program__fd(p) >= 0)
			out.push_back({info_id(bpf_program__fd(p), true), 0, EGRESS_GUARD_PROG});
	}
	for (bpf_map* m : {s->maps.egress_guard_allow, s->maps.egress_guard_objs})
		out.push_back({info_id(bpf_map__fd(m), false), 0, EGRESS_GUARD_MAP});
	for (const UniqueLink& l : impl_->links)
		out.push_back({link_id(bpf_link__fd(l.get())), 0, EGRESS_GUARD_LINK});
	return out;
}

Result<bool> HostGuard::repair_socket_guard(const PinLayout& pins) const {
	guard_bpf* s = impl_->skel.get();
	if (bpf_program__fd(s->progs.guard_socket) < 0)
		return false; // not loaded: nothing to keep
	if (access(pins.link(kSocketLink).c_str(), F_OK) == 0)
		return false;
	EGRESS_TRY(attach_socket_guard(s, pins));
	return true;
}

Status unpin_raw_socket_guard(const PinLayout& pins) {
	std::string pin = pins.link(kSocketLink);
	if (unlink(pin.c_str()) != 0 && errno != ENOENT)
		return Error::from_errno(errno, "unpinning the raw-socket guard " + pin);
	return ok_status();
}

Result<std::vector<egress_guard_object>> pin_objects(const PinLayout& pins) {
	std::vector<egress_guard_object> out;
	auto add = [&](const std::string& path) -> Status {
		struct stat st {};
		if (lstat(path.c_str(), &st) != 0)
			return errno == ENOENT ? ok_status() : Error::from_errno(errno, "stat " + path);
		out.push_back(inode_object(st));
		return ok_status();
	};
	EGRESS_TRY(add(pins.dir()));
	for (const std::string& dir : {pins.maps_dir(), pins.links_dir()}) {
		EGRESS_TRY(add(dir));
		for (const std::string& name : pinned_names(dir))
			EGRESS_TRY(add(dir + "/" + name));
	}
	// The pinned links by id too (BPF_LINK_GET_FD_BY_ID names them so, not by pin).
	for (const std::string& name : pinned_names(pins.links_dir())) {
		UniqueFd fd(bpf_obj_get((pins.links_dir() + "/" + name).c_str()));
		if (fd)
			out.push_back({link_id(fd.get()), 0, EGRESS_GUARD_LINK});
	}
	return out;
}

std::vector<egress_guard_object> datapath_objects(const Datapath& dp) {
	std::vector<egress_guard_object> out;
	egress_bpf* s = dp.skeleton();
	bpf_map* m;
	bpf_object__for_each_map(m, s->obj) {
		if (!bpf_map__is_internal(m))
			out.push_back({info_id(bpf_map__fd(m), false), 0, EGRESS_GUARD_MAP});
	}
	bpf_program* p;
	bpf_object__for_each_program(p, s->obj)
	    out.push_back({info_id(bpf_program__fd(p), true), 0, EGRESS_GUARD_PROG});
	return out;
}

} // namespace egress::kernel
