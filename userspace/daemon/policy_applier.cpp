#include "daemon/policy_applier.h"

#include "common/clock.h"
#include "common/logger.h"
#include "daemon/check_key.h"
#include "daemon/map_sync.h"
#include "daemon/trusted_resolvers.h"
#include "kernel/dns_maps.h"
#include "policy/compiler.h"
#include "policy/service_tags.h"
#include "verdict/query_names.h"

namespace egress::daemon {
namespace {

constexpr const char* kComponent = "egressd";

double ms_since(std::chrono::steady_clock::time_point t0) {
	return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

PolicyApplier::PolicyApplier(kernel::Datapath& dp, const catalog::Catalog& catalog, uint64_t check_key,
                             std::chrono::milliseconds heartbeat_stale, std::optional<egress_config> adopted)
    : dp_(dp), catalog_(catalog), check_key_(check_key),
      heartbeat_stale_ns_(static_cast<uint64_t>(heartbeat_stale.count()) * 1'000'000ULL) {
	if (adopted) {
		kernel_config_ = *adopted;
		active_.generation = adopted->policy_generation;
	}
}

Result<ActivePolicy> build_policy(const policy::Config& config, const catalog::Catalog& catalog,
                                  uint64_t check_key, NodeDns node) {
	ActivePolicy next;
	next.config = config;
	std::optional<policy::ServiceTags> tags;
	if (!config.service_tags.empty()) {
		auto t = policy::load_service_tags(config.service_tags);
		if (!t.ok())
			return std::move(t).error().wrap("loading serviceTags");
		tags = std::move(*t);
	}
	auto compiled = policy::compile(config, catalog, tags ? &*tags : nullptr);
	if (!compiled.ok())
		return std::move(compiled).error().wrap("compiling the policy");
	next.compiled = std::move(*compiled);
	auto query_only =
	    verdict::query_only_names(config.cloud, config.dns.cluster_domain, node.search_domains);
	for (const auto& why : query_only.ignored)
		log::warn(kComponent) << "dns: " << why;
	auto desired = verdict::build_desired_state(next.compiled, check_key, query_only.suffixes);
	if (!desired.ok())
		return std::move(desired).error().wrap("building the datapath state");
	next.desired = std::move(*desired);
	next.desired.resolvers = std::move(node.resolvers);
	return next;
}

egress_config PolicyApplier::kernel_config_for(const ActivePolicy& next) const {
	egress_config cfg = kernel_config_;
	cfg.mode = next.config.mode == policy::Mode::enforce ? EGRESS_MODE_ENFORCE : EGRESS_MODE_AUDIT;
	cfg.fail_mode =
	    next.config.fail_mode == policy::FailMode::open ? EGRESS_FAIL_OPEN : EGRESS_FAIL_CLOSED;
	cfg.policy_generation = next.generation;
	cfg.heartbeat_ns = boot_ns();
	cfg.heartbeat_stale_ns = heartbeat_stale_ns_;
	return cfg;
}

Status PolicyApplier::write(const ActivePolicy& next, const egress_config& cfg) {
	// The settings first: the name entries are hashed with this key (unchanged since start).
	kernel::DnsMaps dns(dp_);
	EGRESS_TRY_CTX(dns.write_settings(dns_settings(check_key_, next.config.dns)),
	               "writing the DNS learning settings");
	auto applied = apply_policy_maps(dp_, next.desired);
	if (!applied.ok())
		return std::move(applied).error();
	EGRESS_TRY_CTX(dp_.write_config(cfg), "writing the config map");
	log::info(kComponent) << "policy generation " << next.generation << " enforced ("
	                      << next.compiled.names.size() << " name rules, " << next.compiled.cidrs.size()
	                      << " CIDR rules; maps: " << applied->to_string() << "), mode "
	                      << policy::mode_name(next.config.mode) << ", failMode "
	                      << policy::fail_mode_name(next.config.fail_mode);
	return ok_status();
}

void PolicyApplier::relearn(const ActivePolicy& next) const {
	auto resolvers = diff_resolvers(active_.desired.resolvers, next.desired.resolvers);
	for (const auto& a : resolvers.trusted)
		log::info(kComponent) << "DNS answers from " << a << " are learned from";
	for (const auto& a : resolvers.distrusted)
		log::info(kComponent) << "DNS answers from " << a << " are no longer learned from";
	// The name rules of the new policy decide which learned addresses live on and with which ports.
	// Before the first apply nothing of ours is in force (an adopted map's rule ids are not ours).
	bool ours = !active_.desired.rules.empty();
	auto dropped = relearn_all(dp_, next.desired.names, ours ? &active_.desired : nullptr);
	if (!dropped.ok())
		log::warn(kComponent) << "re-pointing learned addresses: " << dropped.error().to_string();
	else if (*dropped)
		log::info(kComponent)
		    << *dropped << " learned addresses dropped: no rule allows their names any more";
}

Status PolicyApplier::apply(ActivePolicy next) {
	auto t0 = std::chrono::steady_clock::now();
	next.generation = active_.generation + 1;
	egress_config cfg = kernel_config_for(next);
	auto st = write(next, cfg);
	last_maps_ms_ = ms_since(t0);
	if (!st.ok()) {
		// A half-written map set must not stay: put the last good policy back (there is none
		// before the first apply, and then the daemon does not start).
		if (!active_.desired.rules.empty()) {
			(void)kernel::DnsMaps(dp_).write_settings(
			    dns_settings(check_key_, active_.config.dns));
			if (auto back = apply_policy_maps(dp_, active_.desired); !back.ok())
				log::error(kComponent)
				    << "restoring the last good policy: " << back.error().to_string();
		}
		return st;
	}
	relearn(next);
	for (const auto& w : next.compiled.warnings)
		log::debug(kComponent) << "policy warning: " << w.origin << ": " << w.message;
	active_ = std::move(next);
	kernel_config_ = cfg;
	last_maps_ms_ = ms_since(t0);
	return ok_status();
}

Status PolicyApplier::set_pods_cgroup(uint64_t id, uint32_t level) {
	egress_config cfg = kernel_config_;
	cfg.pods_cgroup_id = id;
	cfg.pods_cgroup_level = level;
	cfg.heartbeat_ns = boot_ns();
	EGRESS_TRY_CTX(dp_.write_config(cfg), "writing the pods' cgroup into the config map");
	kernel_config_ = cfg;
	return ok_status();
}

Status PolicyApplier::heartbeat() {
	kernel_config_.heartbeat_ns = boot_ns();
	return dp_.write_config(kernel_config_).context("heartbeat");
}

std::vector<std::string> restart_only_changes(const policy::Config& a, const policy::Config& b) {
	std::vector<std::string> out;
	if (a.cgroup_path != b.cgroup_path)
		out.push_back("cgroupPath");
	if (a.pin_path != b.pin_path)
		out.push_back("pinPath");
	if (a.control_socket != b.control_socket)
		out.push_back("controlSocket");
	if (a.metrics != b.metrics)
		out.push_back("metrics");
	if (a.deny_log != b.deny_log)
		out.push_back("denyLog");
	if (a.uplink != b.uplink || a.uplink_enforce != b.uplink_enforce)
		out.push_back("uplink");
	if (a.host_guard != b.host_guard)
		out.push_back("hostGuard");
	return out;
}

void keep_restart_only_keys(const policy::Config& running, policy::Config& next) {
	// Keys read only at start keep their running values, so that `status` tells the truth.
	next.cgroup_path = running.cgroup_path;
	next.pin_path = running.pin_path;
	next.control_socket = running.control_socket;
	next.metrics = running.metrics;
	next.deny_log = running.deny_log;
	next.uplink = running.uplink;
	next.uplink_enforce = running.uplink_enforce;
	next.host_guard = running.host_guard;
}

} // namespace egress::daemon
