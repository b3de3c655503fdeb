// The sockets of this network namespace, as sock_diag(7) lists them: which processes' cgroups hold
// a UDP socket bound to a port (the node's own resolvers: systemd-resolved, node-local-dns,
// LocalDNS, dnsmasq). The cgroup id comes from INET_DIAG_CGROUP_ID (kernel 5.7).
#pragma once

#include <cstdint>
#include <vector>

#include "common/ip_address.h"
#include "common/result.h"

namespace egress::kernel {

struct BoundSocket {
	IpAddress local;        // the bound address; 0.0.0.0 or :: for a wildcard bind
	uint16_t port = 0;      // host order
	uint64_t cgroup_id = 0; // cgroup v2 id of the socket (0: the kernel did not say)
};

// UDP sockets (IPv4 and IPv6) bound to `port`. Errors: netlink failures (EPERM without
// CAP_NET_ADMIN is not one: sock_diag lists sockets to anyone).
Result<std::vector<BoundSocket>> udp_sockets_bound_to(uint16_t port);

} // namespace egress::kernel
