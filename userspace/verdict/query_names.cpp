#include "verdict/query_names.h"

#include <algorithm>

#include "policy/config.h"

namespace egress::verdict {

QueryOnlyNames query_only_names(catalog::Cloud cloud, std::string_view cluster_domain,
                                const std::vector<std::string>& search_domains) {
	QueryOnlyNames out;
	// RFC 1035 3.5 and RFC 3596 2.5: what PTR lookups (kubectl logs, sshd, glibc's
	// getnameinfo) ask; the answers are names, never addresses to learn.
	out.suffixes = {"in-addr.arpa", "ip6.arpa"};
	if (!cluster_domain.empty())
		out.suffixes.emplace_back(cluster_domain);
	if (const auto* info = catalog::cloud_info(cloud); info && !info->internal_dns_suffix.empty())
		out.suffixes.emplace_back(info->internal_dns_suffix);
	for (const auto& domain : search_domains) {
		auto name = policy::normalize_fqdn(domain, false);
		if (!name.ok()) {
			out.ignored.push_back("search domain " + domain + ": " + name.error().message());
			continue;
		}
		if (name->find('.') == std::string::npos) {
			out.ignored.push_back("search domain " + *name +
			                      ": a single label; every name below it would be open to DNS "
			                      "tunnelling (list the names you need in allow instead)");
			continue;
		}
		out.suffixes.push_back(*name);
	}
	std::sort(out.suffixes.begin(), out.suffixes.end());
	out.suffixes.erase(std::unique(out.suffixes.begin(), out.suffixes.end()), out.suffixes.end());
	return out;
}

} // namespace egress::verdict
