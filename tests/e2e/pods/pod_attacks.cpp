#include "pod_attacks.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "common/unique_handle.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

namespace egress::e2e {
namespace {

using testlib::Bytes;
using testlib::PacketBuilder;

PacketBuilder ip_part(const std::string& src, const std::string& dst, const std::string& src_mac,
                      const std::string& dst_mac) {
	PacketBuilder b;
	b.ethernet(src_mac, dst_mac);
	if (src.find(':') != std::string::npos)
		b.ipv6(src, dst);
	else
		b.ipv4(src, dst);
	return b;
}

int packet_socket(int type, uint16_t proto, bool bypass, const std::string& ifname, sockaddr_ll& to) {
	int fd = socket(AF_PACKET, type | SOCK_CLOEXEC, htons(proto));
	if (fd < 0)
		return -errno;
	int one = 1;
	if (bypass && setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	to = {};
	to.sll_family = AF_PACKET;
	to.sll_protocol = htons(proto);
	to.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
	return fd;
}

int send_packet(int type, bool bypass, const std::string& ifname, const Bytes& frame) {
	uint16_t proto = static_cast<uint16_t>(frame[12] << 8 | frame[13]);
	sockaddr_ll to{};
	int fd = packet_socket(type, proto, bypass, ifname, to);
	if (fd < 0)
		return -fd;
	UniqueFd owned(fd);
	const uint8_t* data = frame.data();
	size_t len = frame.size();
	if (type == SOCK_DGRAM) { // the kernel writes the Ethernet header: to the frame's destination MAC
		to.sll_halen = ETH_ALEN;
		std::memcpy(to.sll_addr, frame.data(), ETH_ALEN);
		data += ETH_HLEN;
		len -= ETH_HLEN;
	}
	return sendto(fd, data, len, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) < 0 ? errno : 0;
}

// IP_HDRINCL: the packet goes as written, forged source and all.
int send_raw_ip(const Bytes& frame) {
	bool v6 = (frame[12] << 8 | frame[13]) == ETH_P_IPV6;
	UniqueFd fd(socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
	if (!fd)
		return errno;
	sockaddr_storage ss{};
	socklen_t sl;
	if (v6) {
		auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
		a->sin6_family = AF_INET6;
		std::memcpy(&a->sin6_addr, frame.data() + ETH_HLEN + 24, 16);
		sl = sizeof(*a);
	} else {
		auto* a = reinterpret_cast<sockaddr_in*>(&ss);
		a->sin_family = AF_INET;
		std::memcpy(&a->sin_addr, frame.data() + ETH_HLEN + 16, 4);
		sl = sizeof(*a);
	}
	return sendto(fd.get(), frame.data() + ETH_HLEN, frame.size() - ETH_HLEN, 0,
	              reinterpret_cast<sockaddr*>(&ss), sl) < 0
	           ? errno
	           : 0;
}

// AF_XDP in copy mode: one UMEM frame holds the packet, one TX descriptor points at it, and a
// sendto() wakes the kernel, which transmits it straight to the device (no qdisc).
int send_xdp(const std::string& ifname, const Bytes& frame) {
	constexpr uint32_t kFrames = 8, kFrameSize = 4096;
	UniqueFd fd(socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0));
	if (!fd)
		return errno;
	size_t umem_len = kFrames * kFrameSize;
	void* umem = mmap(nullptr, umem_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (umem == MAP_FAILED)
		return errno;
	xdp_umem_reg reg{};
	reg.addr = reinterpret_cast<uintptr_t>(umem);
	reg.len = umem_len;
	reg.chunk_size = kFrameSize;
	int ring = kFrames;
	xdp_mmap_offsets off{};
	socklen_t ol = sizeof(off);
	if (setsockopt(fd.get(), SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) != 0 ||
	    setsockopt(fd.get(), SOL_XDP, XDP_UMEM_FILL_RING, &ring, sizeof(ring)) != 0 ||
	    setsockopt(fd.get(), SOL_XDP, XDP_UMEM_COMPLETION_RING, &ring, sizeof(ring)) != 0 ||
	    setsockopt(fd.get(), SOL_XDP, XDP_TX_RING, &ring, sizeof(ring)) != 0 ||
	    getsockopt(fd.get(), SOL_XDP, XDP_MMAP_OFFSETS, &off, &ol) != 0)
		return errno;
	size_t tx_len = off.tx.desc + kFrames * sizeof(xdp_desc);
	void* tx = mmap(nullptr, tx_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd.get(),
	                XDP_PGOFF_TX_RING);
	if (tx == MAP_FAILED)
		return errno;
	sockaddr_xdp sx{};
	sx.sxdp_family = AF_XDP;
	sx.sxdp_flags = XDP_COPY;
	sx.sxdp_ifindex = if_nametoindex(ifname.c_str());
	sx.sxdp_queue_id = 0;
	if (bind(fd.get(), reinterpret_cast<sockaddr*>(&sx), sizeof(sx)) != 0)
		return errno;
	std::memcpy(umem, frame.data(), frame.size());
	auto* base = static_cast<uint8_t*>(tx);
	auto* producer = reinterpret_cast<uint32_t*>(base + off.tx.producer);
	auto* descs = reinterpret_cast<xdp_desc*>(base + off.tx.desc);
	uint32_t at = *producer;
	descs[at & (kFrames - 1)] = xdp_desc{0, static_cast<uint32_t>(frame.size()), 0};
	__atomic_store_n(producer, at + 1, __ATOMIC_RELEASE);
	int rc =
	    sendto(fd.get(), nullptr, 0, MSG_DONTWAIT, nullptr, 0) < 0 && errno != EAGAIN && errno != EBUSY
	        ? errno
	        : 0;
	// The copy happens in the sendto(); give the frame a moment before the socket goes.
	std::this_thread::sleep_for(std::chrono::milliseconds(50));
	munmap(tx, tx_len);
	munmap(umem, umem_len);
	return rc;
}

} // namespace

const char* sender_name(Sender s) {
	switch (s) {
	case Sender::packet_raw:
		return "AF_PACKET SOCK_RAW";
	case Sender::packet_dgram:
		return "AF_PACKET SOCK_DGRAM";
	case Sender::packet_bypass:
		return "AF_PACKET PACKET_QDISC_BYPASS";
	case Sender::xdp:
		return "AF_XDP";
	case Sender::raw_ip:
		return "SOCK_RAW IP_HDRINCL";
	}
	return "?";
}

Bytes udp_frame(const std::string& src, const std::string& dst, uint16_t port, const std::string& marker,
                const std::string& src_mac, const std::string& dst_mac) {
	return ip_part(src, dst, src_mac, dst_mac).udp(40123, port).payload(marker).build();
}

Bytes syn_frame(const std::string& src, const std::string& dst, uint16_t port, const std::string& marker,
                const std::string& src_mac, const std::string& dst_mac) {
	return ip_part(src, dst, src_mac, dst_mac).tcp(40124, port).syn().payload(marker).build();
}

int send_frame(Sender how, const std::string& ifname, const Bytes& frame) {
	switch (how) {
	case Sender::packet_raw:
		return send_packet(SOCK_RAW, false, ifname, frame);
	case Sender::packet_dgram:
		return send_packet(SOCK_DGRAM, false, ifname, frame);
	case Sender::packet_bypass:
		return send_packet(SOCK_RAW, true, ifname, frame);
	case Sender::xdp:
		return send_xdp(ifname, frame);
	case Sender::raw_ip:
		return send_raw_ip(frame);
	}
	return EINVAL;
}

} // namespace egress::e2e
