// The one simulated AKS node of the end-to-end tests and benchmarks: a "node" network namespace
// whose probes run in a kubelet-named pod cgroup below the cgroup egressd attaches to, an
// "internet" namespace holding every host address (on its loopback, routed over the veth), real
// listeners on the documented ports (TCP 443, 9000, 22, 80; UDP 1194, 123 — each answers "hi"),
// dnsmasq resolvers answering for the hosts, a private bpffs, and egressd run as a binary with
// every path (config, socket, deny log, pod logs, resolv.conf) under a test directory. Built and
// torn down per test (RAII); nothing outside the namespaces and cgroups it creates is touched.
//
// Pods with a network namespace of their own (add_pod(), sim_pod.h: a veth as Azure CNI wires it)
// send through the node, which forwards them to the internet side, where a PacketRecorder
// (record(), packet_recorder.h) sees what arrives. The probes of SimNode itself (tcp(), udp(), …)
// run in the node's namespace, in the kubelet-named cgroup of a pod (as a hostNetwork pod).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dnsmasq.h"
#include "fixtures.h"
#include "packet_recorder.h"
#include "sim_pod.h"

namespace egress::e2e {

// The pod every probe runs in (kubelet's systemd-driver naming, containerd).
inline constexpr const char* kPodUid = "8f2c1a3e-5b7d-4c9e-a1f0-123456789abc";
inline constexpr const char* kPodNamespace = "team-a";
inline constexpr const char* kPodName = "web-0";
inline constexpr const char* kContainerId =
    "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa99887766554433221100";

// What a node's config says; SimNode::render() turns it into YAML with the node's own paths.
struct NodeConfig {
	std::string cloud = "AzureCloud";
	std::string location = "eastus";
	std::string edition = "current";
	std::string mode = "enforce";
	std::vector<std::string> features;
	bool recommended = false;
	std::string konnectivity; // "" = the edition's default, else "true" / "false"
	std::vector<std::string> api_server_ips;
	std::vector<std::string> dns_servers; // empty: the node's default resolver
	std::string service_tags;             // path of a ServiceTags file, or ""
	std::string extra;                    // more YAML at the end (allow:, dns:, ...)
	bool metrics = false;                 // listen on 127.0.0.1:9464 (else `listen: ""`)
};

class SimNode {
public:
	static constexpr std::uint16_t kTcpPorts[] = {443, 9000, 22, 80};
	static constexpr std::uint16_t kUdpPorts[] = {1194, 123};
	static constexpr std::uint16_t kMetricsPort = 9464;

	SimNode();
	virtual ~SimNode();
	SimNode(const SimNode&) = delete;
	SimNode& operator=(const SimNode&) = delete;

	// ---- the internet side
	// Gives `name` a fresh address in the internet namespace (198.18.0.0/15); every resolver started
	// afterwards answers it. Returns the address (the same one for a name added twice).
	std::string add_host(const std::string& name);
	// Puts an address on the internet side (e.g. inside a service-tag prefix).
	void add_address(const std::string& addr);
	// Starts a dnsmasq on `listen` (an address of the internet side; added when it is not the
	// veth's) answering every host, `overrides` (name -> address) first, with `extra` dnsmasq
	// options.
	void start_resolver(const std::string& listen,
	                    const std::map<std::string, std::string>& overrides = {},
	                    const std::vector<std::string>& extra = {}, int ttl = 600);
	// The default resolver: the internet side of the veth.
	static std::string default_resolver();
	// Runs `fn` in the internet namespace (e.g. a client of a pod's listener); its exit status.
	int in_internet(std::function<int()> fn) const;
	std::unique_ptr<testlib::ChildProcess> spawn_in_internet(std::function<int()> fn) const;
	// Records what arrives on the internet side of the node's uplink (packet_recorder.h).
	std::unique_ptr<PacketRecorder> record(std::vector<std::string> destinations,
	                                       std::string marker = "") const;

	// ---- pods with their own network namespace (sim_pod.h)
	// The first pod also makes the node forward. The reference stays valid until remove_pod().
	Pod& add_pod(const PodOptions& options = {});
	void remove_pod(Pod& pod); // the pod is gone: processes, cgroups, veth, netns, runtime files
	// containerd's CNI result cache of the pods (stands for /var/lib/cni/results).
	std::string cni_results_dir() const { return dir_ + "/cni/results"; }
	std::string pod_logs_root() const { return dir_ + "/pods"; }

