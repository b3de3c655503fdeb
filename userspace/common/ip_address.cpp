#include "common/ip_address.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace egress {

std::string_view family_name(Family family) {
	return family == Family::v4 ? "ipv4" : "ipv6";
}

int family_af(Family family) {
	return family == Family::v4 ? AF_INET : AF_INET6;
}

std::string IpAddress::to_string() const {
	char buf[INET6_ADDRSTRLEN] = {};
	inet_ntop(family_af(family), bytes.data(), buf, sizeof(buf));
	return buf;
}

IpAddress IpAddress::unmapped() const {
	static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (family != Family::v6 || !std::equal(kMapped, kMapped + 12, bytes.begin()))
		return *this;
	IpAddress v4;
	std::copy(bytes.begin() + 12, bytes.end(), v4.bytes.begin());
	return v4;
}

Result<IpAddress> parse_ip(std::string_view text) {
	// inet_pton needs a C string; longer input cannot be an address anyway.
	if (text.empty())
		return Error("empty address", EINVAL);
	std::string quoted = "\"" + std::string(text) + "\": ";
	if (text.size() >= INET6_ADDRSTRLEN)
		return Error(quoted + "not an IP address", EINVAL);
	char buf[INET6_ADDRSTRLEN] = {};
	std::copy(text.begin(), text.end(), buf);
	IpAddress ip;
	if (text.find(':') == std::string_view::npos) {
		if (inet_pton(AF_INET, buf, ip.bytes.data()) != 1)
			return Error(quoted + "not an IPv4 address", EINVAL);
		ip.family = Family::v4;
	} else {
		if (inet_pton(AF_INET6, buf, ip.bytes.data()) != 1)
			return Error(quoted + "not an IPv6 address", EINVAL);
		ip.family = Family::v6;
	}
	return ip;
}

Result<IpAddress> ip_from_af(int af, const std::uint8_t* bytes) {
	IpAddress ip;
	if (af == AF_INET) {
		std::memcpy(ip.bytes.data(), bytes, 4);
		return ip;
	}
	if (af == AF_INET6) {
		ip.family = Family::v6;
		std::memcpy(ip.bytes.data(), bytes, 16);
		return ip;
	}
	return Error("unknown address family " + std::to_string(af), EAFNOSUPPORT);
}

std::size_t IpAddressHash::operator()(const IpAddress& a) const {
	// FNV-1a over the family and the bytes in use.
	std::uint64_t h = 0xcbf29ce484222325ULL;
	auto mix = [&](std::uint8_t b) { h = (h ^ b) * 0x100000001b3ULL; };
	mix(static_cast<std::uint8_t>(a.family));
	for (std::size_t i = 0; i < a.size(); ++i)
		mix(a.bytes[i]);
	return static_cast<std::size_t>(h);
}

std::string proto_name(std::uint8_t proto) {
	switch (proto) {
	case EGRESS_PROTO_ANY:
		return "any";
	case EGRESS_PROTO_ICMP:
		return "icmp";
	case EGRESS_PROTO_TCP:
		return "tcp";
	case EGRESS_PROTO_UDP:
		return "udp";
	case EGRESS_PROTO_ICMPV6:
		return "icmpv6";
	default:
		return std::to_string(proto);
	}
}

} // namespace egress
