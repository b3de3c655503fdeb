#include "kernel/datapath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <utility>

#include "common/cgroup.h"
#include "common/logger.h"
#include "egress.skel.h"
#include "kernel/datapath_impl.h"
#include "kernel/feature_probe.h"
#include "kernel/install_record.h"
#include "kernel/libbpf_handles.h"
#include "kernel/map_writer.h"
#include "kernel/libbpf_log.h"
#include "kernel/tc_backstop.h"

namespace egress::kernel {
namespace {

constexpr size_t kVerifierLogBytes = 4u << 20;
constexpr size_t kVerifierLogTail = 16u << 10; // the end of a verifier log says what failed

bpf_map* skel_map(egress_bpf* s, MapId id) {
	switch (id) {
#define EGRESS_SKEL_MAP(id, name, size, fill)                                                                \
	case MapId::id:                                                                                      \
		return s->maps.name;
		EGRESS_KERNEL_MAPS(EGRESS_SKEL_MAP)
#undef EGRESS_SKEL_MAP
	}
	return nullptr;
}

std::optional<MapId> map_id_of(egress_bpf* s, const bpf_map* m) {
	for (const auto& info : kMaps)
		if (skel_map(s, info.id) == m)
			return info.id;
	return std::nullopt;
}

// The uplink's ingress filter exists only to feed the flow table of an enforcing backstop.
int uplink_ingress_fd(const Datapath::Impl& impl) {
	return impl.opts.tc_enforce ? bpf_program__fd(impl.skel->progs.uplink_ingress) : -1;
}

// Sizes come from the options as given: a bad one (0) is the kernel's to refuse, in its words.
std::optional<uint32_t> max_entries_for(MapId id, const MapSizes& z) {
	auto member = map_info(id).size;
	return member ? std::optional<uint32_t>(z.*member) : std::nullopt;
}

bool file_exists(const std::string& path) {
	struct stat st {};
	return stat(path.c_str(), &st) == 0;
}

} // namespace

namespace {

// An existing installation is adopted only if it has our map layout and guards the same cgroup.
Status check_adoption(Datapath::Impl& impl) {
	if (!impl.pins.installed())
		return ok_status();
	auto fd = open_pinned_map(impl.pins, MapId::install);
	if (!fd.ok())
		return std::move(fd).error();
	auto info = read_install_record(fd->get());
	if (!info.ok())
		return std::move(info).error();
	const std::string& dir = impl.opts.pin_dir;
	if (info->layout_version != EGRESS_MAP_LAYOUT_VERSION)
		return Error("the datapath pinned at " + dir + " has map layout v" +
		                 std::to_string(info->layout_version) + ", this build v" +
		                 std::to_string(EGRESS_MAP_LAYOUT_VERSION) +
		                 ": uninstall it first (egressctl uninstall)",
		             EPROTO);
	if (info->cgroup_id != impl.cgroup_id)
		return Error("the datapath pinned at " + dir + " guards another cgroup (id " +
		                 std::to_string(info->cgroup_id) + ", not " + impl.opts.cgroup_path + ")",
		             EEXIST);
	impl.install = *info;
	impl.adopted = true;
	return ok_status();
}

// Opens the object and sets its load-time settings (.rodata) from the options and the probes.
Status open_object(Datapath::Impl& impl) {
	impl.log.assign(kVerifierLogBytes, '\0');
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .kernel_log_buf = impl.log.data(),
	            .kernel_log_size = impl.log.size(), .kernel_log_level = 0);
	impl.skel.reset(egress_bpf::open(&open_opts));
	if (!impl.skel)
		return Error::from_errno(errno, "opening the BPF object").wrap(take_libbpf_log());
	egress_bpf* s = impl.skel.get();
	s->rodata->event_window_ns = impl.opts.event_window_ns;
	s->rodata->udp_peer_ttl_ns = impl.opts.udp_peer_ttl_ns;
	s->rodata->tc_enforce = impl.opts.tc_enforce ? 1 : 0;
	s->rodata->task_info = kernel_has_task_info() ? 1 : 0;
	s->rodata->coarse_clock = kernel_has_coarse_clock() ? 1 : 0;
	if (!s->rodata->task_info)
		log::info("kernel")
		    << "this kernel hides the task from sock_addr programs: deny events carry no pid/comm";
	if (!kernel_has_lpm_batch())
		log::info("kernel") << "this kernel has no batch updates for LPM tries: the CIDR maps are "
		                       "written one entry at a time";
	return ok_status();
}

// Every map of the object is pinned and adopted, including those other modules define (DNS
// learning); .rodata and friends are per load. Adopted maps keep their size; new ones are sized.
Status reuse_or_size_maps(Datapath::Impl& impl) {
	egress_bpf* s = impl.skel.get();
	bpf_map* m;
	bpf_object__for_each_map(m, s->obj) {
		if (bpf_map__is_internal(m))
			continue;
		std::optional<MapId> id = map_id_of(s, m);
		std::optional<uint32_t> wanted = id ? max_entries_for(*id, impl.opts.sizes) : std::nullopt;
		std::string pin = impl.pins.map(bpf_map__name(m));
		if (impl.adopted && file_exists(pin)) {
			int fd = bpf_obj_get(pin.c_str());
			if (fd < 0)
				return Error::from_errno(errno, "opening pinned map " + pin);
			UniqueFd owned(fd);
			if (int err = bpf_map__reuse_fd(m, fd); err)
				return Error::from_errno(err, "reusing pinned map " + pin);
			if (wanted && *wanted != bpf_map__max_entries(m))
				log::warn("kernel") << "pinned map " << bpf_map__name(m) << " keeps its size "
				                    << bpf_map__max_entries(m) << " (asked " << *wanted
				                    << "): resizing needs an uninstall";
			continue;
		}
		if (wanted)
			if (int err = bpf_map__set_max_entries(m, *wanted); err)
				return Error::from_errno(err, "sizing map " + std::string(bpf_map__name(m)));
	}
	return ok_status();
}

// Loads the programs; a failure carries the end of the verifier log, which says what failed.
Status load_object(Datapath::Impl& impl) {
	if (int err = egress_bpf::load(impl.skel.get()); err) {
		std::string verifier(impl.log.c_str());
		if (verifier.size() > kVerifierLogTail)
			verifier = "..." + verifier.substr(verifier.size() - kVerifierLogTail);
		return Error::from_errno(err, "loading the BPF programs")
		    .wrap("verifier log:\n" + verifier + "\nlibbpf:\n" + take_libbpf_log());
	}
	impl.log.clear();
	impl.log.shrink_to_fit();
	return ok_status();
}

// Pins what is new; a fresh installation gets its install record and an enforcing, fail-closed
// config (the daemon writes its own before attaching).
Status pin_new_maps(Datapath::Impl& impl) {
	egress_bpf* s = impl.skel.get();
	bpf_map* m;
	bpf_object__for_each_map(m, s->obj) {
		if (bpf_map__is_internal(m))
			continue;
		std::string pin = impl.pins.map(bpf_map__name(m));
		if (file_exists(pin))
			continue; // adopted
		if (int err = bpf_map__pin(m, pin.c_str()); err)
			return Error::from_errno(err, "pinning map at " + pin);
	}
	if (impl.adopted)
		return ok_status();
	impl.install = new_install_record(impl.cgroup_id);
	EGRESS_TRY(write_install_record(bpf_map__fd(s->maps.egress_install), impl.install));
	auto config = TypedMap<uint32_t, egress_config>::open(bpf_map__fd(s->maps.egress_config));
	if (!config.ok())
		return std::move(config).error();
	egress_config cfg{};
	cfg.layout_version = EGRESS_MAP_LAYOUT_VERSION;
	return config->put(0, cfg).context("writing the initial config");
}

} // namespace

