#include "daemon/learned_book.h"

#include <algorithm>
#include <cstring>

namespace egress::daemon {

std::optional<LearnedBook::RuleHit> LearnedBook::match(const std::string& name) const {
	if (!table_)
		return std::nullopt;
	auto hit = table_->match(name);
	if (!hit)
		return std::nullopt;
	auto hashes = dns::suffix_hashes(name, check_key_);
	if (!hashes.ok() || hit->suffix >= hashes->size())
		return std::nullopt;
	return RuleHit{hit->ports, (*hashes)[hit->suffix].hash};
}

std::optional<egress_learned_value> LearnedBook::value_for(const std::vector<HeldName>& names) const {
	std::optional<egress_learned_value> out;
	std::vector<policy::PortRange> all_ports;
	for (const auto& h : names) {
		auto hit = match(h.name);
		if (!hit)
			continue;
		auto ports = verdict::policy_ports(hit->ports);
		all_ports.insert(all_ports.end(), ports.begin(), ports.end());
		if (!out || h.expiry_ns > out->expires_ns) {
			out.emplace();
			out->expires_ns = h.expiry_ns;
			out->ttl = h.ttl_seconds;
			out->name_hash = hit->name_hash;
			out->ports = hit->ports;
		}
	}
	if (out) {
		// The union keeps a connection to a shared CDN address working for every name's ports;
		// if it does not fit, the latest name's own ports are the conservative choice.
		auto merged = verdict::kernel_ports(all_ports, out->ports.rule_id);
		if (merged.ok())
			out->ports = *merged;
	}
	return out;
}

std::vector<LearnedWrite> LearnedBook::set_policy(const verdict::DesiredState& state,
                                                  uint64_t name_check_key) {
	entries_ = state.names;
	check_key_ = name_check_key;
	table_.emplace(entries_, check_key_);
	std::vector<LearnedWrite> writes;
	for (const auto& [address, names] : held_)
		writes.push_back({address, value_for(names), 0});
	return writes;
}

std::optional<LearnedWrite> LearnedBook::apply(const resolver::AddressChange& change) {
	auto& names = held_[change.address];
	auto it = std::find_if(names.begin(), names.end(),
	                       [&](const HeldName& h) { return h.name == change.name; });
	if (change.kind == resolver::ChangeKind::removed) {
		if (it == names.end()) {
			if (names.empty())
				held_.erase(change.address);
			return std::nullopt;
		}
		names.erase(it);
	} else if (it == names.end()) {
		names.push_back({change.name, change.expiry_ns, change.ttl_seconds});
	} else {
		it->expiry_ns = change.expiry_ns;
		it->ttl_seconds = change.ttl_seconds;
	}
	LearnedWrite w{change.address, value_for(names), change.expiry_ns};
	for (const auto& h : names)
		w.expiry_ns = std::max(w.expiry_ns, h.expiry_ns);
	if (names.empty())
		held_.erase(change.address);
	return w;
}

std::optional<egress_learned_value> relearn(const egress_learned_value& current,
                                            const std::vector<dns::NameRuleEntry>& names, uint8_t kind) {
	const dns::NameRuleEntry* hit = nullptr;
	for (const auto& e : names) {
		if (e.key.hash != current.name_hash)
			continue;
		if (!hit || (e.key.kind == kind && hit->key.kind != kind))
			hit = &e;
	}
	if (!hit)
		return std::nullopt;
	egress_learned_value v = current;
	v.ports = hit->value.ports;
	return v;
}

uint8_t name_kind(const verdict::RuleRef* rule) {
	if (!rule || !rule->is_name)
		return 0;
	if (rule->destination.rfind("**.", 0) == 0)
		return EGRESS_NAME_WILDCARD_MANY;
	if (rule->destination.rfind("*.", 0) == 0)
		return EGRESS_NAME_WILDCARD_ONE;
	return EGRESS_NAME_EXACT;
}

IpAddress address_of(const egress_learned4_key& key) {
	IpAddress a;
	a.family = Family::v4;
	std::memcpy(a.bytes.data(), key.addr, 4);
	return a;
}

IpAddress address_of(const egress_learned6_key& key) {
	IpAddress a;
	a.family = Family::v6;
	std::memcpy(a.bytes.data(), key.addr, 16);
	return a;
}

egress_learned4_key learned4_key(const IpAddress& a) {
	egress_learned4_key k{};
	std::memcpy(k.addr, a.bytes.data(), 4);
	return k;
}

egress_learned6_key learned6_key(const IpAddress& a) {
	egress_learned6_key k{};
	std::memcpy(k.addr, a.bytes.data(), 16);
	return k;
}

} // namespace egress::daemon
