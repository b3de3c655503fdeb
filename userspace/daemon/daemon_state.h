// The daemon's state, shared by daemon.cpp (startup, loop, reload) and daemon_control.cpp (the
// control verbs). Private to the daemon: not part of its public headers' contract.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/deny_log.h"
#include "audit/metrics.h"
#include "audit/name_index.h"
#include "audit/pod_resolver.h"
#include "catalog/catalog.h"
#include "common/unique_handle.h"
#include "daemon/config_watcher.h"
#include "daemon/control_server.h"
#include "daemon/daemon.h"
#include "daemon/deny_feed.h"
#include "daemon/desired_state.h"
#include "daemon/http_server.h"
#include "daemon/learned_book.h"
#include "daemon/resolver_worker.h"
#include "daemon/uplink_plan.h"
#include "kernel/datapath.h"
#include "kernel/event_reader.h"
#include "kernel/uplink.h"
#include "policy/compiled_policy.h"
#include "policy/config.h"

namespace egress::daemon {

// A policy that compiled and was written to the maps.
struct ActivePolicy {
	policy::Config config;
	policy::CompiledPolicy compiled;
	DesiredState desired;
	uint64_t generation = 0;
};

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

struct Daemon::State {
	DaemonOptions opts;
	std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
	catalog::Catalog catalog;
	ActivePolicy active;
	ReloadResult last_reload;
	std::string last_error; // of the latest failed reload; "" once a reload succeeds
	uint64_t reload_errors = 0;

	std::optional<kernel::Datapath> dp;
	std::string cgroup_path;
	egress_config kernel_config{};
	uint64_t check_key = 0; // of egress_names' check hash; fixed once the datapath is loaded
	bool ready = false;
	double last_maps_ms = 0; // of the latest enforce()

	// The TC backstop's uplink (uplink_plan.h). Only `auto` has a watcher; the interface our
	// filter is on is what the install record says (0: none).
	UplinkMode uplink_mode = UplinkMode::off;
	std::optional<kernel::UplinkWatcher> uplink_watcher;
	uint32_t backstop_ifindex = 0;

	audit::Metrics metrics;
	audit::NameIndex names;
	std::unique_ptr<audit::PodResolver> pods;
	std::shared_ptr<DenyFeed> feed;
	std::unique_ptr<audit::DenyLog> deny_log;
	std::optional<kernel::EventReader> events;

	LearnedBook book;
	std::unique_ptr<ResolverWorker> resolver;
	std::optional<ConfigWatcher> watcher;
	std::optional<ControlServer> control;
	std::optional<HttpServer> http;

	UniqueFd epoll, signals, heartbeat_timer, debounce_timer;
	uint64_t ticks = 0;
	bool stopping = false;

	// daemon.cpp
	Status reload(const std::string& trigger);
	Result<ActivePolicy> build(const policy::Config& config) const;
	Result<DesiredState> desired_for(const policy::CompiledPolicy& compiled,
	                                 const policy::Config& config) const;
	std::vector<IpAddress> node_resolvers() const;
	Status enforce(ActivePolicy& next);
	void heartbeat();
	void collect();
	void on_address_changes();
	void follow_uplink(const std::optional<kernel::Uplink>& uplink);
	void on_uplink_change();
	void restart_resolver_if_needed(const policy::Config& config);
	std::string node_name() const;

	// daemon_control.cpp
	control::Response handle(const control::Request& request);
	nlohmann::json status_json();
	nlohmann::json uplink_status();
	nlohmann::json ips_json();
	Result<nlohmann::json> check_json(const control::Request& request);
	Result<nlohmann::json> denies_json(const control::Request& request);
	HttpResponse serve_http(const std::string& path);
};

uint64_t boot_ns();

} // namespace egress::daemon
