// The node's uplink: the interface its default route leaves through, found and followed over
// rtnetlink (libnl-route). The optional TC backstop attaches there, and the daemon reports the
// node's addresses. Every query runs in the network namespace of the thread that opened the
// netlink socket (a watcher keeps its own), which is what lets tests run it inside a test netns.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace egress::kernel {

struct Uplink {
	std::string ifname;
	int ifindex = 0;
	// Global-scope addresses of the interface with their prefix length ("10.0.0.4/24",
	// "2001:db8::4/64"): IPv4 first, then IPv6, each in address order, so two lookups of an
	// unchanged interface compare equal.
	std::vector<std::string> addresses;
	std::optional<std::string> gateway; // "10.0.0.1"; nullopt for a device route (no via)

	bool operator==(const Uplink&) const = default;
};

// A default route as the selection sees it (the pure part of find_uplink, for unit tests).
struct DefaultRoute {
	int family = 0; // AF_INET or AF_INET6
	uint32_t metric = 0;
	int ifindex = 0;
	bool link_up = false; // the output interface exists and is IFF_UP
	std::optional<std::string> gateway;
};

// The uplink's route: among IPv4 defaults of the main table whose interface is up, the lowest
// metric (ties: the first listed, i.e. the kernel's order); only when there is none, the same
// among IPv6 defaults. nullptr when neither family has one.
const DefaultRoute* pick_default_route(std::span<const DefaultRoute> routes);

// The interface of the default route (see pick_default_route) with its addresses and gateway.
// No default route is an Error with code ENETUNREACH; netlink failures carry nl_geterror's text.
Result<Uplink> find_uplink();

// Global-scope addresses of every interface that is up, loopback excluded, formatted and ordered
// as Uplink::addresses.
Result<std::vector<std::string>> node_addresses();

// Follows link, route and address changes through an rtnetlink socket subscribed to
// RTNLGRP_LINK, RTNLGRP_IPV{4,6}_ROUTE and RTNLGRP_IPV{4,6}_IFADDR. Messages are not interpreted
// one by one: process() drains whatever is pending and recomputes the uplink once, so a burst of
// changes (an interface going away takes its addresses and routes with it) is one report, and a
// receive-buffer overrun loses nothing that matters.
class UplinkWatcher {
public:
	// Subscribes first, then looks the uplink up, so no change between the two is missed. A node
	// without a default route yet is not an error: current() is then nullopt.
	static Result<UplinkWatcher> open();

	UplinkWatcher(UplinkWatcher&&) noexcept;
	UplinkWatcher& operator=(UplinkWatcher&&) noexcept;
	~UplinkWatcher();

	// Non-blocking, readable when changes are pending: register it with the daemon's epoll.
	int fd() const;

	// The uplink as of the last open() or process(); nullopt while there is no default route.
	const std::optional<Uplink>& current() const { return current_; }

	// Drains pending messages and recomputes. Returns the new uplink when it changed (another
	// interface, or the same one with other addresses or gateway), nullopt when it did not. Losing
	// the uplink (no default route left) is reported once, as an Error with code ENETUNREACH;
	// current() is nullopt from then on, and process() returns nullopt until a default route is
	// back (which is reported as a change).
	Result<std::optional<Uplink>> process();

private:
	struct Sockets;
	explicit UplinkWatcher(std::unique_ptr<Sockets> sockets);

	std::unique_ptr<Sockets> sockets_; // the subscribed socket and one for dumps, same netns
	std::optional<Uplink> current_;
};

} // namespace egress::kernel
