#include "kernel/map_writer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace egress::kernel {
namespace {

// Per map type: 0 unknown, 1 batch works, 2 it does not (e.g. LPM tries before some kernel).
constexpr size_t kTypes = 64;
std::array<std::atomic<int>, kTypes> g_update_batch{};
std::array<std::atomic<int>, kTypes> g_delete_batch{};
std::array<std::atomic<int>, kTypes> g_lookup_batch{};

std::atomic<int>& slot(std::array<std::atomic<int>, kTypes>& table, uint32_t type) {
	return table[type < kTypes ? type : 0];
}

constexpr int kKernelEnotsupp = 524; // ENOTSUPP: kernel-internal, leaks out of some map ops

bool unsupported(int err) {
	err = err < 0 ? -err : err;
	return err == EINVAL || err == ENOTSUP || err == EOPNOTSUPP || err == kKernelEnotsupp;
}

// A batch call the map type does not implement fails before touching anything, and the count it
// hands back is then either 0 or, on kernels that never write it back (5.10's ENOTSUPP for LPM
// tries), the count we passed in. Anything else is a real failure part-way through.
bool nothing_done(uint32_t count_after, size_t requested) {
	return count_after == 0 || count_after == requested;
}

Error map_error(int err, const RawMap& m, std::string_view what) {
	return Error::from_errno(err, std::string(what) + " map " + m.name);
}

Status update_one_by_one(const RawMap& m, const RawEntries& e) {
	for (size_t i = 0; i < e.count; ++i)
		if (bpf_map_update_elem(m.fd, e.keys.data() + i * m.key_size,
		                        e.values.data() + i * m.value_size, BPF_ANY) != 0)
			return map_error(errno, m, "updating");
	return ok_status();
}

Result<RawEntries> read_by_iteration(const RawMap& m) {
	RawEntries out;
	std::vector<uint8_t> key(m.key_size), next(m.key_size), value(m.value_size);
	const void* prev = nullptr;
	while (bpf_map_get_next_key(m.fd, prev, next.data()) == 0) {
		if (bpf_map_lookup_elem(m.fd, next.data(), value.data()) == 0) {
			out.keys.insert(out.keys.end(), next.begin(), next.end());
			out.values.insert(out.values.end(), value.begin(), value.end());
			++out.count;
		}
		key = next;
		prev = key.data();
	}
	if (errno != ENOENT)
		return map_error(errno, m, "iterating");
	return out;
}

} // namespace

Result<RawMap> RawMap::open(int fd, uint32_t key_size, uint32_t value_size) {
	bpf_map_info info{};
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
		return Error::from_errno(errno, "reading map info");
	RawMap m;
	m.fd = fd;
	m.type = info.type;
	m.key_size = info.key_size;
	m.value_size = info.value_size;
	m.max_entries = info.max_entries;
	m.name = info.name;
	if (m.key_size != key_size || m.value_size != value_size)
		return Error("map " + m.name + " has key/value sizes " + std::to_string(m.key_size) + "/" +
		                 std::to_string(m.value_size) + ", the writer expects " +
		                 std::to_string(key_size) + "/" + std::to_string(value_size) +
		                 " (ABI mismatch)",
		             EPROTO);
	return m;
}

Result<RawEntries> read_entries(const RawMap& m) {
	auto& can = slot(g_lookup_batch, m.type);
	if (can.load() != 2 && (m.type == BPF_MAP_TYPE_HASH || m.type == BPF_MAP_TYPE_LRU_HASH)) {
		RawEntries out;
		uint32_t chunk = 4096;
		std::vector<uint8_t> keys(static_cast<size_t>(chunk) * m.key_size);
		std::vector<uint8_t> values(static_cast<size_t>(chunk) * m.value_size);
		uint64_t in_batch = 0, out_batch = 0; // hash maps use a u32 bucket cursor
		bool first = true;
		for (;;) {
			uint32_t n = chunk;
			int err = bpf_map_lookup_batch(m.fd, first ? nullptr : &in_batch, &out_batch,
			                               keys.data(), values.data(), &n, nullptr);
			int e = err ? errno : 0;
			if (err && e != ENOENT) {
				if (first && unsupported(e)) {
					can.store(2);
					return read_by_iteration(m);
				}
				return map_error(e, m, "batch-reading");
			}
			can.store(1);
			out.keys.insert(out.keys.end(), keys.begin(), keys.begin() + n * m.key_size);
			out.values.insert(out.values.end(), values.begin(),
			                  values.begin() + n * m.value_size);
			out.count += n;
			if (e == ENOENT)
				return out;
			in_batch = out_batch;
			first = false;
		}
	}
	return read_by_iteration(m);
}

Result<bool> lookup_entry(const RawMap& m, const void* key, void* value) {
	if (bpf_map_lookup_elem(m.fd, key, value) == 0)
		return true;
	if (errno == ENOENT)
		return false;
	return map_error(errno, m, "looking up in");
}

Status update_entry(const RawMap& m, const void* key, const void* value) {
	if (bpf_map_update_elem(m.fd, key, value, BPF_ANY) != 0)
		return map_error(errno, m, "updating");
	return ok_status();
}

Status delete_entry(const RawMap& m, const void* key) {
	if (bpf_map_delete_elem(m.fd, key) != 0 && errno != ENOENT)
		return map_error(errno, m, "deleting from");
	return ok_status();
}

Status update_entries(const RawMap& m, const RawEntries& e) {
	if (e.count == 0)
		return ok_status();
	auto& can = slot(g_update_batch, m.type);
	if (can.load() != 2) {
		uint32_t n = static_cast<uint32_t>(e.count);
		LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
		if (bpf_map_update_batch(m.fd, e.keys.data(), e.values.data(), &n, &opts) == 0) {
			can.store(1);
			return ok_status();
		}
		int err = errno;
		if (!(nothing_done(n, e.count) && unsupported(err)))
			return map_error(err, m, "batch-updating");
		can.store(2);
	}
	return update_one_by_one(m, e);
}

