#include "kernel/uplink.h"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <tuple>

#include "common/unique_handle.h"
#include "kernel/rtnl.h"

namespace egress::kernel {
namespace {

unsigned link_flags(nl_cache* links, int ifindex, std::string* name = nullptr) {
	rtnl_link* link = rtnl_link_get(links, ifindex);
	if (!link)
		return 0;
	unsigned flags = rtnl_link_get_flags(link);
	if (name && rtnl_link_get_name(link))
		*name = rtnl_link_get_name(link);
	rtnl_link_put(link);
	return flags;
}

// Global-scope addresses, IPv4 first then IPv6, each in address order. `keep` filters by ifindex.
template <typename Keep>
std::vector<std::string> global_addresses(nl_cache* addrs, Keep keep) {
	std::vector<std::tuple<int, std::vector<uint8_t>, std::string>> found;
	for (nl_object* o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		auto* a = reinterpret_cast<rtnl_addr*>(o);
		if (rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE || !keep(rtnl_addr_get_ifindex(a)))
			continue;
		nl_addr* local = rtnl_addr_get_local(a);
		if (!local)
			continue;
		std::string ip = format_ip(local);
		if (ip.empty())
			continue;
		const auto* bytes = static_cast<const uint8_t*>(nl_addr_get_binary_addr(local));
		int family = nl_addr_get_family(local);
		found.emplace_back(family == AF_INET ? 0 : 1,
		                   std::vector<uint8_t>(bytes, bytes + nl_addr_get_len(local)),
		                   ip + "/" + std::to_string(rtnl_addr_get_prefixlen(a)));
	}
	std::sort(found.begin(), found.end());
	std::vector<std::string> out;
	for (auto& f : found)
		if (out.empty() || out.back() != std::get<2>(f)) // one address on two interfaces: once
			out.push_back(std::move(std::get<2>(f)));
	return out;
}

// Default routes of the main table, one per usable next hop, as pick_default_route sees them.
std::vector<DefaultRoute> default_routes(nl_cache* routes, nl_cache* links) {
	std::vector<DefaultRoute> out;
	for (nl_object* o = nl_cache_get_first(routes); o; o = nl_cache_get_next(o)) {
		auto* r = reinterpret_cast<rtnl_route*>(o);
		nl_addr* dst = rtnl_route_get_dst(r);
		int family = rtnl_route_get_family(r);
		if ((family != AF_INET && family != AF_INET6) || rtnl_route_get_table(r) != RT_TABLE_MAIN ||
		    rtnl_route_get_type(r) != RTN_UNICAST || (dst && nl_addr_get_prefixlen(dst) != 0))
			continue;
		for (int i = 0; i < rtnl_route_get_nnexthops(r); ++i) {
			rtnl_nexthop* nh = rtnl_route_nexthop_n(r, i);
			if (!nh || (rtnl_route_nh_get_flags(nh) & (RTNH_F_DEAD | RTNH_F_LINKDOWN)))
				continue;
			DefaultRoute d;
			d.family = family;
			d.metric = rtnl_route_get_priority(r);
			d.ifindex = rtnl_route_nh_get_ifindex(nh);
			d.link_up = (link_flags(links, d.ifindex) & IFF_UP) != 0;
			if (nl_addr* gw = rtnl_route_nh_get_gateway(nh)) {
				std::string text = format_ip(gw);
				if (!text.empty())
					d.gateway = text;
			}
			out.push_back(std::move(d));
		}
	}
	return out;
}

Result<Uplink> find_uplink_on(nl_sock* sock) {
	auto snap = dump(sock, true);
	if (!snap)
		return std::move(snap).error().wrap("finding the uplink");
	auto candidates = default_routes(snap->routes.get(), snap->links.get());
	const DefaultRoute* best = pick_default_route(candidates);
	if (!best)
		return Error("finding the uplink: no default route on an interface that is up", ENETUNREACH);
	Uplink u;
	u.ifindex = best->ifindex;
	u.gateway = best->gateway;
	link_flags(snap->links.get(), u.ifindex, &u.ifname);
	u.addresses = global_addresses(snap->addrs.get(), [&](int ifindex) { return ifindex == u.ifindex; });
	return u;
}

} // namespace

const DefaultRoute* pick_default_route(std::span<const DefaultRoute> routes) {
	for (int family : {AF_INET, AF_INET6}) {
		const DefaultRoute* best = nullptr;
		for (const auto& r : routes)
			if (r.family == family && r.link_up && (!best || r.metric < best->metric))
				best = &r;
		if (best)
			return best;
	}
	return nullptr;
}

Result<Uplink> find_uplink() {
	auto sock = connect_route_socket();
	if (!sock)
		return std::move(sock).error().wrap("finding the uplink");
	return find_uplink_on(sock->get());
}

Result<std::vector<std::string>> node_addresses() {
	auto sock = connect_route_socket();
	if (!sock)
		return std::move(sock).error().wrap("listing node addresses");
	auto snap = dump(sock->get(), false);
	if (!snap)
		return std::move(snap).error().wrap("listing node addresses");
	nl_cache* links = snap->links.get();
	return global_addresses(snap->addrs.get(), [&](int ifindex) {
		unsigned flags = link_flags(links, ifindex);
		return (flags & IFF_UP) && !(flags & IFF_LOOPBACK);
	});
}

// ---- UplinkWatcher ----------------------------------------------------------------------------

struct UplinkWatcher::Sockets {
	UniqueSock events; // subscribed, non-blocking: only ever drained
	UniqueSock query;  // dumps; kept so that recomputing stays in the netns of open()
};

UplinkWatcher::UplinkWatcher(std::unique_ptr<Sockets> sockets) : sockets_(std::move(sockets)) {
}
UplinkWatcher::UplinkWatcher(UplinkWatcher&&) noexcept = default;
UplinkWatcher& UplinkWatcher::operator=(UplinkWatcher&&) noexcept = default;
UplinkWatcher::~UplinkWatcher() = default;

Result<UplinkWatcher> UplinkWatcher::open() {
	auto events = subscribe_route_events(
	    {RTNLGRP_LINK, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR});
	if (!events)
		return std::move(events).error().wrap("opening the uplink watcher");

	auto query = connect_route_socket();
	if (!query)
		return std::move(query).error().wrap("opening the uplink watcher");

	auto sockets = std::make_unique<Sockets>();
	sockets->events = std::move(*events);
	sockets->query = std::move(*query);
	UplinkWatcher w(std::move(sockets));
	auto first = find_uplink_on(w.sockets_->query.get());
	if (first)
		w.current_ = std::move(*first);
	else if (first.error().code() != ENETUNREACH)
		return std::move(first).error().wrap("opening the uplink watcher");
	return w;
}

int UplinkWatcher::fd() const {
	return nl_socket_get_fd(sockets_->events.get());
}

Result<std::optional<Uplink>> UplinkWatcher::process() {
	EGRESS_TRY(drain_route_events(sockets_->events.get()));

	auto now = find_uplink_on(sockets_->query.get());
	if (!now) {
		if (now.error().code() != ENETUNREACH)
			return std::move(now).error().wrap("recomputing the uplink");
		if (!current_)
			return std::optional<Uplink>();
		current_.reset();
		return std::move(now).error();
	}
	if (current_ && *current_ == *now)
		return std::optional<Uplink>();
	current_ = *now;
	return std::optional<Uplink>(std::move(*now));
}

} // namespace egress::kernel
