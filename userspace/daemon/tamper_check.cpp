#include "daemon/tamper_check.h"

#include <cstring>

#include "common/logger.h"
#include "daemon/check_key.h"
#include "daemon/map_sync.h"
#include "kernel/dns_maps.h"

namespace egress::daemon {
namespace {

constexpr const char* kComponent = "egressd";

std::string config_text(const egress_config& c) {
	return std::string("mode ") + (c.mode == EGRESS_MODE_AUDIT ? "audit" : "enforce") + ", failMode " +
	       (c.fail_mode == EGRESS_FAIL_OPEN ? "open" : "closed") + ", generation " +
	       std::to_string(c.policy_generation);
}

} // namespace

void TamperCheck::check_config(kernel::Datapath& dp, const PolicyApplier& policy,
                               std::vector<TamperFinding>& out) {
	auto now = dp.read_config();
	if (!now.ok()) {
		log::warn(kComponent) << "tamper check: " << now.error().to_string();
		return;
	}
	const egress_config& ours = policy.kernel_config();
	if (now->layout_version == EGRESS_MAP_LAYOUT_VERSION && now->mode == ours.mode &&
	    now->fail_mode == ours.fail_mode && now->policy_generation == ours.policy_generation &&
	    now->heartbeat_stale_ns == ours.heartbeat_stale_ns)
		return;
	// The heartbeat right after this writes ours back.
	out.push_back({"config", "the config map said " + config_text(*now) + " (ours: " + config_text(ours) +
	                             "): written back"});
}

void TamperCheck::check_policy_maps(kernel::Datapath& dp, const PolicyApplier& policy,
                                    std::vector<TamperFinding>& out) {
	const ActivePolicy& active = policy.active();
	if (active.desired.rules.empty())
		return; // nothing of ours is in force yet
	kernel::DnsMaps dns(dp);
	egress_dns_settings want = dns_settings(policy.check_key(), active.config.dns);
	if (auto have = dns.read_settings(); have.ok() && std::memcmp(&*have, &want, sizeof(want)) != 0) {
		if (auto st = dns.write_settings(want); st.ok())
			out.push_back(
			    {"policy_maps", "the DNS learning settings were changed: written back"});
	}
	auto stats = apply_policy_maps(dp, active.desired);
	if (!stats.ok()) {
		log::warn(kComponent) << "tamper check of the policy maps: " << stats.error().to_string();
		return;
	}
	if (stats->added + stats->changed + stats->removed)
		out.push_back({"policy_maps", std::to_string(stats->added) + " entries missing, " +
		                                  std::to_string(stats->changed) + " changed, " +
		                                  std::to_string(stats->removed) + " not ours: put back (" +
		                                  stats->to_string() + ")"});
}

std::vector<TamperFinding> TamperCheck::run(kernel::Datapath& dp, const PolicyApplier& policy, Parts parts,
                                            audit::Metrics& metrics) {
	auto t0 = std::chrono::steady_clock::now();
	std::vector<TamperFinding> found;
	check_config(dp, policy, found);
	check_policy_maps(dp, policy, found);
	if (auto links = dp.repair_links(); !links.ok())
		log::warn(kComponent) << "tamper check of the links: " << links.error().to_string();
	else
		for (auto& line : *links)
			found.push_back({"link", std::move(line)});
	if (parts.uplink)
		if (auto line = parts.uplink->reattach_if_lost(); !line.empty())
			found.push_back({"tc_backstop", line});
	if (parts.pods)
		for (auto& line : parts.pods->verify())
			found.push_back({"pod_interface", std::move(line)});
	if (parts.guard)
		for (auto& line : parts.guard->refresh())
			found.push_back({"host_guard", std::move(line)});
	++runs_;
	last_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
	for (const auto& f : found) {
		log::error(kComponent) << "tamper: " << f.object << ": " << f.detail;
		metrics.inc_tamper_repairs(f.object);
		++repairs_[f.object];
	}
	if (!found.empty()) {
		last_ = found;
		last_time_ = std::chrono::system_clock::now();
	}
	return found;
}

nlohmann::json TamperCheck::status() const {
	nlohmann::json last = nlohmann::json::array();
	for (const auto& f : last_)
		last.push_back({{"object", f.object}, {"detail", f.detail}});
	nlohmann::json j = {
	    {"checks", runs_}, {"last_check_ms", last_ms_}, {"repairs", repairs_}, {"last_repairs", last}};
	if (!last_.empty())
		j["last_repair_time"] =
		    std::chrono::duration_cast<std::chrono::seconds>(last_time_.time_since_epoch()).count();
	return j;
}

} // namespace egress::daemon
