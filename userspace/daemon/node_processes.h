// What egressd tells the datapath about the node's own processes, found again at every heartbeat
// (docs/threat-model.md, docs/dns-learning.md):
//  - the pods' cgroup (kubelet's kubepods[.slice] below the cgroup egressd attaches to): packets of
//    sockets below it are a pod's own, never the kernel's, so the datapath's reply and ICMP-error
//    exemptions are not theirs (bpf/lib/origin.h);
//  - the cgroups of the node's own resolvers: the UDP sockets bound to port 53 on a trusted
//    resolver address or a wildcard, in egressd's network namespace (the node's). An answer that
//    arrives over loopback teaches only when one of them sent it (bpf/lib/dns_query.h); a pod or a
//    process that answers itself "from" a resolver is not one of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/cgroup.h"
#include "common/ip_address.h"
#include "common/result.h"
#include "kernel/datapath.h"
#include "kernel/socket_diag.h"

namespace egress::daemon {

// The cgroups of the sockets that are the node's resolvers: bound to port 53 on one of `trusted`
// or on a wildcard address. Sorted, unique; sockets without a cgroup id are left out.
std::vector<uint64_t> resolver_cgroups(const std::vector<kernel::BoundSocket>& sockets,
                                       const std::vector<IpAddress>& trusted);

class NodeProcesses {
public:
	// `cgroup_mount`: the cgroup v2 mount point; `attach_path`: the cgroup the programs attach to.
	NodeProcesses(kernel::Datapath& dp, std::string cgroup_mount, std::string attach_path)
	    : dp_(dp), mount_(std::move(cgroup_mount)), attach_(std::move(attach_path)) {}

	// The pods' cgroup, once it exists; nullopt before (kubelet creates it at its start).
	std::optional<CgroupRef> find_pods_cgroup() const;

	// Makes egress_dns_resolver_cgroups hold the cgroups of the node's resolvers now. Returns
	// whether the set changed.
	Result<bool> refresh_resolver_cgroups(const std::vector<IpAddress>& trusted);
	const std::vector<uint64_t>& resolver_cgroup_ids() const { return resolvers_; }

private:
	kernel::Datapath& dp_;
	std::string mount_, attach_;
	std::vector<uint64_t> resolvers_;
};

} // namespace egress::daemon
