// The names a query to a trusted resolver may always ask, whatever the policy allows, so that
// nothing on a node breaks under `dns.queryPolicy: allowed` (which refuses every other name in the
// kernel, docs/dns-learning.md): the cluster domain (Services, and the first entries of every
// pod's search list), the search domains of the node's resolv.conf (kubelet appends them to every
// pod's), the reverse-lookup zones, and the VNet's internal suffix of the cloud. They are
// query-only: an answer for them never teaches an address (EGRESS_PORTS_QUERY_ONLY).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/cloud.h"

namespace egress::verdict {

struct QueryOnlyNames {
	std::vector<std::string> suffixes; // sorted, unique; each stands for itself and every name below
	std::vector<std::string> ignored;  // "search domain x: <why>", for the log
};

// `search_domains`: the node's resolv.conf `search` list as written. A search domain of a single
// label ("com") is ignored: every name below it would be open to tunnelling.
QueryOnlyNames query_only_names(catalog::Cloud cloud, std::string_view cluster_domain,
                                const std::vector<std::string>& search_domains);

} // namespace egress::verdict
