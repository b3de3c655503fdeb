#include "kernel/pod_interfaces.h"

#include <linux/rtnetlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include <algorithm>
#include <map>

#include "kernel/rtnl.h"

namespace egress::kernel {
namespace {

bool link_local(const IpPrefix& p) {
	return p.address.family == Family::v6 && p.address.bytes[0] == 0xfe &&
	       (p.address.bytes[1] & 0xc0) == 0x80;
}

std::vector<IpPrefix> routes_out_of(int ifindex, std::span<const RouteFacts> routes) {
	std::vector<IpPrefix> out;
	for (const auto& r : routes)
		if (r.oif == ifindex && r.main_table && !r.gateway && r.dst.length > 0 && !link_local(r.dst))
			out.push_back(r.dst);
	std::sort(out.begin(), out.end());
	out.erase(std::unique(out.begin(), out.end()), out.end());
	return out;
}

std::vector<LinkFacts> link_facts(const Snapshot& snap) {
	std::map<int, bool> addressed;
	for (nl_object* o = nl_cache_get_first(snap.addrs.get()); o; o = nl_cache_get_next(o)) {
		auto* a = reinterpret_cast<rtnl_addr*>(o);
		if (rtnl_addr_get_scope(a) == RT_SCOPE_UNIVERSE)
			addressed[rtnl_addr_get_ifindex(a)] = true;
	}
	std::vector<LinkFacts> out;
	for (nl_object* o = nl_cache_get_first(snap.links.get()); o; o = nl_cache_get_next(o)) {
		auto* l = reinterpret_cast<rtnl_link*>(o);
		LinkFacts f;
		f.ifindex = rtnl_link_get_ifindex(l);
		const char* name = rtnl_link_get_name(l);
		const char* kind = rtnl_link_get_type(l);
		f.name = name ? name : "";
		f.kind = kind ? kind : "";
		int32_t nsid = -1;
		f.peer_elsewhere = rtnl_link_get_link_netnsid(l, &nsid) == 0 && nsid >= 0;
		f.master = rtnl_link_get_master(l);
		f.global_address = addressed.count(f.ifindex) != 0;
		out.push_back(std::move(f));
	}
	return out;
}

std::vector<RouteFacts> route_facts(const Snapshot& snap) {
	std::vector<RouteFacts> out;
	for (nl_object* o = nl_cache_get_first(snap.routes.get()); o; o = nl_cache_get_next(o)) {
		auto* r = reinterpret_cast<rtnl_route*>(o);
		nl_addr* dst = rtnl_route_get_dst(r);
		if (!dst || rtnl_route_get_type(r) != RTN_UNICAST)
			continue;
		std::string text = format_ip(dst);
		auto ip = parse_ip(text);
		if (!ip.ok())
			continue;
		for (int i = 0; i < rtnl_route_get_nnexthops(r); ++i) {
			rtnl_nexthop* nh = rtnl_route_nexthop_n(r, i);
			if (!nh)
				continue;
			RouteFacts f;
			f.oif = rtnl_route_nh_get_ifindex(nh);
			f.dst = IpPrefix{*ip, static_cast<uint8_t>(nl_addr_get_prefixlen(dst))};
			f.gateway = rtnl_route_nh_get_gateway(nh) != nullptr;
			f.main_table = rtnl_route_get_table(r) == RT_TABLE_MAIN;
			out.push_back(f);
		}
	}
	return out;
}

Result<std::vector<PodInterface>> find_on(nl_sock* sock) {
	auto snap = dump(sock, true);
	if (!snap)
		return std::move(snap).error().wrap("listing pod interfaces");
	auto links = link_facts(*snap);
	auto routes = route_facts(*snap);
	return pick_pod_interfaces(links, routes);
}

} // namespace

std::string IpPrefix::to_string() const {
	return address.to_string() + "/" + std::to_string(length);
}

std::vector<PodInterface> pick_pod_interfaces(std::span<const LinkFacts> links,
                                              std::span<const RouteFacts> routes) {
	std::map<int, const LinkFacts*> by_index;
	for (const auto& l : links)
		by_index[l.ifindex] = &l;
	std::vector<PodInterface> out;
	for (const auto& l : links) {
		if (l.kind != "veth" || !l.peer_elsewhere || l.global_address)
			continue;
		bool default_route = std::any_of(routes.begin(), routes.end(), [&](const RouteFacts& r) {
			return r.oif == l.ifindex && r.main_table && r.dst.length == 0;
		});
		if (default_route)
			continue;
		PodInterface p;
		p.ifindex = l.ifindex;
		p.ifname = l.name;
		auto master = by_index.find(l.master);
		if (l.master && master != by_index.end() && master->second->kind == "bridge") {
			p.bridge_port = true;
			p.prefixes = routes_out_of(l.master, routes);
		} else {
			p.prefixes = routes_out_of(l.ifindex, routes);
		}
		out.push_back(std::move(p));
	}
	std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.ifindex < b.ifindex; });
	return out;
}

Result<std::vector<PodInterface>> find_pod_interfaces() {
	auto sock = connect_route_socket();
	if (!sock)
		return std::move(sock).error().wrap("listing pod interfaces");
	return find_on(sock->get());
}

struct PodInterfaceWatcher::Sockets {
	UniqueSock events;
	UniqueSock query; // dumps, in the netns of open()
};

PodInterfaceWatcher::PodInterfaceWatcher(std::unique_ptr<Sockets> sockets) : sockets_(std::move(sockets)) {
}
PodInterfaceWatcher::PodInterfaceWatcher(PodInterfaceWatcher&&) noexcept = default;
PodInterfaceWatcher& PodInterfaceWatcher::operator=(PodInterfaceWatcher&&) noexcept = default;
PodInterfaceWatcher::~PodInterfaceWatcher() = default;

Result<PodInterfaceWatcher> PodInterfaceWatcher::open() {
	auto events = subscribe_route_events(
	    {RTNLGRP_LINK, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR});
	if (!events)
		return std::move(events).error().wrap("following pod interfaces");
	auto query = connect_route_socket();
	if (!query)
		return std::move(query).error().wrap("following pod interfaces");
	auto sockets = std::make_unique<Sockets>();
	sockets->events = std::move(*events);
	sockets->query = std::move(*query);
	PodInterfaceWatcher w(std::move(sockets));
	auto first = find_on(w.sockets_->query.get());
	if (!first)
		return std::move(first).error();
	w.current_ = std::move(*first);
	return w;
}

int PodInterfaceWatcher::fd() const {
	return nl_socket_get_fd(sockets_->events.get());
}

Result<bool> PodInterfaceWatcher::process() {
	EGRESS_TRY(drain_route_events(sockets_->events.get()));
	auto now = find_on(sockets_->query.get());
	if (!now)
		return std::move(now).error();
	if (*now == current_)
		return false;
	current_ = std::move(*now);
	return true;
}

} // namespace egress::kernel
