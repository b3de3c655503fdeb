// find_uplink, node_addresses and UplinkWatcher against the kernel, inside the client namespace of
// a NetnsPair. The code under test runs in a child that joined the namespace (a netlink socket
// belongs to the namespace of the thread that opens it); the child reports through its exit code,
// one per step, and says what it saw on stderr. Every `ip` command names the test namespace.
#include <net/if.h>
#include <poll.h>

#include <cstdio>
#include <string>
#include <vector>

#include "fixtures.h"
#include "kernel/uplink.h"
#include "root.h"
#include "system.h"

namespace egress::kernel {
namespace {

using testlib::NetnsPair;
using testlib::run_in;

std::string join(const std::vector<std::string>& v) {
	std::string out;
	for (const auto& s : v)
		out += (out.empty() ? "" : " ") + s;
	return out;
}

std::string describe(const Uplink& u) {
	return u.ifname + " #" + std::to_string(u.ifindex) + " via " + u.gateway.value_or("-") + " [" +
	       join(u.addresses) + "]";
}

std::string seen(const Result<std::optional<Uplink>>& r) {
	return !r.ok() ? r.error().to_string() : r->has_value() ? describe(**r) : "no change";
}

// In the child: a failed step prints why and becomes the exit code.
struct Step {
	int code;
	bool check(bool ok, const std::string& what) const {
		if (!ok)
			std::fprintf(stderr, "step %d: %s\n", code, what.c_str());
		return ok;
	}
};

bool ip(const std::string& ns, const std::string& args) {
	auto r = testlib::run("ip -n " + ns + " " + args);
	if (r.status != 0)
		std::fprintf(stderr, "ip -n %s %s: %s\n", ns.c_str(), args.c_str(), r.output.c_str());
	return r.status == 0;
}

// A second interface in the namespace. Test kernels may lack the dummy driver, so it is a veth
// pair with both ends in the namespace (`name` and `name`p); with `carrier` the peer is up, so
// `name` is usable once it is up itself.
bool add_link(const std::string& ns, const std::string& name, bool carrier) {
	return ip(ns, "link add " + name + " type veth peer name " + name + "p") &&
	       (!carrier || ip(ns, "link set " + name + "p up"));
}

// Waits until the watcher reports a change or an error (5 s at most).
Result<std::optional<Uplink>> next_change(UplinkWatcher& w) {
	for (int i = 0; i < 50; ++i) {
		pollfd p{w.fd(), POLLIN, 0};
		if (poll(&p, 1, 100) < 0)
			return Error::from_errno(errno, "poll");
		auto r = w.process();
		if (!r.ok() || r->has_value())
			return r;
	}
	return std::optional<Uplink>();
}

Uplink veth_uplink(const NetnsPair& net, const std::string& gateway) {
	Uplink u;
	u.ifname = net.client_if();
	u.ifindex = static_cast<int>(if_nametoindex(net.client_if().c_str()));
	u.addresses = {std::string(NetnsPair::kClientV4) + "/24", std::string(NetnsPair::kClientV6) + "/64"};
	u.gateway = gateway;
	return u;
}

TEST(UplinkE2e, FindUplinkIsTheVethWithItsAddressesAndGateway) {
	EGRESS_REQUIRE_ROOT();
	NetnsPair net;
	int rc = run_in(net.client(), nullptr, [&] {
		auto u = find_uplink();
		if (!Step{1}.check(u.ok(), u.ok() ? "" : u.error().to_string()))
			return 1;
		Uplink want = veth_uplink(net, NetnsPair::kServerV4);
		if (!Step{2}.check(*u == want, "got " + describe(*u) + ", want " + describe(want)))
			return 2;
		return 0;
	});
	EXPECT_EQ(rc, 0);
}

TEST(UplinkE2e, FindUplinkWithoutDefaultRouteIsENETUNREACH) {
	EGRESS_REQUIRE_ROOT();
	NetnsPair net;
	int rc = run_in(net.client(), nullptr, [&] {
		if (!ip(net.client(), "route del default") || !ip(net.client(), "-6 route del default"))
			return 1;
		auto u = find_uplink();
		if (!Step{2}.check(!u.ok(), "found " + (u.ok() ? describe(*u) : "")))
			return 2;
		if (!Step{3}.check(u.error().code() == ENETUNREACH, u.error().to_string()))
			return 3;
		return 0;
	});
	EXPECT_EQ(rc, 0);
}

TEST(UplinkE2e, NodeAddressesListGlobalAddressesOfUpInterfacesButNotLoopback) {
	EGRESS_REQUIRE_ROOT();
	NetnsPair net;
	std::string up = testlib::unique_name("aeg"), down = testlib::unique_name("aeg");
	int rc = run_in(net.client(), nullptr, [&] {
		const std::string& ns = net.client();
		if (!add_link(ns, up, true) || !ip(ns, "addr add 192.0.2.10/24 dev " + up) ||
		    !ip(ns, "addr add 2001:db8:5::10/64 dev " + up + " nodad") ||
		    !ip(ns, "link set " + up + " up") || !add_link(ns, down, false) ||
		    !ip(ns, "addr add 198.51.100.10/24 dev " + down) ||
		    !ip(ns, "addr add 192.0.2.200/32 dev lo"))
			return 1;
		auto a = node_addresses();
		if (!Step{2}.check(a.ok(), a.ok() ? "" : a.error().to_string()))
			return 2;
		// IPv4 before IPv6, each in address order; link-local (fe80::) addresses are not global.
		std::vector<std::string> want = {std::string(NetnsPair::kClientV4) + "/24", "192.0.2.10/24",
		                                 "2001:db8:5::10/64",
		                                 std::string(NetnsPair::kClientV6) + "/64"};
		if (!Step{3}.check(*a == want, "got [" + join(*a) + "], want [" + join(want) + "]"))
			return 3;
		return 0;
	});
	EXPECT_EQ(rc, 0);
}

TEST(UplinkE2e, WatcherFollowsTheDefaultRouteAcrossInterfaces) {
	EGRESS_REQUIRE_ROOT();
	NetnsPair net;
	std::string second = testlib::unique_name("aeg");
	int rc = run_in(net.client(), nullptr, [&]() -> int {
		const std::string& ns = net.client();
		auto opened = UplinkWatcher::open();
		if (!Step{1}.check(opened.ok(), opened.ok() ? "" : opened.error().to_string()))
			return 1;
		UplinkWatcher& w = *opened;
		Uplink veth4 = veth_uplink(net, NetnsPair::kServerV4);
		if (!Step{2}.check(w.current() == veth4,
		                   "initial uplink " + (w.current() ? describe(*w.current()) : "-")))
			return 2;
		auto quiet = w.process();
		if (!Step{3}.check(quiet.ok() && !quiet->has_value(), "a change with nothing changed"))
			return 3;

		// A burst (new link, address, up, default route moved) is one report of the final state.
		if (!add_link(ns, second, true) || !ip(ns, "addr add 192.0.2.1/24 dev " + second) ||
		    !ip(ns, "link set " + second + " up") || !ip(ns, "route replace default dev " + second))
			return 4;
		Uplink moved;
		moved.ifname = second;
		moved.ifindex = static_cast<int>(if_nametoindex(second.c_str()));
		moved.addresses = {"192.0.2.1/24"};
		auto c = next_change(w);
		if (!Step{5}.check(c.ok() && c->has_value() && **c == moved,
		                   "after moving the default route: " + seen(c)))
			return 5;
		auto again = w.process();
		if (!Step{6}.check(again.ok() && !again->has_value() && w.current() == moved,
		                   "burst reported twice"))
			return 6;

		// Another address on the uplink is a change of the uplink.
		if (!ip(ns, "addr add 192.0.2.2/24 dev " + second))
			return 7;
		moved.addresses = {"192.0.2.1/24", "192.0.2.2/24"};
		c = next_change(w);
		if (!Step{8}.check(c.ok() && c->has_value() && **c == moved,
		                   "after adding an address: " + seen(c)))
			return 8;

		// Deleting the interface (and its peer) takes the IPv4 default with it: the IPv6 default
		// remains.
		if (!ip(ns, "link del " + second))
			return 9;
		Uplink veth6 = veth_uplink(net, NetnsPair::kServerV6);
		c = next_change(w);
		if (!Step{10}.check(c.ok() && c->has_value() && **c == veth6,
		                    "after deleting the interface: " + seen(c)))
			return 10;

		// No default route left: reported once as ENETUNREACH, then quiet until one is back.
		if (!ip(ns, "-6 route del default"))
			return 11;
		c = next_change(w);
		if (!Step{12}.check(!c.ok() && c.error().code() == ENETUNREACH && !w.current(),
		                    "losing the last default route: " +
		                        (c.ok() ? std::string("no error") : c.error().to_string())))
			return 12;
		if (!ip(ns, "addr add 192.0.2.99/32 dev lo"))
			return 13;
		c = next_change(w);
		if (!Step{14}.check(c.ok() && !c->has_value(), "still no uplink, reported again"))
			return 14;
		if (!ip(ns, "route add default via " + std::string(NetnsPair::kServerV4)))
			return 15;
		c = next_change(w);
		if (!Step{16}.check(c.ok() && c->has_value() && **c == veth4,
		                    "default route back: " + seen(c)))
			return 16;
		return 0;
	});
	EXPECT_EQ(rc, 0);
}

} // namespace
} // namespace egress::kernel
