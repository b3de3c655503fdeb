// Whose pod is behind a pod interface, without the API server: containerd's CNI result cache
// (libcni's "cniCacheV1" files under /var/lib/cni/results: the pod's namespace, name and uid from
// the CNI_ARGS kubelet passed, the host-side interface and the pod's addresses from the result)
// and the kubelet's cgroup naming (the pod-level cgroup of that uid, whose id the pod program
// reports denies with). Only attribution depends on it: a pod not found here is still guarded
// (its frames judged, its source checked); its denies just carry no pod.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"

namespace egress::daemon {

struct CniPod {
	std::string ns, name, uid;
	std::vector<std::string> host_interfaces; // result interfaces outside the sandbox
	std::vector<IpAddress> addresses;
};

// One cache file; nullopt when it is not a CNI result of a Kubernetes pod.
std::optional<CniPod> parse_cni_cache(std::string_view json);

struct PodOwner {
	CniPod pod;
	uint64_t cgroup_id = 0; // 0: the pod's cgroup was not found (yet)
	std::string cgroup_path;
};

class PodIdentity {
public:
	// `results_dir`: libcni's cache ("/var/lib/cni/results"); `cgroup_root`: where kubepods lives.
	PodIdentity(std::string results_dir, std::string cgroup_root);
	// The pod whose CNI result names `ifname` as its host interface, or holds one of `addresses`.
	std::optional<PodOwner> find(const std::string& ifname,
	                             const std::vector<IpAddress>& addresses) const;

private:
	std::string results_dir_;
	std::string cgroup_root_;
};

// The pod-level cgroup of `uid` below `root` (systemd or cgroupfs driver): its path, or "".
std::string find_pod_cgroup(const std::string& root, const std::string& uid);

} // namespace egress::daemon