Result<Datapath> Datapath::load(const DatapathOptions& opts) {
	install_libbpf_logger();
	auto impl = std::make_unique<Impl>();
	impl->opts = opts;
	impl->pins = PinLayout(opts.pin_dir);
	auto cg = cgroup_id_of(opts.cgroup_path);
	if (!cg.ok())
		return std::move(cg).error().wrap("resolving the cgroup to attach to");
	impl->cgroup_id = *cg;
	EGRESS_TRY(check_required_features());
	auto mounted = prepare_pin_dir(impl->pins, opts.mount_bpffs);
	if (!mounted.ok())
		return std::move(mounted).error().wrap("preparing the pin directory");
	impl->pins_persist = !*mounted;
	if (*mounted)
		log::warn("kernel") << "mounted a bpffs for " << opts.pin_dir
		                    << " in this process's mount namespace: the pins, and enforcement, end "
		                       "with it (pins_persist: false); mount bpffs at the host's /sys/fs/bpf "
		                       "and give it to egressd instead";
	EGRESS_TRY(check_adoption(*impl));
	EGRESS_TRY(open_object(*impl));
	EGRESS_TRY(reuse_or_size_maps(*impl));
	EGRESS_TRY(load_object(*impl));
	EGRESS_TRY(pin_new_maps(*impl));
	return Datapath(std::move(impl));
}

Datapath::Datapath(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
}
Datapath::Datapath(Datapath&&) noexcept = default;
Datapath& Datapath::operator=(Datapath&&) noexcept = default;
Datapath::~Datapath() = default;

