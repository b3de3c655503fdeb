// The built-in config: what the demo runs and what `egressctl` shows as a starting point.
#include "policy/config.h"

namespace egress::policy {

// Audit mode, so that running it anywhere never blocks anything; the subnets are AKS's defaults
// (managed VNet 10.224.0.0/12, overlay pods 10.244.0.0/16, services 10.0.0.0/16, kube-dns 10.0.0.10).
const std::string_view kDefaultConfigYaml = R"(# aks-egress-guard config (docs/config.md lists every key)
cloud: AzureCloud
location: eastus
edition: current
mode: audit          # switch to enforce once the deny log is quiet
failMode: closed
features: []
recommended: false
konnectivity: true
clusterCIDRs:
  - 10.224.0.0/12    # node subnet (AKS managed VNet)
  - 10.244.0.0/16    # pods (overlay / kubenet)
  - 10.0.0.0/16      # services
dnsServers:
  - 10.0.0.10        # kube-dns (CoreDNS); Azure DNS 168.63.129.16 is in the safety floor
allow: []
denyLog:
  stdout: true
metrics:
  listen: 127.0.0.1:9464
dns:
  minTTL: 60s
  maxTTL: 24h
  grace: 30s
)";

std::string default_config_yaml() {
	return std::string(kDefaultConfigYaml);
}

} // namespace egress::policy
