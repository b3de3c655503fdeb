// Timing of active resolution. Config: dns.minTTL, dns.maxTTL, dns.grace (shared with in-kernel
// learning) and the resolver-only dns.staleGrace (proposed) and backoff bounds.
#pragma once

#include <chrono>

#include <egress/abi.h>

#include "common/result.h"

namespace egress::resolver {

struct Options {
	// A record set is asked again after clamp(TTL, min_ttl, max_ttl). min_ttl matters: dnsmasq's
	// local answers and counting-down caches (CoreDNS, NodeLocal DNSCache) hand out TTL 0.
	std::chrono::milliseconds min_ttl = std::chrono::seconds(EGRESS_DNS_DEFAULT_MIN_TTL_S);
	std::chrono::milliseconds max_ttl = std::chrono::seconds(EGRESS_DNS_DEFAULT_MAX_TTL_S);
	// Added to every expiry: the refresh happens at the clamped TTL, so an address in the latest
	// answer is refreshed `grace` before it could lapse (covers resolution latency and retries).
	std::chrono::milliseconds grace = std::chrono::seconds(EGRESS_DNS_DEFAULT_GRACE_S);
	// While the resolvers fail, the last good answer stays valid this long after the first
	// failure, then its addresses are removed. RFC 8767 serves stale data for 1 to 3 days; one hour
	// keeps a node working through a resolver outage without trusting addresses for long.
	std::chrono::milliseconds stale_grace = std::chrono::hours(1);
	// Retry delay after the n-th consecutive failure: min(backoff_initial * 2^(n-1), backoff_max).
	std::chrono::milliseconds backoff_initial = std::chrono::seconds(1);
	std::chrono::milliseconds backoff_max = std::chrono::seconds(60);
	// Families asked (A, AAAA). A node without IPv6 may turn AAAA off.
	bool ipv4 = true;
	bool ipv6 = true;

	// Errors (EINVAL) name the field: negative values, min_ttl <= 0, min_ttl > max_ttl, backoff_initial
	// <= 0, backoff_initial > backoff_max, no family.
	Status validate() const;
};

} // namespace egress::resolver