Status Datapath::attach() {
	egress_bpf* s = impl_->skel.get();
	int cg_fd = open(impl_->opts.cgroup_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0)
		return Error::from_errno(errno, "opening cgroup " + impl_->opts.cgroup_path);
	UniqueFd cg(cg_fd);
	for (bpf_program* p : cgroup_programs(s)) {
		std::string pin = impl_->pins.link(bpf_program__name(p));
		int prog_fd = bpf_program__fd(p);
		if (file_exists(pin)) {
			int fd = bpf_obj_get(pin.c_str());
			if (fd < 0)
				return Error::from_errno(errno, "opening pinned link " + pin);
			UniqueFd link(fd);
			// Atomic: the hook runs either the old or the new program, never none.
			if (bpf_link_update(link.get(), prog_fd, nullptr) != 0)
				return Error::from_errno(errno, "replacing the program of link " + pin);
			continue;
		}
		EGRESS_TRY(attach_cgroup_link(*impl_, p, cg.get()));
	}
	if (!impl_->opts.tc_interface.empty()) {
		auto tc = attach_tc_backstop(bpf_program__fd(s->progs.tc_backstop), uplink_ingress_fd(*impl_),
		                             impl_->opts.tc_interface);
		if (!tc.ok())
			return std::move(tc).error();
		auto& info = impl_->install;
		bool same_if = info.tc_ifindex == tc->ifindex;
		info.tc_ifindex = tc->ifindex;
		// On adoption the qdisc already exists (ours from the first install, or someone else's).
		if (!same_if)
			info.flags = tc->qdisc_ours ? EGRESS_INSTALL_TC_QDISC_OURS : 0;
		EGRESS_TRY_CTX(write_install_record(map_fd(MapId::install), info),
		               "recording the TC attachment");
	}
	log::info("kernel") << (impl_->adopted ? "re-pointed" : "attached") << " the datapath at "
	                    << impl_->opts.cgroup_path << " (pins " << impl_->pins.dir() << ")";
	return ok_status();
}

bool Datapath::adopted() const {
	return impl_->adopted;
}
bool Datapath::pins_persist() const {
	return impl_->pins_persist;
}
const PinLayout& Datapath::pins() const {
	return impl_->pins;
}
uint64_t Datapath::cgroup_id() const {
	return impl_->cgroup_id;
}
egress_bpf* Datapath::skeleton() const {
	return impl_->skel.get();
}
int Datapath::map_fd(MapId id) const {
	return bpf_map__fd(skel_map(impl_->skel.get(), id));
}

Status Datapath::write_config(egress_config cfg) {
	cfg.layout_version = EGRESS_MAP_LAYOUT_VERSION;
	uint32_t zero = 0;
	if (bpf_map_update_elem(map_fd(MapId::config), &zero, &cfg, 0) != 0)
		return Error::from_errno(errno, "writing the datapath config");
	return ok_status();
}

Result<egress_config> Datapath::read_config() const {
	uint32_t zero = 0;
	egress_config cfg{};
	if (bpf_map_lookup_elem(map_fd(MapId::config), &zero, &cfg) != 0)
		return Error::from_errno(errno, "reading the datapath config");
	return cfg;
}

Result<std::vector<uint64_t>> Datapath::counters() const {
	return read_percpu_counters(map_fd(MapId::counters), EGRESS_COUNTERS);
}

Result<std::vector<ProgramInfo>> Datapath::programs() const {
	std::vector<ProgramInfo> out;
	bpf_program* p;
	bpf_object__for_each_program(p, impl_->skel->obj) {
		bpf_prog_info info{};
		uint32_t len = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) != 0)
			return Error::from_errno(errno,
			                         std::string("reading info of ") + bpf_program__name(p));
		out.push_back({bpf_program__name(p), info.id, info.verified_insns, info.xlated_prog_len,
		               info.jited_prog_len});
	}
	return out;
}

Result<MapFill> Datapath::fill(MapId id) const {
	return map_fill(map_fd(id));
}

VerdictMaps Datapath::verdict_maps() const {
	return VerdictMaps({map_fd(MapId::floor4), map_fd(MapId::floor6), map_fd(MapId::learned4),
	                    map_fd(MapId::learned6), map_fd(MapId::cidr4), map_fd(MapId::cidr6)});
}

Result<uint32_t> Datapath::tc_backstop_ifindex() const {
	auto info = read_install_record(map_fd(MapId::install));
	if (!info.ok())
		return std::move(info).error();
	return info->tc_ifindex;
}

Result<uint32_t> Datapath::move_tc_backstop(const std::optional<Uplink>& to) {
	int install_fd = map_fd(MapId::install);
	auto info = read_install_record(install_fd);
	if (!info.ok())
		return std::move(info).error();
	BackstopMove move = plan_backstop_move(info->tc_ifindex, to);
	if (move.detach_old) {
		TcAttachment old{info->tc_ifindex, (info->flags & EGRESS_INSTALL_TC_QDISC_OURS) != 0};
		// A vanished interface took the filter with it: detach tolerates that.
		EGRESS_TRY_CTX(detach_tc_backstop(old), "removing the TC backstop");
		info->tc_ifindex = 0;
		info->flags &= ~static_cast<uint32_t>(EGRESS_INSTALL_TC_QDISC_OURS);
		EGRESS_TRY(write_install_record(install_fd, *info));
	}
	if (!move.attach_new)
		return info->tc_ifindex;
	auto tc = attach_tc_backstop(bpf_program__fd(impl_->skel->progs.tc_backstop),
	                             uplink_ingress_fd(*impl_), to->ifname);
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
	EGRESS_TRY(write_install_record(install_fd, *info));
	impl_->install = *info;
	return info->tc_ifindex;
}

} // namespace egress::kernel
