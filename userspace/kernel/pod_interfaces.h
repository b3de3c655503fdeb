// The node's pod interfaces, found and followed over rtnetlink (libnl-route), as CNIs make and
// remove them: the host side of each pod's veth.
//
//   a pod interface   a veth whose peer lives in another network namespace, with no global
//                     address of its own and no default route through it (the node's uplink, and
//                     veths of anything that routes through the host, have those)
//   its prefixes      routed CNIs (Azure CNI, Azure CNI overlay, Calico): the routes of the main
//                     table out of it without a gateway (a pod's /32 and /128); a bridge port
//                     (kubenet's cbr0): the bridge's own on-link prefixes (weaker: a pod can then
//                     take another address of the bridge's subnet), link-local ones left out
//
// Both are what the host's own tables say, never what the pod's namespace says: a pod cannot add
// routes in the node's namespace, so it cannot widen its own prefixes. A veth that has no route yet
// (the CNI adds it a moment after the link) is listed with no prefixes: everything it sends is
// refused as spoofed until the route appears, which process() reports at once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.h"
#include "common/result.h"

namespace egress::kernel {

struct IpPrefix {
	IpAddress address;
	uint8_t length = 0;
	std::string to_string() const; // "10.244.1.5/32"
	auto operator<=>(const IpPrefix&) const = default;
};

struct PodInterface {
	int ifindex = 0;
	std::string ifname;
	std::vector<IpPrefix> prefixes; // sorted
	bool bridge_port = false;
	bool operator==(const PodInterface&) const = default;
};

// What the selection reads of a link and a route (the pure part, for unit tests).
struct LinkFacts {
	int ifindex = 0;
	std::string name;
	std::string kind;            // "veth", "bridge", ...
	bool peer_elsewhere = false; // IFLA_LINK_NETNSID set: the peer is in another netns
	int master = 0;              // the bridge it is a port of
	bool global_address = false; // a global-scope address of its own
};

struct RouteFacts {
	int oif = 0;
	IpPrefix dst;
	bool gateway = false;
	bool main_table = true;
};

// The pod interfaces among `links`, ordered by ifindex.
std::vector<PodInterface> pick_pod_interfaces(std::span<const LinkFacts> links,
                                              std::span<const RouteFacts> routes);

// One dump of the current netns.
Result<std::vector<PodInterface>> find_pod_interfaces();

// Subscribes to link, route and address changes (before the first dump, so none is missed);
// process() drains them and recomputes once.
class PodInterfaceWatcher {
public:
	static Result<PodInterfaceWatcher> open();
	PodInterfaceWatcher(PodInterfaceWatcher&&) noexcept;
	PodInterfaceWatcher& operator=(PodInterfaceWatcher&&) noexcept;
	~PodInterfaceWatcher();

	int fd() const; // readable when changes are pending
	const std::vector<PodInterface>& current() const { return current_; }
	// True when the set (an interface, or an interface's prefixes) changed.
	Result<bool> process();

private:
	struct Sockets;
	explicit PodInterfaceWatcher(std::unique_ptr<Sockets> sockets);
	std::unique_ptr<Sockets> sockets_;
	std::vector<PodInterface> current_;
};

} // namespace egress::kernel
