#include "kernel/pinned_installation.h"

#include <bpf/bpf.h>

#include <cerrno>

#include "kernel/install_record.h"

namespace egress::kernel {

Result<PinnedInstallation> PinnedInstallation::open(const std::string& pin_dir) {
	PinnedInstallation view{PinLayout(pin_dir)};
	if (!view.pins_.installed())
		return Error("nothing is installed at " + pin_dir, ENOENT);
	view.fds_.resize(kMaps.size());
	for (const auto& m : kMaps) {
		LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
		std::string path = view.pins_.map(m.name);
		int fd = bpf_obj_get_opts(path.c_str(), &opts);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return Error::from_errno(errno, "opening pinned map " + path);
		}
		view.fds_[static_cast<size_t>(m.id)].reset(fd);
	}
	return view;
}

int PinnedInstallation::fd(MapId id) const {
	const auto& f = fds_[static_cast<size_t>(id)];
	return f ? f.get() : -1;
}

Result<egress_config> PinnedInstallation::config() const {
	auto map = TypedMap<uint32_t, egress_config>::open(fd(MapId::config));
	if (!map.ok())
		return std::move(map).error().wrap("reading the pinned config map");
	auto cfg = map->get(0);
	if (!cfg.ok())
		return std::move(cfg).error().wrap("reading the pinned config map");
	return cfg->value_or(egress_config{});
}

Result<egress_install_info> PinnedInstallation::install() const {
	return read_install_record(fd(MapId::install));
}

Result<std::vector<uint64_t>> PinnedInstallation::counters() const {
	return read_percpu_counters(fd(MapId::counters), EGRESS_COUNTERS);
}

std::vector<MapFill> PinnedInstallation::fills() const {
	std::vector<MapFill> out;
	for (const auto& m : kMaps) {
		if (!m.reports_fill || fd(m.id) < 0)
			continue;
		if (auto f = map_fill(fd(m.id)); f.ok())
			out.push_back(std::move(*f));
	}
	return out;
}

VerdictMaps PinnedInstallation::verdict_maps() const {
	return VerdictMaps({fd(MapId::floor4), fd(MapId::floor6), fd(MapId::learned4), fd(MapId::learned6),
	                    fd(MapId::cidr4), fd(MapId::cidr6)});
}

std::vector<std::string> PinnedInstallation::links() const {
	return pinned_names(pins_.links_dir());
}

} // namespace egress::kernel
