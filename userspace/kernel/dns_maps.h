// The maps of in-kernel DNS learning (bpf/lib/dns_maps.h) for the daemon and tests: the name
// rules (entries from dns::rule_entries), the trusted resolvers, the settings (check key, TTL
// clamp, grace, query policy), the outstanding queries, and the node's own resolvers' cgroups
// and loopback answers.
//
//   DnsMaps dns(dp);
//   dns.write_settings({.check_key = key, .min_ttl_s = 60, .max_ttl_s = 3600, .grace_s = 30});
//   dns.trust_resolver(ip_bytes("10.0.0.10"));
//   dns.names().apply(entries);   // as pairs of egress_name_key, egress_name_value
//
// The check key must be the one the name entries were hashed with; the settings map is where an
// adopting daemon finds it again (read_settings), once these maps are pinned with the others.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <egress/abi.h>
#include <egress/name_hash.h>

#include "common/result.h"
#include "kernel/datapath.h"
#include "kernel/map_writer.h"

namespace egress::kernel {

class DnsMaps {
public:
	explicit DnsMaps(const Datapath& dp) : dp_(dp) {}

	Status write_settings(const egress_dns_settings& settings) const;
	Result<egress_dns_settings> read_settings() const;

	// addr: 4 or 16 bytes, network order.
	Status trust_resolver(const std::vector<uint8_t>& addr) const;
	Status distrust_resolver(const std::vector<uint8_t>& addr) const;

	Result<TypedMap<egress_name_key, egress_name_value>> names() const;
	Result<TypedMap<egress_dns_query_key, egress_dns_query_value>> queries() const;
	// The cgroups of the node's own resolvers (cgroup id -> 1): answers their sockets send over
	// loopback may teach.
	Result<TypedMap<uint64_t, uint8_t>> resolver_cgroups() const;
	// Answers those resolvers sent over loopback and the learner has not consumed yet.
	Result<TypedMap<egress_dns_local_key, uint64_t>> local_answers() const;

private:
	const Datapath& dp_;
};

} // namespace egress::kernel
