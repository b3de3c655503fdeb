#include "daemon/node_processes.h"

#include <algorithm>

#include "kernel/dns_maps.h"

namespace egress::daemon {

std::vector<uint64_t> resolver_cgroups(const std::vector<kernel::BoundSocket>& sockets,
                                       const std::vector<IpAddress>& trusted) {
	std::vector<uint64_t> out;
	for (const auto& s : sockets) {
		if (s.port != 53 || s.cgroup_id == 0)
			continue;
		bool wildcard =
		    std::all_of(s.local.bytes.begin(), s.local.bytes.end(), [](uint8_t b) { return b == 0; });
		if (wildcard || std::find(trusted.begin(), trusted.end(), s.local) != trusted.end())
			out.push_back(s.cgroup_id);
	}
	std::sort(out.begin(), out.end());
	out.erase(std::unique(out.begin(), out.end()), out.end());
	return out;
}

std::optional<CgroupRef> NodeProcesses::find_pods_cgroup() const {
	auto path = egress::find_pods_cgroup(attach_);
	if (!path)
		return std::nullopt;
	auto ref = cgroup_ref(mount_, *path);
	if (!ref.ok())
		return std::nullopt;
	return *ref;
}

Result<bool> NodeProcesses::refresh_resolver_cgroups(const std::vector<IpAddress>& trusted) {
	auto sockets = kernel::udp_sockets_bound_to(53);
	if (!sockets.ok())
		return std::move(sockets).error();
	auto now = resolver_cgroups(*sockets, trusted);
	if (now == resolvers_)
		return false;
	auto map = kernel::DnsMaps(dp_).resolver_cgroups();
	if (!map.ok())
		return std::move(map).error();
	std::vector<std::pair<uint64_t, uint8_t>> desired;
	for (uint64_t id : now)
		desired.emplace_back(id, 1);
	auto applied = map->apply(desired);
	if (!applied.ok())
		return std::move(applied).error().wrap("writing the node's resolver cgroups");
	resolvers_ = std::move(now);
	return true;
}

} // namespace egress::daemon
