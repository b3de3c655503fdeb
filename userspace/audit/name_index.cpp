#include "audit/name_index.h"

#include <sys/socket.h>

#include <algorithm>

namespace egress::audit {

Address unmap_ipv4(const Address& a) {
	static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (a.family != AF_INET6 || !std::equal(kMapped, kMapped + 12, a.bytes.begin()))
		return a;
	Address v4;
	v4.family = AF_INET;
	std::copy_n(a.bytes.begin() + 12, 4, v4.bytes.begin());
	return v4;
}

size_t NameIndex::AddressHash::operator()(const Address& a) const {
	// FNV-1a over family and bytes: cheap, and addresses are not attacker-chosen keys here
	// (only answers to allowed names are learned).
	uint64_t h = 1469598103934665603ULL;
	auto mix = [&h](uint8_t b) {
		h ^= b;
		h *= 1099511628211ULL;
	};
	mix(a.family);
	for (uint8_t b : a.bytes)
		mix(b);
	return static_cast<size_t>(h);
}

NameIndex::NameIndex(NameIndexOptions options) : options_(options) {
	if (options_.max_addresses == 0)
		options_.max_addresses = 1;
	if (options_.max_names_per_address == 0)
		options_.max_names_per_address = 1;
}

void NameIndex::learn(const LearnEvent& event) {
	if (event.name.empty())
		return;
	Address key = unmap_ipv4(event.address);
	std::lock_guard lock(mu_);
	auto it = index_.find(key);
	if (it == index_.end()) {
		order_.push_front(Entry{key, {}});
		it = index_.emplace(key, order_.begin()).first;
	} else {
		order_.splice(order_.begin(), order_, it->second);
	}
	auto& names = it->second->names;
	std::erase_if(names, [&](const LearnedName& n) { return n.name == event.name; });
	names.insert(names.begin(), LearnedName{event.name, event.expires_ns, event.ttl});
	if (names.size() > options_.max_names_per_address)
		names.resize(options_.max_names_per_address);
	while (order_.size() > options_.max_addresses) {
		index_.erase(order_.back().address);
		order_.pop_back();
	}
}

std::vector<LearnedName> NameIndex::lookup(const Address& address, uint64_t now_ns) const {
	std::lock_guard lock(mu_);
	auto it = index_.find(unmap_ipv4(address));
	if (it == index_.end())
		return {};
	std::vector<LearnedName> out;
	const auto retention = static_cast<uint64_t>(options_.retention.count());
	for (const auto& n : it->second->names)
		if (n.expires_ns + retention >= now_ns)
			out.push_back(n);
	return out;
}

std::vector<std::string> NameIndex::names(const Address& address, uint64_t now_ns) const {
	std::vector<std::string> out;
	for (auto& n : lookup(address, now_ns))
		out.push_back(std::move(n.name));
	return out;
}

std::vector<NameIndex::Entry> NameIndex::snapshot(uint64_t now_ns) const {
	std::lock_guard lock(mu_);
	const auto retention = static_cast<uint64_t>(options_.retention.count());
	std::vector<Entry> out;
	for (const auto& e : order_) {
		Entry live{e.address, {}};
		for (const auto& n : e.names)
			if (n.expires_ns + retention >= now_ns)
				live.names.push_back(n);
		if (!live.names.empty())
			out.push_back(std::move(live));
	}
	return out;
}

size_t NameIndex::expire(uint64_t now_ns) {
	std::lock_guard lock(mu_);
	const auto retention = static_cast<uint64_t>(options_.retention.count());
	size_t removed = 0;
	for (auto it = order_.begin(); it != order_.end();) {
		std::erase_if(it->names,
		              [&](const LearnedName& n) { return n.expires_ns + retention < now_ns; });
		if (it->names.empty()) {
			index_.erase(it->address);
			it = order_.erase(it);
			++removed;
		} else {
			++it;
		}
	}
	return removed;
}

size_t NameIndex::size() const {
	std::lock_guard lock(mu_);
	return order_.size();
}

} // namespace egress::audit
