// What the daemon writes into the learned-address maps for the resolver's answers, and how the
// entries already in those maps follow a policy change. Pure: the daemon turns Writes into map
// updates and deletes.
//
// One map entry per address, however many names resolve to it: its expiry is the latest of the
// names' expiries, its ports the union of the ports their rules allow (the ports of the latest name
// alone if the union does not fit EGRESS_MAX_PORT_RANGES), its rule id and name_hash those of the
// name with the latest expiry. name_hash is the suffix hash (sh1) of the name-rule entry the name
// matched, i.e. the `hash` of its egress_name_key: after a reload, an entry keeps living only if
// a rule with that key still exists, and takes that rule's (folded) ports.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <egress/abi.h>

#include "verdict/desired_state.h"
#include "dns/name_rules.h"
#include "common/ip_address.h"
#include "resolver/resolver.h"

namespace egress::daemon {

struct LearnedWrite {
	IpAddress address;
	std::optional<egress_learned_value> value; // nullopt: delete the entry
	// For a delete: the latest expiry the resolver gave the address. An entry in the map that
	// expires later was refreshed by the kernel's learner and is left alone.
	uint64_t expiry_ns = 0;
};

struct HeldName {
	std::string name;
	uint64_t expiry_ns = 0;
	uint32_t ttl_seconds = 0;
};

class LearnedBook {
public:
	// Re-points every held address at the new policy's name rules; returns the writes that make the
	// maps agree (addresses whose names no rule allows any more are deleted).
	std::vector<LearnedWrite> set_policy(const verdict::DesiredState& state, uint64_t name_check_key = 0);

	// One resolver change; nullopt when the map needs no write.
	std::optional<LearnedWrite> apply(const resolver::AddressChange& change);

	// The value for an address given the names holding it (nullopt: none allowed).
	std::optional<egress_learned_value> value_for(const std::vector<HeldName>& names) const;

	const std::map<IpAddress, std::vector<HeldName>>& held() const { return held_; }

	// Forgets every holding (a new resolver starts from scratch). Map entries are left to expire:
	// they stay valid until their expiry, and the new resolver rewrites what it still finds.
	void forget_all() { held_.clear(); }

	// The (folded) ports and key hash of the name-rule entry covering `name`, as the kernel would
	// find it; nullopt when no rule covers the name.
	struct RuleHit {
		egress_ports ports{};
		uint64_t name_hash = 0;
	};
	std::optional<RuleHit> match(const std::string& name) const;

private:
	std::vector<dns::NameRuleEntry> entries_;
	uint64_t check_key_ = 0;
	std::optional<dns::KernelNameTable> table_;
	std::map<IpAddress, std::vector<HeldName>> held_;
};

// For entries already in a learned map (written by an earlier daemon or the kernel learner): the
// new value under a new set of name rules (ports of the rule whose key hash is the entry's
// name_hash), or nullopt when no such rule is left and the entry must go. Unchanged entries
// return their value as is.
// An exact rule and wildcards on the same suffix ("x.io", "*.x.io", "**.x.io") share a key hash;
// `kind` (enum egress_name_kind of the rule the entry was learned under, 0 = unknown) picks among
// them, else the first in key order (the exact rule) is taken.
std::optional<egress_learned_value> relearn(const egress_learned_value& current,
                                            const std::vector<dns::NameRuleEntry>& names, uint8_t kind = 0);

// The egress_name_kind of a name rule's pattern; 0 for a CIDR rule or none.
uint8_t name_kind(const verdict::RuleRef* rule);

IpAddress address_of(const egress_learned4_key& key);
IpAddress address_of(const egress_learned6_key& key);
egress_learned4_key learned4_key(const IpAddress& a);
egress_learned6_key learned6_key(const IpAddress& a);

} // namespace egress::daemon
