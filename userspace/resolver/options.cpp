#include "resolver/options.h"

#include <cerrno>

namespace egress::resolver {

Status Options::validate() const {
	auto bad = [](const char* why) {
		return Status(Error(std::string("resolver options: ") + why, EINVAL));
	};
	using std::chrono::milliseconds;
	if (min_ttl < milliseconds(0) || max_ttl < milliseconds(0) || grace < milliseconds(0) ||
	    stale_grace < milliseconds(0))
		return bad("durations must not be negative");
	if (min_ttl <= milliseconds(0))
		return bad("minTTL must be positive (a TTL-0 answer would be asked again at once)");
	if (min_ttl > max_ttl)
		return bad("minTTL is larger than maxTTL");
	if (backoff_initial <= milliseconds(0))
		return bad("backoff_initial must be positive");
	if (backoff_initial > backoff_max)
		return bad("backoff_initial is larger than backoff_max");
	if (!ipv4 && !ipv6)
		return bad("neither IPv4 nor IPv6 is asked");
	return ok_status();
}

} // namespace egress::resolver
