#include "kernel/pod_layer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if.h>

#include <algorithm>
#include <cstring>

#include "egress.skel.h"
#include "kernel/map_writer.h"

namespace egress::kernel {
namespace {

uint32_t prog_id(int fd) {
	bpf_prog_info info{};
	uint32_t len = sizeof(info);
	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

using PodMap = TypedMap<uint32_t, egress_pod_iface>;

} // namespace

egress_pod_iface pod_entry(const PodInterface& pod, uint64_t cgroup_id, uint32_t flags, size_t* dropped) {
	egress_pod_iface v{};
	v.cgroup_id = cgroup_id;
	v.flags = flags & ~static_cast<uint32_t>(EGRESS_POD_BRIDGE_PORT);
	if (pod.bridge_port)
		v.flags |= EGRESS_POD_BRIDGE_PORT;
	std::vector<IpPrefix> ordered = pod.prefixes;
	std::stable_sort(ordered.begin(), ordered.end(), [](const IpPrefix& a, const IpPrefix& b) {
		return a.address.family < b.address.family;
	});
	size_t n = std::min<size_t>(ordered.size(), EGRESS_POD_MAX_PREFIXES);
	for (size_t i = 0; i < n; ++i) {
		auto& p = v.prefixes[i];
		std::memcpy(p.addr, ordered[i].address.bytes.data(), sizeof(p.addr));
		p.prefixlen = ordered[i].length;
		p.family = static_cast<uint8_t>(family_af(ordered[i].address.family));
	}
	v.n_prefixes = static_cast<uint32_t>(n);
	if (dropped)
		*dropped = ordered.size() - n;
	return v;
}

PodLayer::PodLayer(const Datapath& dp) : dp_(dp) {
	egress_bpf* s = dp.skeleton();
	progs_.ingress_fd = bpf_program__fd(s->progs.pod_ingress);
	progs_.egress_fd = bpf_program__fd(s->progs.pod_egress);
	progs_.ingress_id = prog_id(progs_.ingress_fd);
	progs_.egress_id = prog_id(progs_.egress_fd);
}

Result<egress_pod_iface> PodLayer::attach(const PodInterface& pod, uint64_t cgroup_id) {
	auto map = PodMap::open(dp_.map_fd(MapId::pods));
	if (!map.ok())
		return std::move(map).error();
	uint32_t ifindex = static_cast<uint32_t>(pod.ifindex);
	auto old = map->get(ifindex);
	if (!old.ok())
		return std::move(old).error();
	uint32_t flags = *old ? (*old)->flags & (EGRESS_POD_TCX | EGRESS_POD_QDISC_OURS) : 0;
	egress_pod_iface v = pod_entry(pod, cgroup_id, flags, nullptr);
	EGRESS_TRY_CTX(map->put(ifindex, v), "describing pod interface " + pod.ifname);
	auto attached = attach_pod_programs(progs_, ifindex, flags, dp_.pins());
	if (!attached.ok()) {
		if (!*old)
			(void)map->erase(ifindex);
		return std::move(attached).error().wrap("attaching to pod interface " + pod.ifname);
	}
	v.flags = (v.flags & EGRESS_POD_BRIDGE_PORT) | *attached;
	EGRESS_TRY_CTX(map->put(ifindex, v), "describing pod interface " + pod.ifname);
	return v;
}

Status PodLayer::describe(const PodInterface& pod, uint64_t cgroup_id) {
	auto map = PodMap::open(dp_.map_fd(MapId::pods));
	if (!map.ok())
		return std::move(map).error();
	uint32_t ifindex = static_cast<uint32_t>(pod.ifindex);
	auto old = map->get(ifindex);
	if (!old.ok())
		return std::move(old).error();
	uint32_t flags = *old ? (*old)->flags : 0;
	return map->put(ifindex, pod_entry(pod, cgroup_id, flags, nullptr))
	    .context("describing pod interface " + pod.ifname);
}

Status PodLayer::detach(uint32_t ifindex) {
	auto map = PodMap::open(dp_.map_fd(MapId::pods));
	if (!map.ok())
		return std::move(map).error();
	auto old = map->get(ifindex);
	if (!old.ok())
		return std::move(old).error();
	EGRESS_TRY(detach_pod_programs(ifindex, *old ? (*old)->flags : EGRESS_POD_TCX, dp_.pins()));
	return map->erase(ifindex);
}

Result<PodHookState> PodLayer::query(uint32_t ifindex) const {
	auto map = PodMap::open(dp_.map_fd(MapId::pods));
	if (!map.ok())
		return std::move(map).error();
	auto entry = map->get(ifindex);
	if (!entry.ok())
		return std::move(entry).error();
	if (!*entry)
		return PodHookState{};
	return query_pod_programs(progs_, ifindex, (*entry)->flags);
}

Result<std::vector<std::pair<uint32_t, egress_pod_iface>>> PodLayer::entries() const {
	auto map = PodMap::open(dp_.map_fd(MapId::pods));
	if (!map.ok())
		return std::move(map).error();
	return map->entries();
}

} // namespace egress::kernel
