#include "daemon/pinned_reader.h"

#include <cerrno>

#include "common/abi_names.h"
#include "common/clock.h"
#include "kernel/pinned_installation.h"
#include "policy/check.h"
#include "verdict/check.h"
#include "verdict/report.h"

namespace egress::daemon {

Result<nlohmann::json> pinned_status(const std::string& pin_dir) {
	auto pins = kernel::PinnedInstallation::open(pin_dir);
	if (!pins.ok())
		return std::move(pins).error();
	auto cfg = pins->config();
	if (!cfg.ok())
		return std::move(cfg).error();
	nlohmann::json out = {{"source", "pinned-maps"}, {"daemon", "down"}, {"pin_dir", pin_dir}};
	uint64_t now = boot_ns();
	out["mode"] = std::string(mode_name(cfg->mode));
	out["fail_mode"] = cfg->fail_mode == EGRESS_FAIL_OPEN ? "open" : "closed";
	out["policy_generation"] = cfg->policy_generation;
	out["map_layout_version"] = cfg->layout_version;
	double age = cfg->heartbeat_ns && now > cfg->heartbeat_ns
	                 ? static_cast<double>(now - cfg->heartbeat_ns) / 1e9
	                 : 0.0;
	out["heartbeat_age_s"] = age;
	bool stale = cfg->heartbeat_stale_ns && now - cfg->heartbeat_ns > cfg->heartbeat_stale_ns;
	out["heartbeat_stale"] = stale;
	// What the kernel does right now: fail-open with a stale heartbeat audits instead of enforcing.
	out["effective_mode"] =
	    cfg->mode == EGRESS_MODE_AUDIT || (cfg->fail_mode == EGRESS_FAIL_OPEN && stale) ? "audit"
	                                                                                    : "enforce";
	if (auto info = pins->install(); info.ok())
		out["cgroup_id"] = info->cgroup_id;
	nlohmann::json maps = nlohmann::json::object();
	for (const auto& f : pins->fills())
		maps[f.name] = {{"entries", f.entries}, {"max_entries", f.max_entries}};
	out["maps"] = maps;
	if (auto counters = pins->counters(); counters.ok())
		out["counters"] = verdict::counters_summary(*counters);
	return out;
}

Result<nlohmann::json> pinned_ips(const std::string& pin_dir) {
	auto pins = kernel::PinnedInstallation::open(pin_dir);
	if (!pins.ok())
		return std::move(pins).error();
	auto entries = pins->verdict_maps().learned_entries();
	if (!entries.ok())
		return std::move(entries).error();
	uint64_t now = boot_ns();
	nlohmann::json list = nlohmann::json::array();
	for (const auto& e : *entries) {
		auto j = verdict::learned_json(e.address, e.value, now);
		j["names"] = nlohmann::json::array();
		j["source"] = "pinned-map";
		list.push_back(j);
	}
	return nlohmann::json{{"source", "pinned-maps"}, {"daemon", "down"}, {"entries", list}};
}

Result<nlohmann::ordered_json> pinned_check(const std::string& pin_dir, const std::string& dest,
                                            const std::string& proto_name) {
	Proto proto = proto_name == "udp" ? Proto::udp : Proto::tcp;
	auto query = policy::parse_check_query(dest, proto);
	if (!query.ok())
		return std::move(query).error();
	if (!query->is_address)
		return Error("the pinned maps hold only hashes of names, so a name cannot be checked while "
		             "egressd is down; check an address, or use --config FILE for the offline check",
		             EINVAL);
	auto pins = kernel::PinnedInstallation::open(pin_dir);
	if (!pins.ok())
		return std::move(pins).error();
	auto judged = verdict::judged_address(verdict::address_query(*query));
	auto entries = verdict::lookup(pins->verdict_maps(), judged);
	if (!entries.ok())
		return std::move(entries).error();
	uint64_t now = boot_ns();
	auto answer = verdict::check(verdict::CheckContext{}, *query, *entries, now);
	nlohmann::ordered_json out = verdict::to_json(answer, now);
	out["source"] = "pinned-maps";
	out["daemon"] = "down";
	out["pin_dir"] = pin_dir;
	// Without the policy the map entries are all there is to show.
	out["matches"] = verdict::map_hits_json(*answer.address, now);
	out.erase("maps");
	out["learned"] = entries->learned
	                     ? nlohmann::ordered_json(verdict::learned_json(judged, *entries->learned, now))
	                     : nlohmann::ordered_json();
	out["notes"] = nlohmann::ordered_json::array(
	    {"read from the pinned maps: rule ids only, no rule names or origins"});
	return out;
}

} // namespace egress::daemon
