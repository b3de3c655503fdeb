#include "kernel/rtnl.h"

#include <arpa/inet.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <poll.h>

#include <array>
#include <cerrno>

namespace egress::kernel {

Error nl_error(int err, const std::string& what) {
	return Error(what + ": " + nl_geterror(err), EIO);
}

Result<UniqueSock> connect_route_socket() {
	UniqueSock sock(nl_socket_alloc());
	if (!sock)
		return Error("allocating a netlink socket", ENOMEM);
	if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0)
		return nl_error(err, "connecting a NETLINK_ROUTE socket");
	return sock;
}

Result<UniqueSock> subscribe_route_events(std::initializer_list<int> groups) {
	auto events = connect_route_socket();
	if (!events)
		return std::move(events).error();
	nl_sock* s = events->get();
	// Notifications carry no sequence number of ours; their content is not read.
	nl_socket_disable_seq_check(s);
	nl_socket_modify_cb(
	    s, NL_CB_VALID, NL_CB_CUSTOM, [](nl_msg*, void*) { return static_cast<int>(NL_OK); }, nullptr);
	for (int group : groups)
		if (int err = nl_socket_add_membership(s, group); err < 0)
			return nl_error(err, "subscribing to rtnetlink group " + std::to_string(group));
	if (int err = nl_socket_set_nonblocking(s); err < 0)
		return nl_error(err, "making the netlink socket non-blocking");
	// An interface going away sends a burst (addresses, routes, link); a larger buffer makes an
	// overrun rarer, and an overrun is harmless anyway because readers recompute from dumps.
	nl_socket_set_buffer_size(s, 1 << 20, 0);
	return events;
}

Status drain_route_events(nl_sock* s) {
	// poll() decides when the socket is empty, not nl_recvmsgs' return value (libnl reports an
	// empty non-blocking socket as success in some versions and -NLE_AGAIN in others).
	for (;;) {
		pollfd p{nl_socket_get_fd(s), POLLIN, 0};
		int n = poll(&p, 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return Error::from_errno(errno, "polling the netlink socket");
		if (n == 0 || !(p.revents & POLLIN))
			return ok_status();
		int err = nl_recvmsgs_default(s);
		// -NLE_NOMEM is ENOBUFS: the kernel dropped notifications; the recompute covers it.
		if (err < 0 && err != -NLE_AGAIN && err != -NLE_NOMEM && err != -NLE_DUMP_INTR)
			return nl_error(err, "reading rtnetlink changes");
	}
}

Result<Snapshot> dump(nl_sock* sock, bool with_routes) {
	Snapshot s;
	nl_cache* c = nullptr;
	if (int err = rtnl_link_alloc_cache(sock, AF_UNSPEC, &c); err < 0)
		return nl_error(err, "dumping links");
	s.links.reset(c);
	if (int err = rtnl_addr_alloc_cache(sock, &c); err < 0)
		return nl_error(err, "dumping addresses");
	s.addrs.reset(c);
	if (with_routes) {
		if (int err = rtnl_route_alloc_cache(sock, AF_UNSPEC, 0, &c); err < 0)
			return nl_error(err, "dumping routes");
		s.routes.reset(c);
	}
	return s;
}

std::string format_ip(const nl_addr* addr) {
	std::array<char, INET6_ADDRSTRLEN> buf{};
	int family = nl_addr_get_family(addr);
	size_t want = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
	if (want == 0 || nl_addr_get_len(addr) != want)
		return {};
	if (!inet_ntop(family, nl_addr_get_binary_addr(addr), buf.data(), buf.size()))
		return {};
	return buf.data();
}

} // namespace egress::kernel
