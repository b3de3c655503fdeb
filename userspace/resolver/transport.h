// Transport: how the resolver asks DNS. The pure core only sees this interface; cares_transport.h
// is the real one (c-ares), tests use a scripted fake.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/ip_address.h"

namespace egress::resolver {

struct Answer {
	IpAddress address;
	std::uint32_t ttl_seconds = 0; // as received (dnsmasq's local answers carry 0)
	auto operator<=>(const Answer&) const = default;
};

struct Query {
	std::string name;           // normalized exact name
	Family family = Family::v4; // v4 asks A, v6 asks AAAA
};

// What one query yields:
//   ok, non-empty  the address records of the name (CNAMEs followed by the resolver)
//   ok, empty      an authoritative "no such address": NXDOMAIN, or NOERROR without records of
//                  this type (a name with only A records asked for AAAA)
//   error          the resolvers could not answer: timeout, unreachable, SERVFAIL, REFUSED, a
//                  malformed reply. The resolver keeps the last good answer (stale grace).
using QueryResult = Result<std::vector<Answer>>;

class Transport {
public:
	virtual ~Transport() = default;

	// Synchronous: returns when the answer arrived or the transport's own timeout passed.
	virtual QueryResult resolve(const std::string& name, Family family) = 0;

	// One result per query, in order. Synchronous; implementations should run the queries
	// concurrently so that unreachable resolvers cost one timeout per batch, not per name. The
	// default asks one after the other.
	virtual std::vector<QueryResult> resolve_batch(const std::vector<Query>& queries);
};

} // namespace egress::resolver
