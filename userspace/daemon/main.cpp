// egressd: the aks-egress-guard node agent (daemon.h). Exit codes: 0 clean shutdown (SIGTERM/SIGINT;
// enforcement stays pinned), 1 startup or fatal loop error, 2 bad command line.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <string>

#include "common/logger.h"
#include "daemon/daemon.h"
#include "egress/abi.h"

int main(int argc, char** argv) {
	using namespace egress;
	daemon::DaemonOptions opts;
	std::string level = "info";
	double deny_window_s = 10;
	CLI::App app{"egressd: AKS node egress enforcement (eBPF)"};
	// Like egressctl version: the release and the kernel contracts it speaks (what an image carries).
	app.set_version_flag("--version", std::string("egressd ") + EGRESS_VERSION + " (map layout " +
	                                      std::to_string(EGRESS_MAP_LAYOUT_VERSION) + ", event schema " +
	                                      std::to_string(EGRESS_EVENT_SCHEMA_VERSION) + ")");
	app.add_option("--config", opts.config_path,
	               "config file (YAML or JSON; a mounted ConfigMap is followed)")
	    ->required();
	app.add_option("--catalog", opts.catalog_path, "catalog file replacing the built-in one");
	app.add_option("--log-level", level, "debug | info | warn | error")->capture_default_str();
	app.add_option("--pod-logs-root", opts.pod_logs_root,
	               "where kubelet keeps pod logs (pod attribution)")
	    ->capture_default_str();
	app.add_option("--cni-results", opts.cni_results,
	               "containerd's CNI result cache (which pod is behind a pod interface)")
	    ->capture_default_str();
	app.add_option("--node-name", opts.node_name,
	               "the deny log's node field (default: $NODE_NAME, else hostname)");
	app.add_option("--resolv-conf", opts.resolv_conf,
	               "the node's resolver list; its nameservers are trusted for DNS learning")
	    ->capture_default_str();
	app.add_option("--deny-log-window", deny_window_s,
	               "seconds a repeated deny is aggregated before it is written")
	    ->capture_default_str();
	try {
		app.parse(argc, argv);
	} catch (const CLI::ParseError& e) {
		return app.exit(e) == 0 ? 0 : 2;
	}
	auto lvl = log::parse_level(level);
	if (!lvl) {
		std::fprintf(stderr, "egressd: --log-level %s: expected debug, info, warn or error\n",
		             level.c_str());
		return 2;
	}
	log::set_level(*lvl);
	opts.deny_window = std::chrono::milliseconds(static_cast<long long>(deny_window_s * 1000));

	daemon::block_daemon_signals(); // before any thread exists
	auto d = daemon::Daemon::start(opts);
	if (!d.ok()) {
		log::error("egressd") << d.error().to_string();
		return 1;
	}
	auto st = (*d)->run();
	if (!st.ok()) {
		log::error("egressd") << st.error().to_string();
		return 1;
	}
	return 0;
}
