// Export of a compiled policy as a CiliumClusterwideNetworkPolicy (apiVersion cilium.io/v2) for
// clusters that run Cilium instead of (or next to) aks-egress-guard. Pure: builds YAML text.
//
// Mapping:
//  - exact names -> toFQDNs.matchName; `*.x` -> matchPattern `*.x` (Cilium's `*` matches the
//    characters of ONE label: same meaning as ours); `**.x` -> matchPattern `**.x` (Cilium's prefix
//    for one or more labels; releases without it read `**` as `*`: one label, narrower, never wider);
//  - the cluster CIDRs (and every CIDR inside them, e.g. kube-dns's service IP) -> one rule
//    `toEntities: [cluster]`: Cilium matches pods and nodes by identity, so a toCIDRSet of the pod
//    subnet would match nothing and cut in-cluster traffic;
//  - other CIDR rules -> toCIDRSet; ports -> toPorts (protocol TCP/UDP/ANY, `endPort` for ranges, port "0"
//    for every port of a protocol; a rule with any protocol and port has no toPorts);
//  - rules with the same port list share one egress rule;
//  - a DNS rule to kube-dns (and to the configured DNS servers) with `rules.dns: matchPattern "*"`,
//    without which Cilium's DNS proxy never sees the answers that toFQDNs needs.
// The policy selects every pod (`endpointSelector: {}`). Cilium does not support toFQDNs in host
// (nodeSelector) policies, so node processes are not covered by this export.
#pragma once

#include <string>

#include "policy/compiled_policy.h"

namespace egress::policy {

struct CiliumOptions {
	std::string name = "aks-egress-guard";
};

std::string render_cilium(const CompiledPolicy& policy, const CiliumOptions& options = {});

} // namespace egress::policy
