// The config as the pod sees it, from a stream of Kubernetes manifests (what `kubectl kustomize`
// prints): the data keys of the aks-egress-guard ConfigMap, which the DaemonSet mounts as files
// (config.yaml, its overlays config.<part>.yaml, a ServiceTags extract). `egressctl render|check
// --configmap` writes them into a folder and loads config.yaml from it, as egressd would.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace egress::policy {

inline constexpr std::string_view kConfigMapName = "aks-egress-guard-config";

// key -> content of the ConfigMap named kConfigMapName, else of the only ConfigMap holding a
// `config.yaml` key. Keys must be names a kubelet projects as files ([-._a-zA-Z0-9]+, not "." or
// ".."). Never throws.
Result<std::map<std::string, std::string>> configmap_files(std::string_view manifests);

} // namespace egress::policy
