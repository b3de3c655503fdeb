#include "resolver/address.h"

#include <arpa/inet.h>

#include <cerrno>

namespace egress::resolver {

std::string_view family_name(Family family) {
	return family == Family::v4 ? "ipv4" : "ipv6";
}

std::string Address::to_string() const {
	char buf[INET6_ADDRSTRLEN] = {};
	inet_ntop(family == Family::v4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof(buf));
	return buf;
}

Result<Address> parse_address(std::string_view text) {
	std::string s(text);
	Address a;
	if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1)
		return a;
	a.family = Family::v6;
	if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1)
		return a;
	return Error("\"" + s + "\" is not an IPv4 or IPv6 address", EINVAL);
}

} // namespace egress::resolver
