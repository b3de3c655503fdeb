#include "daemon/pinned_reader.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <sys/socket.h>

#include <cerrno>
#include <ctime>

#include "common/abi_names.h"
#include "kernel/datapath.h"
#include "kernel/map_writer.h"
#include "kernel/pins.h"

namespace egress::daemon {

namespace {

uint64_t boot_now_ns() {
	timespec ts{};
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

std::string address_text(int family, const uint8_t* bytes) {
	char buf[INET6_ADDRSTRLEN] = {};
	inet_ntop(family, bytes, buf, sizeof(buf));
	return buf;
}

std::string ports_text(const egress_ports& p) {
	std::string out;
	for (uint8_t i = 0; i < p.n_ranges && i < EGRESS_MAX_PORT_RANGES; ++i) {
		const auto& r = p.ranges[i];
		std::string proto = r.proto == EGRESS_PROTO_TCP      ? "tcp"
		                    : r.proto == EGRESS_PROTO_UDP    ? "udp"
		                    : r.proto == EGRESS_PROTO_ICMP   ? "icmp"
		                    : r.proto == EGRESS_PROTO_ICMPV6 ? "icmpv6"
		                    : r.proto == EGRESS_PROTO_ANY    ? "any"
		                                                     : std::to_string(r.proto);
		std::string item = proto;
		// Appends, not "x" + std::string: GCC 12 flags the latter with a bogus -Wrestrict at -O3.
		if (r.proto != EGRESS_PROTO_ANY && !(r.port_lo == 0 && r.port_hi == 65535)) {
			item += '/';
			item += std::to_string(r.port_lo);
			if (r.port_lo != r.port_hi) {
				item += '-';
				item += std::to_string(r.port_hi);
			}
		}
		if (!out.empty())
			out += ',';
		out += item;
	}
	return out;
}

template <typename K>
Status read_family(int fd, int family, std::vector<LearnedEntry>& out) {
	if (fd < 0)
		return ok_status();
	auto map = kernel::TypedMap<K, egress_learned_value>::open(fd);
	if (!map.ok())
		return std::move(map).error();
	auto entries = map->entries();
	if (!entries.ok())
		return std::move(entries).error();
	for (const auto& [k, v] : *entries)
		out.push_back({static_cast<uint8_t>(family), address_text(family, k.addr), v});
	return ok_status();
}

} // namespace

bool reports_fill(kernel::MapId id) {
	return id != kernel::MapId::counters && id != kernel::MapId::events && id != kernel::MapId::config &&
	       id != kernel::MapId::install;
}

Result<MapFill> map_fill(int map_fd) {
	bpf_map_info info{};
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0)
		return Error::from_errno(errno, "reading map info");
	MapFill f{info.name, 0, info.max_entries};
	if (info.type == BPF_MAP_TYPE_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		f.entries = info.max_entries;
		return f;
	}
	if (info.type == BPF_MAP_TYPE_RINGBUF) {
		f.entries = 0;
		return f;
	}
	std::vector<uint8_t> key(info.key_size), next(info.key_size);
	void* prev = nullptr;
	while (bpf_map_get_next_key(map_fd, prev, next.data()) == 0) {
		++f.entries;
		key.swap(next);
		prev = key.data();
		if (f.entries > info.max_entries + 1024ULL)
			break; // a map churning under us: the count is an estimate anyway
	}
	return f;
}

Result<std::vector<LearnedEntry>> read_learned(int learned4_fd, int learned6_fd) {
	std::vector<LearnedEntry> out;
	EGRESS_TRY_CTX(read_family<egress_learned4_key>(learned4_fd, AF_INET, out),
	               "reading learned IPv4 addresses");
	EGRESS_TRY_CTX(read_family<egress_learned6_key>(learned6_fd, AF_INET6, out),
	               "reading learned IPv6 addresses");
	return out;
}

nlohmann::json counters_summary(const std::vector<uint64_t>& counters) {
	uint64_t allowed = 0, denied = 0;
	nlohmann::json by_reason = nlohmann::json::object();
	for (unsigned reason = 0; reason < EGRESS_REASON_MAX; ++reason) {
		uint64_t sum = 0;
		for (unsigned hook = 0; hook < EGRESS_HOOK_MAX; ++hook) {
			size_t i = static_cast<size_t>(EGRESS_COUNTER_INDEX(hook, reason));
			if (i < counters.size())
				sum += counters[i];
		}
		if (!sum)
			continue;
		by_reason[std::string(reason_name(reason))] = sum;
		if (reason_class(reason) == ReasonClass::allow)
			allowed += sum;
		else if (reason_class(reason) == ReasonClass::deny)
			denied += sum;
	}
	uint64_t lost = 0;
	for (unsigned hook = 0; hook < EGRESS_HOOK_MAX; ++hook) {
		size_t i = static_cast<size_t>(EGRESS_COUNTER_INDEX(hook, EGRESS_REASON_EVENT_LOST));
		if (i < counters.size())
			lost += counters[i];
	}
	return {{"allowed", allowed}, {"denied", denied}, {"lost_events", lost}, {"by_reason", by_reason}};
}

nlohmann::json learned_json(const LearnedEntry& e, uint64_t now_boot_ns) {
	int64_t left = static_cast<int64_t>(e.value.expires_ns) - static_cast<int64_t>(now_boot_ns);
	return {{"address", e.address},
	        {"family", e.family == AF_INET ? "ipv4" : "ipv6"},
	        {"expires_in_s", left > 0 ? left / 1'000'000'000 : 0},
	        {"expired", left <= 0},
	        {"ttl", e.value.ttl},
	        {"ports", ports_text(e.value.ports)},
	        {"rule_id", e.value.ports.rule_id}};
}

Result<nlohmann::json> pinned_status(const std::string& pin_dir) {
	kernel::PinLayout pins(pin_dir);
	if (!pins.installed())
		return Error("nothing is installed at " + pin_dir, ENOENT);
	nlohmann::json out = {{"source", "pinned-maps"}, {"daemon", "down"}, {"pin_dir", pin_dir}};
	auto cfg_fd = kernel::open_pinned_map(pins, kernel::MapId::config);
	if (!cfg_fd.ok())
		return std::move(cfg_fd).error();
	uint32_t zero = 0;
	egress_config cfg{};
	if (bpf_map_lookup_elem(cfg_fd->get(), &zero, &cfg) != 0)
		return Error::from_errno(errno, "reading the pinned config map");
	uint64_t now = boot_now_ns();
	out["mode"] = std::string(mode_name(cfg.mode));
	out["fail_mode"] = cfg.fail_mode == EGRESS_FAIL_OPEN ? "open" : "closed";
	out["policy_generation"] = cfg.policy_generation;
	out["map_layout_version"] = cfg.layout_version;
	double age = cfg.heartbeat_ns && now > cfg.heartbeat_ns
	                 ? static_cast<double>(now - cfg.heartbeat_ns) / 1e9
	                 : 0.0;
	out["heartbeat_age_s"] = age;
	bool stale = cfg.heartbeat_stale_ns && now - cfg.heartbeat_ns > cfg.heartbeat_stale_ns;
	out["heartbeat_stale"] = stale;
	// What the kernel does right now: fail-open with a stale heartbeat audits instead of enforcing.
	out["effective_mode"] = cfg.mode == EGRESS_MODE_AUDIT || (cfg.fail_mode == EGRESS_FAIL_OPEN && stale)
	                            ? "audit"
	                            : "enforce";
	if (auto inst = kernel::open_pinned_map(pins, kernel::MapId::install); inst.ok()) {
		egress_install_info info{};
		if (bpf_map_lookup_elem(inst->get(), &zero, &info) == 0)
			out["cgroup_id"] = info.cgroup_id;
	}
	nlohmann::json maps = nlohmann::json::object();
	for (auto id : kernel::kAllMaps) {
		if (!reports_fill(id))
			continue;
		auto fd = kernel::open_pinned_map(pins, id);
		if (!fd.ok())
			continue;
		auto fill = map_fill(fd->get());
		if (fill.ok())
			maps[std::string(kernel::map_name(id))] = {{"entries", fill->entries},
			                                           {"max_entries", fill->max_entries}};
	}
	out["maps"] = maps;
	if (auto fd = kernel::open_pinned_map(pins, kernel::MapId::counters); fd.ok()) {
		auto counters = kernel::read_percpu_counters(fd->get(), EGRESS_COUNTERS);
		if (counters.ok())
			out["counters"] = counters_summary(*counters);
	}
	return out;
}

Result<nlohmann::json> pinned_ips(const std::string& pin_dir) {
	kernel::PinLayout pins(pin_dir);
	if (!pins.installed())
		return Error("nothing is installed at " + pin_dir, ENOENT);
	auto fd4 = kernel::open_pinned_map(pins, kernel::MapId::learned4);
	auto fd6 = kernel::open_pinned_map(pins, kernel::MapId::learned6);
	if (!fd4.ok())
		return std::move(fd4).error();
	if (!fd6.ok())
		return std::move(fd6).error();
	auto entries = read_learned(fd4->get(), fd6->get());
	if (!entries.ok())
		return std::move(entries).error();
	uint64_t now = boot_now_ns();
	nlohmann::json list = nlohmann::json::array();
	for (const auto& e : *entries) {
		auto j = learned_json(e, now);
		j["names"] = nlohmann::json::array();
		j["source"] = "pinned-map";
		list.push_back(j);
	}
	return nlohmann::json{{"source", "pinned-maps"}, {"daemon", "down"}, {"entries", list}};
}

} // namespace egress::daemon