	// ---- config and egressd
	std::string render(const NodeConfig& config) const;
	// Publishes a config the way kubelet updates a mounted ConfigMap (new dir + rename of ..data).
	void publish_config(const std::string& yaml);
	// Publishes `yaml` and waits until egressd reports a new policy generation.
	void reload(const std::string& yaml);
	const std::string& config_path() const { return config_path_; }
	// The node's resolv.conf (egressd --resolv-conf): its nameservers are trusted too.
	void set_resolv_conf(const std::vector<std::string>& nameservers);
	std::string resolv_conf_path() const { return dir_ + "/resolv.conf"; }

	// Starts egressd (in the node namespace; in `own_cgroup` when given, as its container would be:
	// the host guard knows egressd by its cgroup) and waits until its control socket answers.
	void start_egressd(const testlib::ChildCgroup* own_cgroup = nullptr);
	void kill_egressd(int sig);
	// Waits for the egressd process to exit; returns its status (128+signal when killed).
	int wait_egressd();
	bool egressd_running() const { return egressd_ != nullptr; }
	std::string egressd_log() const;
	nlohmann::json status() const;
	// {"ok": true, "result": ...} or {"ok": false, "error": ..., "code": ...}.
	nlohmann::json control(const std::string& cmd, const nlohmann::json& args = {}) const;
	// GET http://127.0.0.1:9464<path> inside the node namespace (status line + headers + body).
	std::string http_get(const std::string& path) const;

	std::string dir() const { return dir_; }
	std::string control_socket() const { return dir_ + "/run/egressd.sock"; }
	std::string deny_log_path() const { return dir_ + "/log/deny.log"; }
	std::string pin_dir() const { return pins_->path() + "/aks-egress-guard"; }
	const std::string& cgroup_path() const { return cg_->path(); }
	const testlib::NetnsPair& net() const { return *net_; }
	uint64_t pod_cgroup_id() const;

	// ---- probes from the pod (0 or the errno that stopped them: EPERM is a deny)
	int in_pod(std::function<int()> fn) const;
	// TCP connect and read the listener's "hi" (ECONNREFUSED while it starts is retried).
	int tcp(const std::string& addr, std::uint16_t port) const;
	// A UDP datagram and its echo (asked up to three times).
	int udp(const std::string& addr, std::uint16_t port) const;
	// One A query to `server`:53; the first address, or "" (errno in *err; ENOENT: no A record).
	std::string resolve(const std::string& name, const std::string& server, int* err = nullptr) const;
	// A DNS query to `server`:53 that gets any answer.
	int dns_reachable(const std::string& server) const;
	// In ONE pod process: resolves `name` through `server` (a fresh DNS id), checks that the first
	// A record is `expected`, and connects to it on `port` at once, as an application does.
	// EPROTO for a bad answer.
	int lookup_then_connect(const std::string& name, const std::string& expected, std::uint16_t port,
	                        const std::string& server = default_resolver()) const;

private:
	void make_pod_cgroup();
	void reap_pod_cgroup();

	std::string dir_;
	std::string config_path_;
	int config_version_ = 0;
	std::unique_ptr<testlib::NetnsPair> net_;
	std::unique_ptr<testlib::ChildCgroup> cg_;
	std::unique_ptr<testlib::PinDir> pins_;
	std::string pod_cgroup_;                   // the container's cgroup (a kubelet-named path under cg_)
	std::vector<std::string> pod_dirs_;        // created cgroup dirs, deepest last
	std::map<std::string, std::string> hosts_; // name -> address
	int next_host_ = 0;
	std::vector<std::unique_ptr<testlib::ChildProcess>> listeners_;
	std::vector<std::unique_ptr<resolver::e2e::Dnsmasq>> resolvers_;
	std::unique_ptr<testlib::ChildProcess> egressd_;
	int egressd_status_ = -1;
	std::vector<std::unique_ptr<Pod>> pods_;
	int next_pod_ = 2;
};

} // namespace egress::e2e
