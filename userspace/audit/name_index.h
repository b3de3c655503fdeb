// Which names an address was learned under, for the deny log's `dst_names` and `egressctl ips`.
// Fed by the kernel's learn events. A name is kept past its DNS expiry for `retention`, because
// the deny that most needs an explanation is the one for an address whose TTL just ran out
// (reason "expired"). Bounded: the least recently learned addresses go first.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/event.h"

namespace egress::audit {

struct NameIndexOptions {
	size_t max_addresses = 131072;                              // EGRESS_DEFAULT_LEARNED_ENTRIES
	size_t max_names_per_address = 4;                           // CDNs put many names on one address
	std::chrono::nanoseconds retention = std::chrono::hours(1); // kept after expiry
};

struct LearnedName {
	std::string name;
	uint64_t expires_ns = 0; // CLOCK_BOOTTIME, as the kernel's learned map
	uint32_t ttl = 0;
};

class NameIndex {
public:
	explicit NameIndex(NameIndexOptions options = {});

	void learn(const LearnEvent& event);

	// Names for the address, most recently learned first; those whose expiry + retention is
	// before now_ns are left out. IPv4-mapped IPv6 addresses are looked up as IPv4.
	std::vector<LearnedName> lookup(const IpAddress& address, uint64_t now_ns) const;
	std::vector<std::string> names(const IpAddress& address, uint64_t now_ns) const;

	// Every address with its live names, most recently learned first (`egressctl ips`).
	struct Entry {
		IpAddress address;
		std::vector<LearnedName> names; // most recent first
	};
	std::vector<Entry> snapshot(uint64_t now_ns) const;

	// Drops what is past retention; returns how many addresses were removed.
	size_t expire(uint64_t now_ns);

	size_t size() const;

private:
	NameIndexOptions options_;
	mutable std::mutex mu_;
	std::list<Entry> order_; // most recently learned first
	std::unordered_map<IpAddress, std::list<Entry>::iterator, IpAddressHash> index_;
};

} // namespace egress::audit
