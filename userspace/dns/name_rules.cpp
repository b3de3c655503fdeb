#include "dns/name_rules.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <tuple>
#include <string>

#include "dns/name.h"

namespace egress::dns {
namespace {

Error wire_error(const std::string& what) {
	return Error("malformed wire-format name: " + what, EINVAL);
}

// Sorted, overlapping/adjacent ranges of one protocol merged, ranges inside an any-protocol
// range dropped.
std::vector<egress_port_range> merge_ports(std::vector<egress_port_range> in) {
	auto key = [](const egress_port_range& r) { return std::tuple(r.proto, r.port_lo, r.port_hi); };
	std::sort(in.begin(), in.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
	std::vector<egress_port_range> out;
	for (const auto& r : in) {
		if (!out.empty() && out.back().proto == r.proto &&
		    static_cast<uint32_t>(r.port_lo) <= static_cast<uint32_t>(out.back().port_hi) + 1) {
			out.back().port_hi = std::max(out.back().port_hi, r.port_hi);
			continue;
		}
		out.push_back(r);
	}
	std::vector<egress_port_range> any;
	for (const auto& r : out)
		if (r.proto == EGRESS_PROTO_ANY)
			any.push_back(r);
	std::erase_if(out, [&](const egress_port_range& r) {
		if (r.proto == EGRESS_PROTO_ANY)
			return false;
		return std::any_of(any.begin(), any.end(), [&](const egress_port_range& a) {
			return a.port_lo <= r.port_lo && r.port_hi <= a.port_hi;
		});
	});
	return out;
}

// Suffixes of a normalised plain name: "a.b.c" -> "b.c", "c".
std::vector<std::string> proper_suffixes(const std::string& name) {
	std::vector<std::string> out;
	for (size_t i = 0; i < name.size(); ++i)
		if (name[i] == '.')
			out.push_back(name.substr(i + 1));
	return out;
}

} // namespace

Result<std::vector<SuffixHash>> suffix_hashes_wire(const std::vector<uint8_t>& wire, uint64_t check_key) {
	if (wire.empty())
		return wire_error("empty");
	if (wire.size() > kMaxWireNameLength)
		return wire_error("longer than 255 bytes");
	std::vector<size_t> starts;
	size_t pos = 0;
	while (true) {
		if (pos >= wire.size())
			return wire_error("no terminating root label");
		uint8_t len = wire[pos];
		if (len == 0)
			break;
		if (len > kMaxLabelLength)
			return wire_error("label length " + std::to_string(len) + " at offset " +
			                  std::to_string(pos));
		starts.push_back(pos);
		pos += 1 + len;
	}
	if (pos + 1 != wire.size())
		return wire_error("bytes after the root label");
	if (starts.empty())
		return wire_error("the root name has no labels");

	// The backward pass of name_hash.h: one byte at a time from the byte before the root octet,
	// taking both hashes whenever a length octet has just been fed.
	size_t n = starts.size();
	std::vector<SuffixHash> out(n);
	uint64_t h1 = egress_name_hash_init();
	uint64_t h2 = egress_name_check_init(check_key);
	size_t label = n;
	for (size_t i = pos; i-- > 0;) {
		uint8_t b = egress_name_lower(wire[i]);
		h1 = egress_name_hash_byte(h1, b);
		h2 = egress_name_check_byte(h2, b);
		if (label > 0 && starts[label - 1] == i) {
			--label;
			out[label] = SuffixHash{h1, h2, static_cast<uint8_t>(n - label)};
		}
	}
	return out;
}

Result<std::vector<SuffixHash>> suffix_hashes(std::string_view name, uint64_t check_key) {
	auto wire = encode_name(name);
	if (!wire)
		return std::move(wire).error();
	return suffix_hashes_wire(*wire, check_key);
}

namespace {

struct Merged {
	uint32_t rule_id;
	std::vector<egress_port_range> ports;
	bool query_only; // every input of the pattern was query-only
};
using MergedRules = std::map<Pattern, Merged>;

const Merged* find_rule(const MergedRules& rules, PatternKind kind, const std::string& suffix) {
	auto p = Pattern::parse(kind == PatternKind::wildcard_one    ? "*." + suffix
	                        : kind == PatternKind::wildcard_many ? "**." + suffix
	                                                             : suffix);
	if (!p)
		return nullptr;
	auto it = rules.find(*p);
	return it == rules.end() ? nullptr : &it->second;
}

// The ports of `pattern` and of every pattern that covers it (covers() in name_match.h), found by
// its suffix rather than by scanning all patterns: the kernel stops at this entry, so it must carry
// their ports as well.
std::vector<egress_port_range> covering_ports(const MergedRules& rules, const Pattern& pattern,
                                              const Merged& merged) {
	std::vector<egress_port_range> ports = merged.ports;
	auto add = [&](const Merged* m) {
		if (m && m != &merged)
			ports.insert(ports.end(), m->ports.begin(), m->ports.end());
	};
	const std::string& s = pattern.suffix();
	auto tails = proper_suffixes(s);
	if (pattern.kind() == PatternKind::exact && !tails.empty())
		add(find_rule(rules, PatternKind::wildcard_one, tails[0]));
	if (pattern.kind() == PatternKind::wildcard_one)
		add(find_rule(rules, PatternKind::wildcard_many, s));
	for (const auto& t : tails)
		add(find_rule(rules, PatternKind::wildcard_many, t));
	return merge_ports(std::move(ports));
}

Result<NameRuleEntry> make_entry(const Pattern& pattern, uint32_t rule_id,
                                 const std::vector<egress_port_range>& ports, bool query_only,
                                 uint64_t check_key) {
	if (ports.size() > EGRESS_MAX_PORT_RANGES)
		return Error("name rule " + pattern.to_string() + ": " + std::to_string(ports.size()) +
		                 " port ranges after merging, the kernel holds at most " +
		                 std::to_string(EGRESS_MAX_PORT_RANGES),
		             E2BIG);
	auto hashes = suffix_hashes(pattern.suffix(), check_key);
	if (!hashes)
		return std::move(hashes).error().wrap("name rule " + pattern.to_string());
	const SuffixHash& h = hashes->front();
	NameRuleEntry e{}; // value-initialised: every pad byte zero
	e.key.hash = h.hash;
	e.key.kind = static_cast<uint8_t>(pattern.kind());
	e.value.check = h.check;
	e.value.rule_id = rule_id;
	e.value.kind = e.key.kind;
	e.value.labels = h.labels;
	e.value.ports.rule_id = rule_id;
	e.value.ports.flags = query_only ? EGRESS_PORTS_QUERY_ONLY : 0;
	e.value.ports.n_ranges = static_cast<uint8_t>(ports.size());
	for (size_t i = 0; i < ports.size(); ++i)
		e.value.ports.ranges[i] = ports[i];
	return e;
}

} // namespace

Result<std::vector<NameRuleEntry>> rule_entries(const std::vector<NameRuleInput>& rules, uint64_t check_key) {
	MergedRules distinct;
	for (const auto& r : rules) {
		auto [it, inserted] =
		    distinct.try_emplace(r.pattern, Merged{r.rule_id, r.ports, r.query_only});
		if (inserted)
			continue;
		it->second.ports.insert(it->second.ports.end(), r.ports.begin(), r.ports.end());
		if (it->second.query_only && !r.query_only) // the allowing rule names the entry
			it->second.rule_id = r.rule_id;
		it->second.query_only = it->second.query_only && r.query_only;
	}
	std::map<std::pair<uint64_t, uint8_t>, std::string> owners; // key -> pattern text
	std::vector<NameRuleEntry> entries;
	for (const auto& [pattern, merged] : distinct) {
		auto ports = covering_ports(distinct, pattern, merged);
		// Query-only inputs have no ports: ports here come from an allowing rule.
		auto e =
		    make_entry(pattern, merged.rule_id, ports, merged.query_only && ports.empty(), check_key);
		if (!e.ok())
			return std::move(e).error();
		auto [it, inserted] = owners.try_emplace({e->key.hash, e->key.kind}, pattern.to_string());
		if (!inserted)
			return Error("name rules " + it->second + " and " + pattern.to_string() +
			                 " have the same suffix hash; the kernel cannot tell them apart",
			             EEXIST);
		entries.push_back(*e);
	}
	std::sort(entries.begin(), entries.end(), [](const NameRuleEntry& a, const NameRuleEntry& b) {
		return std::pair(a.key.hash, a.key.kind) < std::pair(b.key.hash, b.key.kind);
	});
	return entries;
}

KernelNameTable::KernelNameTable(const std::vector<NameRuleEntry>& entries, uint64_t check_key)
    : check_key_(check_key) {
	for (const auto& e : entries)
		put(e);
}

void KernelNameTable::put(const NameRuleEntry& entry) {
	map_[{entry.key.hash, entry.key.kind}] = entry.value;
}

std::optional<KernelHit> KernelNameTable::match(std::string_view name) const {
	auto sh = suffix_hashes(name, check_key_);
	if (!sh || sh->size() > EGRESS_DNS_MAX_LABELS)
		return std::nullopt;
	const size_t n = sh->size();
	for (size_t k = 0; k < n; ++k) {
		static constexpr uint8_t kExact[] = {EGRESS_NAME_EXACT};
		static constexpr uint8_t kOne[] = {EGRESS_NAME_WILDCARD_ONE, EGRESS_NAME_WILDCARD_MANY};
		static constexpr uint8_t kMany[] = {EGRESS_NAME_WILDCARD_MANY};
		std::span<const uint8_t> kinds = k == 0   ? std::span<const uint8_t>(kExact)
		                                 : k == 1 ? std::span<const uint8_t>(kOne)
		                                          : std::span<const uint8_t>(kMany);
		for (uint8_t kind : kinds) {
			auto it = map_.find({(*sh)[k].hash, kind});
			if (it == map_.end())
				continue;
			const egress_name_value& v = it->second;
			if (v.check != (*sh)[k].check || v.labels != n - k || v.kind != kind) {
				++collisions_;
				continue;
			}
			return KernelHit{v.rule_id, kind, k, v.ports, (*sh)[k].hash};
		}
	}
	return std::nullopt;
}

std::optional<KernelHit> kernel_match(const std::vector<NameRuleEntry>& entries, std::string_view name,
                                      uint64_t check_key) {
	return KernelNameTable(entries, check_key).match(name);
}

} // namespace egress::dns
