// A bounded map that forgets the least recently used entry: attribution caches must not grow
// with every short-lived pod a node has ever run.
#pragma once

#include <cstddef>
#include <list>
#include <unordered_map>
#include <utility>

namespace egress::audit {

template <typename K, typename V>
class LruCache {
public:
	explicit LruCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

	// A pointer valid until the next put(); nullptr on a miss. Marks the entry recently used.
	const V* get(const K& key) {
		auto it = index_.find(key);
		if (it == index_.end())
			return nullptr;
		order_.splice(order_.begin(), order_, it->second);
		return &it->second->second;
	}

	void put(const K& key, V value) {
		if (auto it = index_.find(key); it != index_.end()) {
			it->second->second = std::move(value);
			order_.splice(order_.begin(), order_, it->second);
			return;
		}
		order_.emplace_front(key, std::move(value));
		index_.emplace(key, order_.begin());
		if (order_.size() > capacity_) {
			index_.erase(order_.back().first);
			order_.pop_back();
		}
	}

	size_t size() const { return order_.size(); }
	size_t capacity() const { return capacity_; }

private:
	size_t capacity_;
	std::list<std::pair<K, V>> order_; // most recent first
	std::unordered_map<K, typename std::list<std::pair<K, V>>::iterator> index_;
};

} // namespace egress::audit
