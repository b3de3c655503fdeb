#include "audit/name_index.h"

#include <algorithm>

namespace egress::audit {

NameIndex::NameIndex(NameIndexOptions options) : options_(options) {
	if (options_.max_addresses == 0)
		options_.max_addresses = 1;
	if (options_.max_names_per_address == 0)
		options_.max_names_per_address = 1;
}

void NameIndex::learn(const LearnEvent& event) {
	if (event.name.empty())
		return;
	IpAddress key = event.address.unmapped();
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

std::vector<LearnedName> NameIndex::lookup(const IpAddress& address, uint64_t now_ns) const {
	std::lock_guard lock(mu_);
	auto it = index_.find(address.unmapped());
	if (it == index_.end())
		return {};
	std::vector<LearnedName> out;
	const auto retention = static_cast<uint64_t>(options_.retention.count());
	for (const auto& n : it->second->names)
		if (n.expires_ns + retention >= now_ns)
			out.push_back(n);
	return out;
}

std::vector<std::string> NameIndex::names(const IpAddress& address, uint64_t now_ns) const {
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
