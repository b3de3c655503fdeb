#include <arpa/inet.h>

#include <cstring>

#include "audit/event.h"

namespace egress::audit {

std::string to_string(const Address& address) {
	char buf[INET6_ADDRSTRLEN] = {};
	if (address.family != AF_INET && address.family != AF_INET6)
		return {};
	if (!inet_ntop(address.family, address.bytes.data(), buf, sizeof(buf)))
		return {};
	return buf;
}

} // namespace egress::audit
