#include "audit/aggregator.h"

namespace egress::audit {

FlowKey FlowKey::of(const DenyEvent& e) {
	FlowKey k;
	k.verdict = e.verdict;
	k.reason = e.reason;
	k.hook = e.hook;
	k.proto = e.proto;
	k.dport = e.dport;
	k.socket_family = e.socket_family;
	k.cgroup_id = e.cgroup_id;
	k.policy_generation = e.policy_generation;
	k.src = e.src;
	k.dst = e.dst;
	return k;
}

size_t FlowKeyHash::operator()(const FlowKey& k) const {
	uint64_t h = 1469598103934665603ULL;
	auto mix = [&h](uint64_t v) {
		h ^= v;
		h *= 1099511628211ULL;
		h ^= h >> 29;
	};
	mix(uint64_t(k.verdict) | uint64_t(k.reason) << 8 | uint64_t(k.hook) << 16 | uint64_t(k.proto) << 24 |
	    uint64_t(k.dport) << 32 | uint64_t(k.src.family) << 48 | uint64_t(k.dst.family) << 56);
	mix(k.cgroup_id);
	mix(k.policy_generation);
	mix(k.socket_family);
	for (const IpAddress* a : {&k.src, &k.dst})
		for (uint8_t b : a->bytes)
			mix(b);
	return static_cast<size_t>(h);
}

Aggregator::Aggregator(std::chrono::nanoseconds window, size_t max_open)
    : window_ns_(window.count() > 0 ? static_cast<uint64_t>(window.count()) : 0),
      max_open_(max_open == 0 ? 1 : max_open) {
}

bool Aggregator::merge(const DenyEvent& event) {
	auto it = index_.find(FlowKey::of(event));
	if (it == index_.end())
		return false;
	it->second->record.count += event.count;
	return true;
}

void Aggregator::open(DenyRecord record, uint64_t now_ns) {
	FlowKey key = FlowKey::of(record.event);
	if (auto it = index_.find(key); it != index_.end()) {
		// Already open (the caller did not merge first): count it rather than lose it.
		it->second->record.count += record.count;
		return;
	}
	open_.push_back(Window{key, now_ns + window_ns_, std::move(record)});
	index_.emplace(key, std::prev(open_.end()));
}

std::vector<DenyRecord> Aggregator::take_due(uint64_t now_ns) {
	std::vector<DenyRecord> out;
	while (!open_.empty() && (open_.front().closes_ns <= now_ns || open_.size() > max_open_)) {
		index_.erase(open_.front().key);
		out.push_back(std::move(open_.front().record));
		open_.pop_front();
	}
	return out;
}

std::vector<DenyRecord> Aggregator::take_all() {
	std::vector<DenyRecord> out;
	out.reserve(open_.size());
	for (auto& w : open_)
		out.push_back(std::move(w.record));
	open_.clear();
	index_.clear();
	return out;
}

} // namespace egress::audit
