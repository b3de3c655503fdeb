// Pod identity from a cgroup path, by the kubelet's cgroup naming alone (no API server):
//
//   systemd driver:  kubepods.slice/kubepods-burstable.slice/
//                      kubepods-burstable-pod<uid, '-' written as '_'>.slice/cri-containerd-<id>.scope
//                    (also crio-<id>.scope and docker-<id>.scope; guaranteed pods sit directly
//                     under kubepods.slice as kubepods-pod<uid>.slice)
//   cgroupfs driver: kubepods/burstable/pod<uid>/<id>   (guaranteed: kubepods/pod<uid>/<id>)
//
// The kubepods segment may sit anywhere in the path (nested cgroup roots, the walk root's prefix).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace egress::audit {

enum class QosClass { guaranteed, burstable, besteffort };

std::string_view qos_name(QosClass qos);

struct PodCgroup {
	std::string uid; // with dashes, as in the API and /var/log/pods
	QosClass qos = QosClass::guaranteed;
	std::string container_id; // 64 hex; "" for the pod-level cgroup or an unrecognised child
	std::string runtime;      // "containerd", "cri-o", "docker"; "" when unknown (cgroupfs)
};

// nullopt for cgroups that are not a pod's (system.slice/..., the root, kubepods itself).
std::optional<PodCgroup> parse_pod_cgroup(std::string_view cgroup_path);

// Namespace and pod name from a /var/log/pods directory name "<namespace>_<pod-name>_<uid>".
// Namespaces and pod names are DNS-1123 names, which never contain '_', so the split is exact.
struct PodName {
	std::string ns;
	std::string name;
	std::string uid;
};
std::optional<PodName> parse_pod_log_dir(std::string_view dir_name);

} // namespace egress::audit
