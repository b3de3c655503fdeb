#include "probes.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <random>
#include <thread>

#include "common/unique_handle.h"
#include "dns_wire.h"

namespace egress::e2e {

sockaddr_in v4_sockaddr(const std::string& addr, uint16_t port) {
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	if (inet_pton(AF_INET, addr.c_str(), &a.sin_addr) != 1)
		throw std::runtime_error("not an IPv4 address: " + addr);
	return a;
}

int read_hello(int fd) {
	pollfd p{fd, POLLIN, 0};
	char buf[2];
	if (poll(&p, 1, 2000) != 1 || recv(fd, buf, 2, MSG_WAITALL) != 2 || std::memcmp(buf, "hi", 2) != 0)
		return EPROTO;
	return 0;
}

int tcp_hello(const std::string& addr, uint16_t port) {
	auto a = v4_sockaddr(addr, port);
	for (int attempt = 0; attempt < 50; ++attempt) {
		UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
		if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0)
			return read_hello(fd.get());
		if (errno != ECONNREFUSED)
			return errno;
		std::this_thread::sleep_for(std::chrono::milliseconds(20)); // the listener is still starting
	}
	return ECONNREFUSED;
}

int udp_hello(const std::string& addr, uint16_t port) {
	auto a = v4_sockaddr(addr, port);
	UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
		return errno;
	// A datagram may be lost: ask up to three times, as any UDP client would.
	for (int attempt = 0; attempt < 3; ++attempt) {
		if (send(fd.get(), "ping", 4, 0) < 0)
			return errno;
		pollfd p{fd.get(), POLLIN, 0};
		if (poll(&p, 1, 700) != 1)
			continue;
		char buf[2];
		if (recv(fd.get(), buf, 2, 0) != 2 || std::memcmp(buf, "hi", 2) != 0)
			return EPROTO;
		return 0;
	}
	return ETIMEDOUT;
}

int dns_query(const std::string& name, const std::string& server, std::string& first) {
	auto a = v4_sockaddr(server, 53);
	UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
		return errno;
	std::mt19937 rng(static_cast<unsigned>(getpid()) ^ static_cast<unsigned>(time(nullptr)));
	auto id = static_cast<uint16_t>(rng());
	auto q = a_query(name, id);
	if (send(fd.get(), q.data(), q.size(), 0) < 0)
		return errno;
	pollfd p{fd.get(), POLLIN, 0};
	if (poll(&p, 1, 2000) != 1)
		return ETIMEDOUT;
	uint8_t buf[1500];
	ssize_t n = recv(fd.get(), buf, sizeof(buf), 0);
	if (n < 12 || buf[0] != q[0] || buf[1] != q[1])
		return EPROTO;
	first = first_a(buf, static_cast<size_t>(n), id);
	return 0;
}

} // namespace egress::e2e
