// The name-rule map as the kernel sees it: suffix hashes of include/egress/name_hash.h computed
// in C++, the map entries for a set of patterns, and a C++ re-implementation of the kernel's
// per-label lookup (KernelNameTable) so that tests can prove it agrees with NameMatcher.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "dns/name_match.h"
#include "egress/abi.h"
#include "egress/name_hash.h"

namespace egress::dns {

// The two hashes of the suffix starting at label k of a name.
struct SuffixHash {
	uint64_t hash = 0;  // sh1: FNV-1a, the map key
	uint64_t check = 0; // sh2: keyed check hash, stored in the value
	uint8_t labels = 0; // labels in this suffix (n - k)
};

// One entry per label, index k = 0 (the whole name) .. n-1 (the top-level label), computed in one
// backward pass over the lower-cased wire form, exactly as the kernel does. Errors: invalid name.
Result<std::vector<SuffixHash>> suffix_hashes(std::string_view name, uint64_t check_key = 0);
// Same, from an uncompressed wire-format name (ending with 0x00); errors on a malformed name.
Result<std::vector<SuffixHash>> suffix_hashes_wire(const std::vector<uint8_t>& wire, uint64_t check_key = 0);

// An allowed pattern as the map writer receives it.
struct NameRuleInput {
	Pattern pattern;
	uint32_t rule_id = 0;
	std::vector<egress_port_range> ports; // host byte order, as in abi.h
	// A name that may be queried but never teaches (verdict/query_names.h): no ports. Its entry
	// carries EGRESS_PORTS_QUERY_ONLY unless an allowing rule of the same or a covering pattern
	// gives it ports.
	bool query_only = false;
};

struct NameRuleEntry {
	egress_name_key key{};
	egress_name_value value{};
};

// The name-rule map contents for a set of rules, sorted by key (deterministic). Each distinct
// pattern becomes one entry; duplicates of a pattern merge (first rule id wins, ports united).
// Each entry's ports are the union of its own and those of every pattern that covers it (see
// covers()), because the kernel stops at the first (most specific) hit. Errors: more than
// EGRESS_MAX_PORT_RANGES merged ranges for one entry; two different suffixes with the same key
// (a real FNV-1a collision among allowed names; the kernel could not tell them apart).
Result<std::vector<NameRuleEntry>> rule_entries(const std::vector<NameRuleInput>& rules,
                                                uint64_t check_key = 0);

struct KernelHit {
	uint32_t rule_id = 0;
	uint8_t kind = 0;  // enum egress_name_kind
	size_t suffix = 0; // k: label index where the hit was accepted
	egress_ports ports{};
	uint64_t hash = 0; // sh1 of the matched suffix, i.e. the entry's key.hash
};

// The kernel's lookup over a map holding `entries` (algorithm in name_hash.h). Names the kernel
// cannot walk (invalid, more than EGRESS_DNS_MAX_LABELS labels) match nothing.
class KernelNameTable {
public:
	explicit KernelNameTable(const std::vector<NameRuleEntry>& entries, uint64_t check_key = 0);

	std::optional<KernelHit> match(std::string_view name) const;
	// First-hash hits rejected by the check hash or label count since construction
	// (the kernel's EGRESS_REASON_DNS_COLLISION counter).
	uint64_t collisions() const { return collisions_; }
	// Test hook: inserts or replaces one raw entry, as a forged or stale map write would.
	void put(const NameRuleEntry& entry);

private:
	std::map<std::pair<uint64_t, uint8_t>, egress_name_value> map_;
	uint64_t check_key_ = 0;
	mutable uint64_t collisions_ = 0;
};

std::optional<KernelHit> kernel_match(const std::vector<NameRuleEntry>& entries, std::string_view name,
                                      uint64_t check_key = 0);

} // namespace egress::dns
