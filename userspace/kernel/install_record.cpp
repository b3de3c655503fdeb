#include "kernel/install_record.h"

#include "kernel/map_writer.h"

namespace egress::kernel {

Result<egress_install_info> read_install_record(int map_fd) {
	auto map = TypedMap<uint32_t, egress_install_info>::open(map_fd);
	if (!map.ok())
		return std::move(map).error().wrap("reading the install record");
	auto info = map->get(0);
	if (!info.ok())
		return std::move(info).error().wrap("reading the install record");
	if (!*info)
		return Error("the install record is missing", ENOENT);
	return **info;
}

Status write_install_record(int map_fd, const egress_install_info& info) {
	auto map = TypedMap<uint32_t, egress_install_info>::open(map_fd);
	if (!map.ok())
		return std::move(map).error().wrap("writing the install record");
	return map->put(0, info).context("writing the install record");
}

egress_install_info new_install_record(uint64_t cgroup_id) {
	egress_install_info info{};
	info.layout_version = EGRESS_MAP_LAYOUT_VERSION;
	info.cgroup_id = cgroup_id;
	return info;
}

} // namespace egress::kernel
