// The daemon's parts, shared by daemon.cpp (start, the loop's sources, reloads) and
// daemon_control.cpp (the control verbs and HTTP paths). Private to the daemon. Each part owns one
// concern; the state only holds them and the few facts that belong to the daemon as a whole.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/metrics.h"
#include "catalog/catalog.h"
#include "daemon/active_resolution.h"
#include "daemon/audit_trail.h"
#include "daemon/budget_summary.h"
#include "daemon/config_watcher.h"
#include "daemon/control_server.h"
#include "daemon/daemon.h"
#include "daemon/event_loop.h"
#include "daemon/host_guard_keeper.h"
#include "daemon/http_server.h"
#include "daemon/node_processes.h"
#include "daemon/pod_follower.h"
#include "daemon/policy_applier.h"
#include "daemon/tamper_check.h"
#include "daemon/uplink_follower.h"
#include "kernel/datapath.h"

namespace egress::daemon {

struct ReloadResult {
	bool ok = true;
	std::string trigger; // "startup" | "inotify" | "SIGHUP" | "control"
	std::string error;
	std::chrono::system_clock::time_point time;
	uint64_t generation = 0; // the generation in force afterwards
	// Wall time of the apply (compile + desired state + map writes) and of its map writes alone;
	// what elapsed until the failure on a failed reload.
	double apply_ms = 0;
	double maps_ms = 0;
};

struct ReloadHistory {
	ReloadResult last;
	std::string last_error; // of the latest failed reload; "" once a reload succeeds
	uint64_t errors = 0;
};

struct Daemon::State {
	DaemonOptions opts;
	std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
	catalog::Catalog catalog;
	std::optional<EventLoop> loop;

	std::optional<kernel::Datapath> dp;
	std::string cgroup_path;
	std::unique_ptr<PolicyApplier> policy;
	std::unique_ptr<ActiveResolution> resolution;
	std::unique_ptr<AuditTrail> audit;
	std::optional<UplinkFollower> uplink;
	std::optional<PodFollower> pods;
	std::unique_ptr<HostGuardKeeper> guard;
	TamperCheck tamper;

	std::optional<NodeProcesses> node;
	BudgetSummaries budgets;
	bool pods_cgroup_known = false;
	std::optional<ConfigWatcher> watcher;
	std::optional<ControlServer> control;
	std::optional<HttpServer> http;
	std::optional<Timer> heartbeat_timer, debounce_timer;
	std::optional<SignalSource> signals;

	audit::Metrics metrics;
	ReloadHistory reloads;
	uint64_t ticks = 0;
	bool ready = false;

	// daemon.cpp
	NodeDns node_dns_for(const policy::Config& config) const;
	Status reload(const std::string& trigger);
	void policy_applied();
	void heartbeat();
	void follow_node_processes();
	void summarise_budgets();
	void collect();
	void on_signal();
	void on_config_change();
	std::string node_name() const;

	// daemon_control.cpp
	control::Response handle(const control::Request& request);
	nlohmann::json status_json();
	nlohmann::json ips_json();
	Result<nlohmann::json> check_json(const control::Request& request);
	Result<nlohmann::json> denies_json(const control::Request& request);
	HttpResponse serve_http(const std::string& path);
};

} // namespace egress::daemon
