// What the two rtnetlink watchers of kernel/ (uplink.h, pod_interfaces.h) share: a connected
// NETLINK_ROUTE socket, a subscribed non-blocking one, draining it, and address text. Internal to
// kernel/.
#pragma once

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <initializer_list>
#include <string>

#include "common/result.h"
#include "common/unique_handle.h"

namespace egress::kernel {

using UniqueSock = UniqueHandle<nl_sock, nl_socket_free>;
using UniqueCache = UniqueHandle<nl_cache, nl_cache_free>;

Error nl_error(int err, const std::string& what);
Result<UniqueSock> connect_route_socket();

// A socket subscribed to `groups` (RTNLGRP_*), non-blocking, with a large receive buffer. Messages
// are never interpreted: readers drain it and recompute from dumps, so a burst is one recompute
// and an overrun (ENOBUFS) loses nothing that matters.
Result<UniqueSock> subscribe_route_events(std::initializer_list<int> groups);
// Reads whatever is pending (never blocks).
Status drain_route_events(nl_sock* sock);

// Links, addresses and (with_routes) routes, dumped over one socket in its netns.
struct Snapshot {
	UniqueCache links, addrs, routes;
};
Result<Snapshot> dump(nl_sock* sock, bool with_routes);

// "10.0.0.1" / "2001:db8::1"; "" for anything else.
std::string format_ip(const nl_addr* addr);

} // namespace egress::kernel
