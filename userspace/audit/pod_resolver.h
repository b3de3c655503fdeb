// Who sent a denied packet: cgroup id -> cgroup path -> pod (uid, namespace, name) and container.
//
// The cgroup id of a cgroup v2 directory is its inode number, so the path is found by walking the
// cgroup2 mount for the directory with that inode. The pod comes from the kubelet's cgroup naming
// (pod_path.h), namespace and name from /var/log/pods/<namespace>_<pod>_<uid> — no API server.
// Both roots are configurable so that tests and the e2e node use directories they create.
//
// Results are cached (bounded, least recently used out). Cgroup ids are never reused, so a miss
// is cached too: a cgroup gone before its first event was decoded stays unattributed instead of
// costing a walk per event.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "audit/lru_cache.h"
#include "audit/pod_path.h"

namespace egress::audit {

struct PodIdentity {
	std::string ns;   // "" when /var/log/pods has no directory for the uid (pod already gone)
	std::string name; // idem
	std::string uid;
};

struct Attribution {
	std::optional<std::string> cgroup_path; // "/kubepods.slice/..." relative to the root; "/" is the root
	std::optional<PodIdentity> pod;         // set only for a pod's cgroup
	std::string container_id;               // "" when not a container's cgroup
	std::string runtime;
};

struct PodResolverOptions {
	std::string cgroup_root = "/sys/fs/cgroup"; // the cgroup2 mount (egress::cgroup2_mount())
	std::string pod_logs_root = "/var/log/pods";
	size_t max_cgroups = 4096; // cached cgroup ids (hits and misses)
	size_t max_pods = 1024;    // cached uid -> namespace/name
};

class PodResolver {
public:
	explicit PodResolver(PodResolverOptions options);

	// Never fails: what cannot be found is left empty. Id 0 (a hook without a socket) is unknown.
	Attribution resolve(uint64_t cgroup_id);

	// The cgroup path alone ("/" for the root), walking the tree on a cache miss.
	std::optional<std::string> cgroup_path(uint64_t cgroup_id);

	// Directory walks done so far (a test checks that hits and misses are cached).
	uint64_t walks() const;

private:
	std::optional<std::string> find_cgroup_locked(uint64_t cgroup_id);
	std::optional<PodName> find_pod_name_locked(const std::string& uid);

	PodResolverOptions options_;
	mutable std::mutex mu_;
	LruCache<uint64_t, std::optional<std::string>> paths_;
	LruCache<std::string, PodName> pods_;
	uint64_t walks_ = 0;
};

} // namespace egress::audit
