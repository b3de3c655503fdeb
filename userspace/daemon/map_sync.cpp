#include "daemon/map_sync.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "kernel/dns_maps.h"
#include "kernel/map_writer.h"

namespace egress::daemon {

namespace {

using kernel::MapId;

template <typename K, typename V>
Status apply_map(int fd, std::string_view name, const std::vector<std::pair<K, V>>& desired,
                 ApplyStats& total) {
	auto map = kernel::TypedMap<K, V>::open(fd);
	if (!map.ok())
		return std::move(map).error().wrap(std::string(name));
	auto stats = map->apply(desired);
	if (!stats.ok())
		return std::move(stats).error().wrap("writing " + std::string(name));
	total.added += stats->added;
	total.changed += stats->changed;
	total.removed += stats->removed;
	total.unchanged += stats->unchanged;
	return ok_status();
}

template <typename K, typename V>
Status apply_one(const kernel::Datapath& dp, MapId id, const std::vector<std::pair<K, V>>& desired,
                 ApplyStats& total) {
	return apply_map(dp.map_fd(id), kernel::map_name(id), desired, total);
}

template <typename K>
std::vector<std::pair<K, uint8_t>> resolver_keys(const std::vector<IpAddress>& ips, Family family) {
	std::vector<std::pair<K, uint8_t>> out;
	for (const auto& ip : ips) {
		if (ip.family != family)
			continue;
		K k{};
		std::memcpy(k.addr, ip.bytes.data(), sizeof(k.addr));
		out.emplace_back(k, uint8_t{1});
	}
	return out;
}

template <typename K>
Status write_family(const kernel::Datapath& dp, MapId id, const K& key, const LearnedWrite& w,
                    bool only_if_ours) {
	auto map = kernel::TypedMap<K, egress_learned_value>::open(dp.map_fd(id));
	if (!map.ok())
		return std::move(map).error();
	if (w.value)
		return map->put(key, *w.value).context("writing learned address " + w.address.to_string());
	if (only_if_ours) {
		auto cur = map->get(key);
		if (!cur.ok())
			return std::move(cur).error();
		if (!*cur)
			return ok_status(); // already gone
		if ((*cur)->expires_ns > w.expiry_ns)
			return ok_status(); // refreshed by the kernel learner since
	}
	return map->erase(key).context("deleting learned address " + w.address.to_string());
}

template <typename K>
Result<size_t> relearn_family(const kernel::Datapath& dp, MapId id,
                              const std::vector<dns::NameRuleEntry>& names,
                              const verdict::DesiredState* previous) {
	auto map = kernel::TypedMap<K, egress_learned_value>::open(dp.map_fd(id));
	if (!map.ok())
		return std::move(map).error();
	auto entries = map->entries();
	if (!entries.ok())
		return std::move(entries).error();
	size_t deleted = 0;
	for (const auto& [k, v] : *entries) {
		auto next = relearn(v, names, previous ? name_kind(previous->rule(v.ports.rule_id)) : 0);
		if (!next) {
			EGRESS_TRY(map->erase(k));
			++deleted;
			continue;
		}
		if (std::memcmp(&*next, &v, sizeof(v)) != 0)
			EGRESS_TRY(map->put(k, *next));
	}
	return deleted;
}

template <typename K>
Result<size_t> collect_family(const kernel::Datapath& dp, MapId id, uint64_t now, double high, double low,
                              GcStats& gc) {
	auto map = kernel::TypedMap<K, egress_learned_value>::open(dp.map_fd(id));
	if (!map.ok())
		return std::move(map).error();
	gc.max_entries = map->raw().max_entries;
	auto entries = map->entries();
	if (!entries.ok())
		return std::move(entries).error();
	std::vector<std::pair<K, egress_learned_value>> live;
	for (const auto& e : *entries) {
		if (e.second.expires_ns <= now) {
			// The kernel treats an expired entry as absent already; deleting it frees the slot.
			if (map->erase(e.first).ok())
				++gc.expired;
		} else {
			live.push_back(e);
		}
	}
	size_t max = map->raw().max_entries;
	if (max && static_cast<double>(live.size()) > high * static_cast<double>(max)) {
		size_t target = static_cast<size_t>(low * static_cast<double>(max));
		std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) {
			return a.second.expires_ns < b.second.expires_ns;
		});
		size_t drop = live.size() - target;
		for (size_t i = 0; i < drop; ++i)
			if (map->erase(live[i].first).ok())
				++gc.evicted;
		live.erase(live.begin(), live.begin() + static_cast<long>(drop));
	}
	return live.size();
}

} // namespace

std::string ApplyStats::to_string() const {
	return std::to_string(added) + " added, " + std::to_string(changed) + " changed, " +
	       std::to_string(removed) + " removed, " + std::to_string(unchanged) + " unchanged";
}

Result<ApplyStats> apply_policy_maps(const kernel::Datapath& dp, const verdict::DesiredState& d) {
	ApplyStats total;
	// Floor first: whatever else happens, the node keeps its safety floor.
	EGRESS_TRY(apply_one(dp, MapId::floor4, d.floor4, total));
	EGRESS_TRY(apply_one(dp, MapId::floor6, d.floor6, total));
	EGRESS_TRY(apply_one(dp, MapId::cidr4, d.cidr4, total));
	EGRESS_TRY(apply_one(dp, MapId::cidr6, d.cidr6, total));
	std::vector<std::pair<egress_name_key, egress_name_value>> names;
	names.reserve(d.names.size());
	for (const auto& e : d.names)
		names.emplace_back(e.key, e.value);
	EGRESS_TRY(apply_one(dp, MapId::names, names, total));
	EGRESS_TRY(apply_one(dp, MapId::dns_resolvers4,
	                     resolver_keys<egress_dns_resolver4_key>(d.resolvers, Family::v4), total));
	EGRESS_TRY(apply_one(dp, MapId::dns_resolvers6,
	                     resolver_keys<egress_dns_resolver6_key>(d.resolvers, Family::v6), total));
	return total;
}

Status write_learned(const kernel::Datapath& dp, const LearnedWrite& w, bool only_if_ours) {
	if (w.address.family == Family::v4)
		return write_family(dp, MapId::learned4, learned4_key(w.address), w, only_if_ours);
	return write_family(dp, MapId::learned6, learned6_key(w.address), w, only_if_ours);
}

Result<size_t> relearn_all(const kernel::Datapath& dp, const std::vector<dns::NameRuleEntry>& names,
                           const verdict::DesiredState* previous) {
	auto a = relearn_family<egress_learned4_key>(dp, MapId::learned4, names, previous);
	if (!a.ok())
		return std::move(a).error();
	auto b = relearn_family<egress_learned6_key>(dp, MapId::learned6, names, previous);
	if (!b.ok())
		return std::move(b).error();
	return *a + *b;
}

Result<GcStats> collect_learned(const kernel::Datapath& dp, uint64_t now_ns, double high_water,
                                double low_water) {
	GcStats gc;
	auto a = collect_family<egress_learned4_key>(dp, MapId::learned4, now_ns, high_water, low_water, gc);
	if (!a.ok())
		return std::move(a).error();
	auto b = collect_family<egress_learned6_key>(dp, MapId::learned6, now_ns, high_water, low_water, gc);
	if (!b.ok())
		return std::move(b).error();
	gc.entries4 = *a;
	gc.entries6 = *b;
	return gc;
}

} // namespace egress::daemon
