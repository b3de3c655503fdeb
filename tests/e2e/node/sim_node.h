// A simulated AKS node for the node-level suite: a "node" network namespace whose probes run in a
// pod cgroup below the cgroup egressd attaches to, an "internet" namespace holding every host
// address (on its loopback, routed over the veth), real listeners on the documented ports (TCP 443,
// 9000, 22, 80; UDP 1194, 123), one or more dnsmasq instances answering for the hosts, a private
// bpffs, and egressd run as a binary. Built and torn down per test (RAII); nothing outside the
// namespaces and cgroups it creates is touched.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dnsmasq.h"
#include "fixtures.h"

namespace egress::e2e::node {

// What the node's config says; render() turns it into YAML with the node's own paths.
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
};

class SimNode {
public:
	static constexpr std::uint16_t kTcpPorts[] = {443, 9000, 22, 80};
	static constexpr std::uint16_t kUdpPorts[] = {1194, 123};

	SimNode();
	~SimNode();
	SimNode(const SimNode&) = delete;
	SimNode& operator=(const SimNode&) = delete;

	// Gives `name` a fresh address in the internet namespace; every resolver started afterwards
	// answers it. Returns the address (the same one for a name added twice).
	std::string add_host(const std::string& name);
	// Puts an address without a name on the internet side (e.g. inside a service-tag prefix).
	void add_address(const std::string& addr);
	// Starts a dnsmasq listening on `listen` (an address of the internet side; added when it is
	// not the veth's), answering every host, with `overrides` (name -> address) taking precedence.
	void start_resolver(const std::string& listen,
	                    const std::map<std::string, std::string>& overrides = {});
	// The default resolver: the internet side of the veth.
	static std::string default_resolver();

	std::string render(const NodeConfig& config) const;
	// Writes the config (atomically, by rename); before start_egressd, or as a live reload.
	void write_config(const std::string& yaml);
	// Starts egressd in the node namespace and waits until /readyz-equivalent (status answers).
	void start_egressd();
	// Writes `yaml` and waits until egressd reports a new policy generation.
	void reload(const std::string& yaml);
	std::string egressd_log() const;
	nlohmann::json status() const;
	std::string dir() const { return dir_; }

	// From the pod: one A query to `server`:53; the first address, or "" (errno in *err).
	std::string resolve(const std::string& name, const std::string& server, int* err = nullptr) const;
	// From the pod: TCP connect and read the greeting; 0 or the errno (EPERM for a deny).
	int tcp(const std::string& addr, std::uint16_t port) const;
	// From the pod: a UDP datagram and its echo; 0 or the errno (EPERM for a deny).
	int udp(const std::string& addr, std::uint16_t port) const;
	// From the pod: a DNS query to `server`:53 that gets any answer; 0 or the errno.
	int dns_reachable(const std::string& server) const;

private:
	int in_pod(std::function<int()> fn) const;
	std::string control_socket() const { return dir_ + "/run/egressd.sock"; }
	std::string pin_dir() const { return pins_->path() + "/aks-egress-guard"; }

	std::string dir_;
	std::unique_ptr<testlib::NetnsPair> net_;
	std::unique_ptr<testlib::ChildCgroup> cg_;
	std::unique_ptr<testlib::PinDir> pins_;
	std::string pod_cgroup_;
	std::map<std::string, std::string> hosts_; // name -> address
	int next_host_ = 0;
	std::vector<std::unique_ptr<testlib::ChildProcess>> listeners_;
	std::vector<std::unique_ptr<resolver::e2e::Dnsmasq>> resolvers_;
	std::unique_ptr<testlib::ChildProcess> egressd_;
};

} // namespace egress::e2e::node
