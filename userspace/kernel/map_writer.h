// Typed access to the datapath's maps and the writer that applies a desired state as a diff.
//
//   auto cidr4 = TypedMap<egress_lpm4_key, egress_ports>::open(dp.map_fd(MapId::cidr4));
//   auto stats = apply_diff(*cidr4, desired);   // only changed keys are written or deleted
//
// open() checks sizeof(K)/sizeof(V) against the kernel's key/value size, so a stale struct
// cannot scribble over a map. Writes use bpf_map_update_batch / bpf_map_delete_batch where the
// kernel supports them for the map type (probed on first use, remembered), else one call per
// element. Not for per-CPU maps (their values are per CPU).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace egress::kernel {

// A map fd (borrowed: the caller keeps it open) with the kernel's view of its shape.
struct RawMap {
	int fd = -1;
	uint32_t type = 0;
	uint32_t key_size = 0;
	uint32_t value_size = 0;
	uint32_t max_entries = 0;
	std::string name;

	static Result<RawMap> open(int fd, uint32_t key_size, uint32_t value_size);
};

// Keys and values laid out back to back, as the batch calls want them.
struct RawEntries {
	std::vector<uint8_t> keys;
	std::vector<uint8_t> values;
	size_t count = 0;
};

struct DiffStats {
	size_t added = 0;
	size_t changed = 0;
	size_t removed = 0;
	size_t unchanged = 0;
	bool batched = false; // the kernel took batch calls for this map type
};

Result<RawEntries> read_entries(const RawMap& map);
// One lookup: false when the key is absent (ENOENT), an Error for anything else.
Result<bool> lookup_entry(const RawMap& map, const void* key, void* value);
Status update_entry(const RawMap& map, const void* key, const void* value);
// Deletes one key; an absent key is success.
Status delete_entry(const RawMap& map, const void* key);
Status update_entries(const RawMap& map, const RawEntries& entries);
Status delete_keys(const RawMap& map, const std::vector<uint8_t>& keys, size_t count);
Result<DiffStats> apply_diff_raw(const RawMap& map, const RawEntries& desired);

// How full a map is: hash and LPM maps are counted by walking their keys; arrays report their
// size; a ring buffer reports 0.
struct MapFill {
	std::string name;
	uint64_t entries = 0;
	uint32_t max_entries = 0;
};
Result<MapFill> map_fill(int map_fd);

// Sums a per-CPU array of u64 counters (batch lookups where the kernel has them).
Result<std::vector<uint64_t>> read_percpu_counters(int map_fd, uint32_t entries);

template <typename K, typename V>
class TypedMap {
public:
	static Result<TypedMap> open(int fd) {
		auto raw = RawMap::open(fd, sizeof(K), sizeof(V));
		if (!raw.ok())
			return std::move(raw).error();
		return TypedMap(std::move(*raw));
	}

	const RawMap& raw() const { return raw_; }

	// nullopt when the key is absent.
	Result<std::optional<V>> get(const K& key) const {
		V value{};
		auto found = lookup_entry(raw_, &key, &value);
		if (!found.ok())
			return std::move(found).error();
		return *found ? std::optional<V>(value) : std::nullopt;
	}
	Status put(const K& key, const V& value) const { return update_entry(raw_, &key, &value); }
	Status erase(const K& key) const { return delete_entry(raw_, &key); }
	Result<std::vector<std::pair<K, V>>> entries() const {
		auto raw = read_entries(raw_);
		if (!raw.ok())
			return std::move(raw).error();
		std::vector<std::pair<K, V>> out(raw->count);
		for (size_t i = 0; i < raw->count; ++i) {
			std::memcpy(&out[i].first, raw->keys.data() + i * sizeof(K), sizeof(K));
			std::memcpy(&out[i].second, raw->values.data() + i * sizeof(V), sizeof(V));
		}
		return out;
	}

	// Makes the map hold exactly `desired` (a key listed twice is an error).
	Result<DiffStats> apply(const std::vector<std::pair<K, V>>& desired) const {
		RawEntries e;
		e.keys.reserve(desired.size() * sizeof(K));
		e.values.reserve(desired.size() * sizeof(V));
		for (const auto& [k, v] : desired)
			append(e, k, v);
		return apply_diff_raw(raw_, e);
	}

private:
	explicit TypedMap(RawMap raw) : raw_(std::move(raw)) {}
	// resize + memcpy rather than vector::insert of a byte range: GCC 12 at -O3 reports a bogus
	// -Wstringop-overflow for the insert (a known false positive), which -Werror turns fatal.
	static void append(RawEntries& e, const K& k, const V& v) {
		size_t kat = e.keys.size(), vat = e.values.size();
		e.keys.resize(kat + sizeof(K));
		e.values.resize(vat + sizeof(V));
		std::memcpy(e.keys.data() + kat, &k, sizeof(K));
		std::memcpy(e.values.data() + vat, &v, sizeof(V));
		++e.count;
	}
	RawMap raw_;
};

} // namespace egress::kernel
