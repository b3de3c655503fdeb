#include "kernel/socket_diag.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/unique_handle.h"

namespace egress::kernel {
namespace {

struct DumpRequest {
	nlmsghdr header;
	inet_diag_req_v2 body;
};

Status send_dump(int fd, uint8_t family) {
	DumpRequest req{};
	req.header.nlmsg_len = sizeof(req);
	req.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.body.sdiag_family = family;
	req.body.sdiag_protocol = IPPROTO_UDP;
	req.body.idiag_states = ~0u; // bound-but-unconnected UDP sockets are TCP_CLOSE
	sockaddr_nl kernel{};
	kernel.nl_family = AF_NETLINK;
	if (sendto(fd, &req, sizeof(req), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0)
		return Error::from_errno(errno, "sock_diag: sending the UDP dump request");
	return ok_status();
}

// One socket of the dump: its bound address and port, and the cgroup attribute if present.
BoundSocket socket_of(const nlmsghdr* h) {
	const auto* msg = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
	BoundSocket s;
	s.port = ntohs(msg->id.idiag_sport);
	if (auto ip = ip_from_af(msg->idiag_family, reinterpret_cast<const uint8_t*>(msg->id.idiag_src));
	    ip.ok())
		s.local = *ip;
	int len = static_cast<int>(h->nlmsg_len) - static_cast<int>(NLMSG_LENGTH(sizeof(*msg)));
	for (const rtattr* a = reinterpret_cast<const rtattr*>(msg + 1); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == INET_DIAG_CGROUP_ID && RTA_PAYLOAD(a) >= sizeof(uint64_t))
			std::memcpy(&s.cgroup_id, RTA_DATA(a), sizeof(uint64_t));
	return s;
}

Status read_dump(int fd, uint16_t port, std::vector<BoundSocket>& out) {
	alignas(nlmsghdr) std::array<char, 32768> buf;
	while (true) {
		ssize_t n = recv(fd, buf.data(), buf.size(), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return Error::from_errno(errno, "sock_diag: reading the UDP dump");
		}
		int left = static_cast<int>(n);
		for (const auto* h = reinterpret_cast<const nlmsghdr*>(buf.data()); NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return ok_status();
			if (h->nlmsg_type == NLMSG_ERROR) {
				const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
				return Error::from_errno(-e->error, "sock_diag: UDP dump");
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
				continue;
			BoundSocket s = socket_of(h);
			if (s.port == port)
				out.push_back(s);
		}
	}
}

} // namespace

Result<std::vector<BoundSocket>> udp_sockets_bound_to(uint16_t port) {
	UniqueFd fd(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
	if (!fd)
		return Error::from_errno(errno, "sock_diag: opening a NETLINK_SOCK_DIAG socket");
	std::vector<BoundSocket> out;
	for (uint8_t family : {uint8_t{AF_INET}, uint8_t{AF_INET6}}) {
		EGRESS_TRY(send_dump(fd.get(), family));
		EGRESS_TRY(read_dump(fd.get(), port, out));
	}
	return out;
}

} // namespace egress::kernel
