// egressd: the node agent. Loads the config, compiles the policy, loads (or adopts) the datapath,
// writes the maps, attaches, and then runs one epoll loop until SIGTERM/SIGINT:
//
//   signalfd      SIGHUP -> reload; SIGTERM/SIGINT -> clean exit (pins stay: enforcement goes on)
//   inotify       the config's directory (ConfigMap symlink swaps) -> debounce -> reload if changed
//   timerfd 1 s   heartbeat into the config map (failMode: open relies on it), counter metrics;
//                 every 10 s: GC of expired learned entries, map fill levels
//   ring buffer   deny events -> deny log (+ metrics); learn events (the kernel's DNS learner)
//                 -> name index (dst_names, `ips`)
//   resolver      address changes of actively resolved exact names -> learned maps
//   control       the unix control socket (control_server.h), the metrics HTTP endpoint
//   uplink        (uplink: auto) rtnetlink link/route/address changes -> move the TC backstop
//   pods          rtnetlink link/route changes -> the pod programs on every pod interface
//
// Every heartbeat also runs the tamper check (tamper_check.h): config map, policy maps, links, the
// TC backstop and the pod interfaces are compared with what egressd wrote and put back.
//
// A reload that fails (parse, validate, compile, map write) keeps the last good policy enforced,
// logs why, bumps egress_policy_reload_errors_total and shows in `status` (last_error,
// last_good_generation). docs/daemon.md is the operator's reference.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"

namespace egress::daemon {

struct DaemonOptions {
	std::string config_path;
	std::string catalog_path;                    // "" = the catalog built into the binary
	std::string pod_logs_root = "/var/log/pods"; // pod attribution (tests point it elsewhere)
	// containerd's CNI result cache: which pod is behind a pod interface (pod_identity.h)
	std::string cni_results = "/var/lib/cni/results";
	std::string node_name; // "" = $NODE_NAME, else the host name
	// The node's resolvers, trusted by the kernel's DNS learner next to config dnsServers. Read at
	// start and at every reload; a missing file means none.
	std::string resolv_conf = "/etc/resolv.conf";
	std::chrono::milliseconds deny_window{10000}; // deny-log aggregation window (0: none)
	std::chrono::milliseconds heartbeat_interval{1000};
	// failMode: open treats the node as audit once the heartbeat is this old: five missed beats,
	// so a loaded node or a short daemon restart does not flap the mode.
	std::chrono::milliseconds heartbeat_stale{5000};
	std::chrono::milliseconds reload_debounce{300};
	std::chrono::milliseconds gc_interval{10000};
};

class Daemon {
public:
	// Everything up to enforcement: a failure here is fatal (there is no last good policy yet).
	static Result<std::unique_ptr<Daemon>> start(DaemonOptions options);
	~Daemon();

	// The event loop; returns on SIGTERM/SIGINT (success) or a fatal loop error.
	Status run();

	struct State;

private:
	explicit Daemon(std::unique_ptr<State> state);
	std::unique_ptr<State> s_;
};

// Blocks the signals the daemon handles through signalfd. Call before any thread starts (threads
// inherit the mask, so none of them takes SIGTERM instead of the loop).
void block_daemon_signals();

} // namespace egress::daemon
