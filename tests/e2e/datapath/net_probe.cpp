#include "net_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "common/unique_handle.h"

namespace egress::testlib {
namespace {

struct Addr {
	sockaddr_storage ss{};
	socklen_t len = 0;
	int family = 0;
};

Addr make_addr(const std::string& text, uint16_t port) {
	Addr a;
	if (text.find(':') == std::string::npos) {
		auto* in = reinterpret_cast<sockaddr_in*>(&a.ss);
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		inet_pton(AF_INET, text.c_str(), &in->sin_addr);
		a.len = sizeof(*in);
		a.family = AF_INET;
	} else {
		auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		inet_pton(AF_INET6, text.c_str(), &in6->sin6_addr);
		a.len = sizeof(*in6);
		a.family = AF_INET6;
	}
	return a;
}

bool readable(int fd, int timeout_ms) {
	pollfd p{fd, POLLIN, 0};
	return poll(&p, 1, timeout_ms) == 1;
}

} // namespace

int tcp_hello(const std::string& addr, uint16_t port) {
	Addr a = make_addr(addr, port);
	// The server may still be starting: retry refusals for a while, never a deny.
	for (int attempt = 0; attempt < 100; ++attempt) {
		UniqueFd fd(socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
		if (!fd)
			return errno;
		if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a.ss), a.len) != 0) {
			if (errno == ECONNREFUSED) {
				std::this_thread::sleep_for(std::chrono::milliseconds(20));
				continue;
			}
			return errno;
		}
		char buf[2];
		if (!readable(fd.get(), 2000) || recv(fd.get(), buf, 2, MSG_WAITALL) != 2 ||
		    std::memcmp(buf, "hi", 2) != 0)
			return EPROTO;
		return 0;
	}
	return ECONNREFUSED;
}

int udp_echo_round_trip(const std::string& addr, uint16_t port, bool connected) {
	Addr a = make_addr(addr, port);
	UniqueFd fd(socket(a.family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (!fd)
		return errno;
	if (connected && connect(fd.get(), reinterpret_cast<sockaddr*>(&a.ss), a.len) != 0)
		return errno;
	for (int attempt = 0; attempt < 20; ++attempt) {
		ssize_t n = connected
		                ? send(fd.get(), "ping", 4, 0)
		                : sendto(fd.get(), "ping", 4, 0, reinterpret_cast<sockaddr*>(&a.ss), a.len);
		if (n != 4)
			return errno;
		char buf[8];
		if (readable(fd.get(), 200) && recv(fd.get(), buf, sizeof(buf), 0) == 4)
			return 0;
	}
	return ETIMEDOUT;
}

int udp_send(const std::string& addr, uint16_t port) {
	Addr a = make_addr(addr, port);
	UniqueFd fd(socket(a.family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (!fd)
		return errno;
	if (sendto(fd.get(), "x", 1, 0, reinterpret_cast<sockaddr*>(&a.ss), a.len) != 1)
		return errno;
	return 0;
}

int raw_icmp_echo(const std::string& addr) {
	Addr a = make_addr(addr, 0);
	UniqueFd fd(socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP));
	if (!fd)
		return errno;
	icmphdr h{};
	h.type = ICMP_ECHO;
	h.un.echo.id = htons(0x4145);
	h.un.echo.sequence = htons(1);
	// RFC 1071 checksum of the 8-byte header
	const auto* w = reinterpret_cast<const uint16_t*>(&h);
	uint32_t sum = 0;
	for (size_t i = 0; i < sizeof(h) / 2; ++i)
		sum += w[i];
	sum = (sum >> 16) + (sum & 0xffff);
	h.checksum = static_cast<uint16_t>(~(sum + (sum >> 16)));
	if (sendto(fd.get(), &h, sizeof(h), 0, reinterpret_cast<sockaddr*>(&a.ss), a.len) != sizeof(h))
		return errno;
	return 0;
}

void run_tcp_greeter(const std::string& addr, uint16_t port) {
	Addr a = make_addr(addr, port);
	int fd = socket(a.family, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, reinterpret_cast<sockaddr*>(&a.ss), a.len) != 0 || listen(fd, 64) != 0)
		_exit(90);
	for (;;) {
		int c = accept(fd, nullptr, nullptr);
		if (c < 0)
			continue;
		if (send(c, "hi", 2, MSG_NOSIGNAL) != 2)
			_exit(91);
		close(c);
	}
}

void run_udp_echo(const std::string& addr, uint16_t port) {
	Addr a = make_addr(addr, port);
	int fd = socket(a.family, SOCK_DGRAM, 0);
	if (bind(fd, reinterpret_cast<sockaddr*>(&a.ss), a.len) != 0)
		_exit(92);
	for (;;) {
		sockaddr_storage peer{};
		socklen_t plen = sizeof(peer);
		char buf[64];
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&peer), &plen);
		if (n > 0 &&
		    sendto(fd, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&peer), plen) != n)
			_exit(93); // a server in the guarded cgroup must be able to answer
	}
}

} // namespace egress::testlib
