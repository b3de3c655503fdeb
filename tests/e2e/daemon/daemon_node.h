// A simulated AKS node for egressd end-to-end tests: a client network namespace whose test
// processes sit in a pod-named cgroup below a child cgroup (where egressd attaches), a server
// namespace with "internet" hosts and a TCP greeter on 443, a dnsmasq on the server side acting
// as the node's DNS server, a private bpffs, and egressd itself run as a binary in the client
// namespace with every path (config, socket, deny log, pod logs) under a test directory.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "dnsmasq.h"
#include "fixtures.h"

namespace egress::e2e {

// Addresses in the server namespace (all on its loopback, routed through the veth).
inline constexpr const char* kAllowedCidrHost = "198.51.100.10"; // allow: 198.51.100.0/24 tcp/443
inline constexpr const char* kDeniedHost = "203.0.113.10";       // nothing allows it
inline constexpr const char* kResolvedHost = "192.0.2.20";       // allowed.test (dnsmasq), tcp/443
inline constexpr const char* kUnresolvedHost = "192.0.2.21";     // same subnet, no name
// Under the catalog row *.hcp.eastus.azmk8s.io (tcp/443), learned only by the kernel (dnsmasq):
inline constexpr const char* kHcpName = "abc.hcp.eastus.azmk8s.io";
inline constexpr const char* kHcpHost = "192.0.2.30";
inline constexpr const char* kHcpDeepName = "x.abc.hcp.eastus.azmk8s.io"; // two labels: not allowed
inline constexpr const char* kHcpDeepHost = "192.0.2.31";
// The node's resolv.conf (--resolv-conf) names this server besides dnsServers.
inline constexpr const char* kNodeResolver = "192.0.2.53";
inline constexpr const char* kPodUid = "8f2c1a3e-5b7d-4c9e-a1f0-123456789abc";
inline constexpr const char* kPodNamespace = "team-a";
inline constexpr const char* kPodName = "web-0";
inline constexpr const char* kContainerId =
    "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa99887766554433221100";

class DaemonNode {
public:
	DaemonNode();
	~DaemonNode();

	// The config with the node's paths filled in; `extra_allow` adds YAML list items under allow.
	std::string config_yaml(const std::string& extra_allow = "") const;
	// Publishes a config the way kubelet updates a mounted ConfigMap (new dir + rename of ..data).
	void publish_config(const std::string& yaml);
	const std::string& config_path() const { return config_path_; }

	// Starts egressd (in the client netns) and waits until its control socket answers.
	void start_egressd();
	void kill_egressd(int sig);
	// Waits for the egressd process to exit; returns its status (128+signal when killed).
	int wait_egressd();
	bool egressd_running() const { return egressd_ != nullptr; }
	std::string egressd_log() const;

	// Runs `fn` in the client namespace, inside the pod's container cgroup; returns its status.
	int in_pod(std::function<int()> fn) const;
	// TCP connect + read the greeter's "hi": 0, or the errno (EPERM for a deny).
	int connect_from_pod(const std::string& addr, uint16_t port) const;

	// One DNS query (A, over UDP) from the pod to the node's DNS server: 0 when an answer with
	// the query's id and at least one record came back, else an errno.
	int dns_lookup_from_pod(const std::string& name) const;
	// In ONE pod process: looks `name` up (A, UDP, a fresh DNS id) through the node's DNS server,
	// checks that the first A record is `expected`, and connects to it on `port` at once, the way
	// an application does. 0 when the greeter answered, EPERM for a deny, EPROTO for a bad answer.
	int lookup_then_connect_from_pod(const std::string& name, const std::string& expected,
	                                 uint16_t port) const;
	std::string resolv_conf_path() const { return dir_ + "/resolv.conf"; }

	std::string control_socket() const { return dir_ + "/run/egressd.sock"; }
	std::string deny_log_path() const { return dir_ + "/log/deny.log"; }
	std::string pin_dir() const { return pins_->path() + "/aks-egress-guard"; }
	uint16_t metrics_port() const { return 9464; }
	// GET http://127.0.0.1:<metrics_port><path> inside the client namespace (status line + body).
	std::string http_get(const std::string& path) const;

	nlohmann::json control(const std::string& cmd, const nlohmann::json& args = {}) const;

	const testlib::NetnsPair& net() const { return *net_; }
	uint64_t pod_cgroup_id() const;

private:
	std::string dir_;
	std::string config_dir_;
	std::string config_path_;
	int config_version_ = 0;
	std::unique_ptr<testlib::NetnsPair> net_;
	std::unique_ptr<testlib::ChildCgroup> cg_;
	std::unique_ptr<testlib::PinDir> pins_;
	std::string pod_cgroup_;            // the container's cgroup (a kubelet-named path under cg_)
	std::vector<std::string> pod_dirs_; // created cgroup dirs, deepest last
	std::unique_ptr<testlib::ChildProcess> greeter_;
	std::unique_ptr<resolver::e2e::Dnsmasq> dns_;
	std::unique_ptr<testlib::ChildProcess> egressd_;
	int egressd_status_ = -1;
};

} // namespace egress::e2e
