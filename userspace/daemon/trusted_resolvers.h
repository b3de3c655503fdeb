// The resolvers whose answers the kernel's DNS learner trusts (egress_dns_srv4/6), and the
// resolv.conf parser that finds the node's own. Pure: the daemon reads the file and writes the maps.
//
// Trusted = config `dnsServers` ∪ the `nameserver` lines of the node's resolv.conf. The config has
// no key of its own for the kube-dns service: `dnsServers` is where an operator lists it
// (10.0.0.10 on a default AKS cluster), next to any custom VNet DNS server. resolv.conf servers are
// trusted as written, loopback ones included (systemd-resolved's 127.0.0.53, a NodeLocal DNSCache
// address): the learner must trust what the node's processes actually query, and a loopback
// stub's answers come from a local process that root already controls.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/net_types.h"

namespace egress::daemon {

struct ResolvConf {
	std::vector<IpAddress> nameservers;      // in file order, duplicates removed
	std::vector<std::string> search_domains; // of the last `search` or `domain` line, as written
	std::vector<std::string> ignored;        // "line 3: nameserver bogus: <why>"
};

// resolv.conf(5): `nameserver ADDRESS` lines; `#` and `;` start comments; an IPv6 zone id
// ("fe80::1%eth0") is dropped, since the kernel compares the bare address. `search` and `domain`
// give the search list (the last such line wins, as in glibc); `options` is not ours.
ResolvConf parse_resolv_conf(std::string_view text);

// What the node's resolv.conf contributes to a policy: its resolvers are trusted, its search
// domains may always be queried (verdict/query_names.h).
struct NodeDns {
	std::vector<IpAddress> resolvers; // trusted_resolvers() of dnsServers and the node's
	std::vector<std::string> search_domains;
};

// Sorted, unique union of the config's servers and the node's.
std::vector<IpAddress> trusted_resolvers(const std::vector<IpAddress>& dns_servers,
                                         const std::vector<IpAddress>& node_servers);

// What a change of the trusted set does, for the log.
struct ResolverChanges {
	std::vector<std::string> trusted;    // newly trusted
	std::vector<std::string> distrusted; // no longer trusted
	bool empty() const { return trusted.empty() && distrusted.empty(); }
};
// Both inputs sorted and unique (as trusted_resolvers() returns them).
ResolverChanges diff_resolvers(const std::vector<IpAddress>& before, const std::vector<IpAddress>& after);

} // namespace egress::daemon