Status delete_keys(const RawMap& m, const std::vector<uint8_t>& keys, size_t count) {
	if (count == 0)
		return ok_status();
	auto& can = slot(g_delete_batch, m.type);
	if (can.load() != 2) {
		uint32_t n = static_cast<uint32_t>(count);
		if (bpf_map_delete_batch(m.fd, keys.data(), &n, nullptr) == 0) {
			can.store(1);
			return ok_status();
		}
		int err = errno;
		if (!(nothing_done(n, count) && unsupported(err)))
			return map_error(err, m, "batch-deleting");
		can.store(2);
	}
	for (size_t i = 0; i < count; ++i)
		if (bpf_map_delete_elem(m.fd, keys.data() + i * m.key_size) != 0 && errno != ENOENT)
			return map_error(errno, m, "deleting from");
	return ok_status();
}

Result<DiffStats> apply_diff_raw(const RawMap& m, const RawEntries& desired) {
	auto current = read_entries(m);
	if (!current.ok())
		return std::move(current).error();
	auto key_at = [&](const RawEntries& e, size_t i) {
		return std::string_view(reinterpret_cast<const char*>(e.keys.data()) + i * m.key_size,
		                        m.key_size);
	};
	auto value_at = [&](const RawEntries& e, size_t i) {
		return std::string_view(reinterpret_cast<const char*>(e.values.data()) + i * m.value_size,
		                        m.value_size);
	};
	DiffStats stats;
	std::unordered_set<std::string_view> wanted;
	wanted.reserve(desired.count);
	for (size_t i = 0; i < desired.count; ++i)
		if (!wanted.insert(key_at(desired, i)).second)
			return Error("the desired state lists a key of map " + m.name + " twice", EINVAL);
	if (current->count == 0) {
		// A fresh map (first load, or after a restart without pins): everything is new.
		stats.added = desired.count;
		EGRESS_TRY(update_entries(m, desired));
		stats.batched = slot(g_update_batch, m.type).load() == 1;
		return stats;
	}

	std::unordered_map<std::string_view, size_t> have;
	have.reserve(current->count);
	for (size_t i = 0; i < current->count; ++i)
		have.emplace(key_at(*current, i), i);
	RawEntries writes;
	for (size_t i = 0; i < desired.count; ++i) {
		auto k = key_at(desired, i);
		auto it = have.find(k);
		if (it != have.end() && value_at(*current, it->second) == value_at(desired, i)) {
			++stats.unchanged;
			continue;
		}
		++(it == have.end() ? stats.added : stats.changed);
		writes.keys.insert(writes.keys.end(), k.begin(), k.end());
		auto v = value_at(desired, i);
		writes.values.insert(writes.values.end(), v.begin(), v.end());
		++writes.count;
	}
	std::vector<uint8_t> stale;
	for (size_t i = 0; i < current->count; ++i) {
		auto k = key_at(*current, i);
		if (!wanted.count(k)) {
			stale.insert(stale.end(), k.begin(), k.end());
			++stats.removed;
		}
	}
	// Add before removing: an address moving between keys is never briefly uncovered.
	EGRESS_TRY(update_entries(m, writes));
	EGRESS_TRY(delete_keys(m, stale, stats.removed));
	stats.batched = slot(g_update_batch, m.type).load() == 1;
	return stats;
}

Result<MapFill> map_fill(int map_fd) {
	bpf_map_info info{};
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0)
		return Error::from_errno(errno, "reading map info");
	MapFill f{info.name, 0, info.max_entries};
	if (info.type == BPF_MAP_TYPE_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		f.entries = info.max_entries;
		return f;
	}
	if (info.type == BPF_MAP_TYPE_RINGBUF)
		return f;
	std::vector<uint8_t> key(info.key_size), next(info.key_size);
	void* prev = nullptr;
	while (bpf_map_get_next_key(map_fd, prev, next.data()) == 0) {
		++f.entries;
		key.swap(next);
		prev = key.data();
		if (f.entries > info.max_entries + 1024ULL)
			break; // a map churning under us: the count is an estimate anyway
	}
	return f;
}

Result<std::vector<uint64_t>> read_percpu_counters(int map_fd, uint32_t entries) {
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return Error::from_errno(ncpu, "counting CPUs");
	auto cpus = static_cast<size_t>(ncpu);
	std::vector<uint64_t> sums(entries);
	// One batch call for the whole array (5.6+); one lookup per index where it is refused.
	std::vector<uint32_t> keys(entries);
	std::vector<uint64_t> values(static_cast<size_t>(entries) * cpus);
	uint32_t n = entries, out_batch = 0;
	int err = bpf_map_lookup_batch(map_fd, nullptr, &out_batch, keys.data(), values.data(), &n, nullptr);
	if ((err == 0 || errno == ENOENT) && n == entries) {
		for (uint32_t i = 0; i < n; ++i)
			for (size_t c = 0; c < cpus; ++c)
				sums[keys[i]] += values[i * cpus + c];
		return sums;
	}
	std::vector<uint64_t> per_cpu(cpus);
	for (uint32_t i = 0; i < entries; ++i) {
		if (bpf_map_lookup_elem(map_fd, &i, per_cpu.data()) != 0)
			return Error::from_errno(errno, "reading counter " + std::to_string(i));
		for (uint64_t v : per_cpu)
			sums[i] += v;
	}
	return sums;
}

} // namespace egress::kernel
