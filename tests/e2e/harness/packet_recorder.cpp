#include "packet_recorder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "system.h"

namespace egress::e2e {
namespace {

std::string ntop(int family, const uint8_t* a) {
	char buf[INET6_ADDRSTRLEN] = {};
	inet_ntop(family, a, buf, sizeof(buf));
	return buf;
}

// The IP header of an Ethernet frame (IPv6 extension headers are not walked: a frame whose next
// header is one has no ports here, and is still matched by its addresses and the marker).
RecordedFrame decode(const uint8_t* f, size_t n) {
	RecordedFrame r;
	r.length = n;
	if (n < ETH_HLEN)
		return r;
	uint16_t type = static_cast<uint16_t>(f[12] << 8 | f[13]);
	const uint8_t* ip = f + ETH_HLEN;
	size_t len = n - ETH_HLEN;
	size_t l4 = 0;
	if (type == ETH_P_IP && len >= 20) {
		r.src = ntop(AF_INET, ip + 12);
		r.dst = ntop(AF_INET, ip + 16);
		r.proto = ip[9];
		bool first_fragment = ((ip[6] & 0x1f) << 8 | ip[7]) == 0;
		l4 = first_fragment ? (ip[0] & 0xf) * 4u : 0;
	} else if (type == ETH_P_IPV6 && len >= 40) {
		r.src = ntop(AF_INET6, ip + 8);
		r.dst = ntop(AF_INET6, ip + 24);
		r.proto = ip[6];
		l4 = 40;
	}
	if (l4 && (r.proto == IPPROTO_TCP || r.proto == IPPROTO_UDP) && len >= l4 + 4) {
		r.sport = static_cast<uint16_t>(ip[l4] << 8 | ip[l4 + 1]);
		r.dport = static_cast<uint16_t>(ip[l4 + 2] << 8 | ip[l4 + 3]);
	}
	return r;
}

[[noreturn]] void capture(const std::string& ifname, const std::vector<std::string>& destinations,
                          const std::string& marker, const std::string& file) {
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	sockaddr_ll sll{};
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
	if (s < 0 || sll.sll_ifindex == 0 || bind(s, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) != 0)
		_exit(2);
	int out = open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (out < 0)
		_exit(3);
	testlib::write_file(file + ".ready", "");
	for (;;) {
		uint8_t buf[65536];
		sockaddr_ll from{};
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &fl);
		if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		RecordedFrame r = decode(buf, static_cast<size_t>(n));
		r.marker =
		    !marker.empty() && std::search(buf, buf + n, marker.begin(), marker.end()) != buf + n;
		bool wanted = r.marker || std::find(destinations.begin(), destinations.end(), r.dst) !=
		                              destinations.end();
		if (!wanted)
			continue;
		std::ostringstream line;
		line << (r.src.empty() ? "-" : r.src) << ' ' << (r.dst.empty() ? "-" : r.dst) << ' '
		     << int(r.proto) << ' ' << r.sport << ' ' << r.dport << ' ' << r.length << ' '
		     << (r.marker ? 1 : 0) << '\n';
		std::string text = line.str();
		(void)!write(out, text.data(), text.size());
	}
}

} // namespace

PacketRecorder::PacketRecorder(const std::string& netns, const std::string& ifname,
                               std::vector<std::string> destinations, std::string marker) {
	file_ = "/tmp/" + testlib::unique_name("aeg-rec-");
	std::string file = file_;
	capture_ = std::make_unique<testlib::ChildProcess>(
	    netns, nullptr, [=]() -> int { capture(ifname, destinations, marker, file); });
	for (int i = 0; i < 200; ++i) {
		if (access((file_ + ".ready").c_str(), F_OK) == 0)
			return;
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	throw std::runtime_error("the packet recorder on " + ifname + " in " + netns + " did not start");
}

PacketRecorder::~PacketRecorder() {
	capture_.reset();
	unlink(file_.c_str());
	unlink((file_ + ".ready").c_str());
}

std::vector<RecordedFrame> PacketRecorder::frames(std::chrono::milliseconds settle) const {
	std::this_thread::sleep_for(settle);
	std::vector<RecordedFrame> out;
	std::istringstream in(testlib::read_file(file_));
	for (std::string line; std::getline(in, line);) {
		std::istringstream f(line);
		RecordedFrame r;
		int proto = 0, marker = 0;
		f >> r.src >> r.dst >> proto >> r.sport >> r.dport >> r.length >> marker;
		r.src = r.src == "-" ? "" : r.src;
		r.dst = r.dst == "-" ? "" : r.dst;
		r.proto = static_cast<uint8_t>(proto);
		r.marker = marker != 0;
		out.push_back(r);
	}
	return out;
}

} // namespace egress::e2e
