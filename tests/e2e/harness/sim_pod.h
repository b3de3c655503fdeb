// A pod of the simulated node with its own network namespace, as Azure CNI (transparent mode)
// wires one on AKS:
//
//   pod netns   eth0 10.244.1.<n>/32 (+ fd00:10:244::<n>/128), default route via 169.254.1.1
//               (a permanent neighbour entry: the host veth's MAC) and via fe80::1 for IPv6
//   node netns  the host end of the veth (host_if(), "aegp…"), fe80::1 on it, routes to the
//               pod's /32 and /128; the node forwards (ip_forward, IPv6 forwarding)
//   cgroups     kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid>.slice/ with a sandbox
//               scope and a container scope (cri-containerd-<id>.scope) below the node's attach
//               cgroup; probes run in the container scope
//   files       /var/log/pods/<ns>_<name>_<uid>/ and containerd's CNI result cache
//               (<cni>/results/<network>-<sandbox id>-eth0, libcni's "cniCacheV1" JSON: the pod's
//               namespace/name/uid, the host interface and the pod's addresses), both under the
//               node's test directory
//
// Every probe runs as a chosen identity, as a container runtime starts a process:
//   Identity::container_root  uid 0 with containerd's default capability set (bounding, permitted
//                             and effective): CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW,
//                             SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT,
//                             KILL, AUDIT_WRITE
//   Identity::nobody          uid/gid 65534, no capability at all
// Made by SimNode::add_pod(); removed (processes killed, cgroups, netns and veth gone) with the
// node or by SimNode::remove_pod().
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fixtures.h"

namespace egress::e2e {

enum class Identity {
	container_root,
	nobody,
};

struct PodOptions {
	std::string ns = "team-b";
	std::string name;               // "" = "pod-<n>"
	std::string qos = "besteffort"; // besteffort | burstable (guaranteed sits under kubepods.slice)
	bool ipv6 = true;
};

// What SimNode hands a new pod (internal to the harness).
struct PodPlacement {
	int index = 0;               // 2..250: the last byte of its addresses
	std::string node_netns;      // the node's network namespace
	std::string kubepods_slice;  // the node's kubepods.slice directory
	std::string pod_logs_root;   // stands for /var/log/pods
	std::string cni_results_dir; // stands for /var/lib/cni/results
};

class Pod {
public:
	Pod(const PodOptions& options, const PodPlacement& placement);
	~Pod();
	Pod(const Pod&) = delete;
	Pod& operator=(const Pod&) = delete;

	const std::string& ns() const { return ns_; }
	const std::string& name() const { return name_; }
	const std::string& uid() const { return uid_; }
	const std::string& container_id() const { return container_id_; }
	const std::string& netns() const { return netns_; }
	const std::string& host_if() const { return host_if_; } // in the node's netns
	int host_ifindex() const { return host_ifindex_; }
	const std::string& ipv4() const { return ipv4_; }
	const std::string& ipv6() const { return ipv6_; }               // "" without IPv6
	const std::string& mac() const { return mac_; }                 // eth0's, "aa:bb:…"
	const std::string& gateway_mac() const { return gateway_mac_; } // the host veth's
	static constexpr const char* kGatewayV4 = "169.254.1.1";
	static constexpr const char* kGatewayV6 = "fe80::1";
	// The pod-level cgroup (what the pod program reports denies with) and the container's.
	const std::string& pod_cgroup() const { return pod_cgroup_; }
	const std::string& container_cgroup() const { return container_cgroup_; }
	uint64_t pod_cgroup_id() const;
	uint64_t container_cgroup_id() const;

	// Runs `fn` in the pod's netns and container cgroup as `who`; its exit status (0 or an errno).
	int run(Identity who, std::function<int()> fn) const;
	// The same in the background (killed and reaped when the handle goes).
	std::unique_ptr<testlib::ChildProcess> spawn(Identity who, std::function<int()> fn) const;
	// The node's listeners from the pod (probes.h).
	int tcp(const std::string& addr, std::uint16_t port, Identity who = Identity::container_root) const;
	int udp(const std::string& addr, std::uint16_t port, Identity who = Identity::container_root) const;

private:
	void wire_network(const PodOptions& options, const PodPlacement& placement);
	void make_cgroups(const PodOptions& options, const PodPlacement& placement);
	void write_runtime_files(const PodPlacement& placement);

	std::string ns_, name_, uid_, container_id_, sandbox_id_;
	std::string netns_, node_netns_, host_if_, ipv4_, ipv6_, mac_, gateway_mac_;
	int host_ifindex_ = 0;
	std::string pod_cgroup_, container_cgroup_;
	std::vector<std::string> cgroup_dirs_; // created, deepest last
	std::string log_dir_, cni_file_;
};

// Drops to `who` in the calling process (a forked probe): bounding set, capabilities, uid/gid.
// Returns 0 or the errno of the step that failed.
int become(Identity who);

} // namespace egress::e2e
