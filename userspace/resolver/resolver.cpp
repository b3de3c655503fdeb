#include "resolver/resolver.h"

#include <algorithm>

#include "common/logger.h"
#include "resolver/name.h"

namespace egress::resolver {

namespace {

constexpr std::string_view kLog = "resolver";

std::uint64_t to_ns(std::chrono::milliseconds d) {
	return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) {
	return a > Resolver::kNever - b ? Resolver::kNever : a + b;
}

std::string_view record_type(Family family) {
	return family == Family::v4 ? "A" : "AAAA";
}

bool change_order(const AddressChange& a, const AddressChange& b) {
	return std::tie(a.name, a.address.family, a.address, a.kind) <
	       std::tie(b.name, b.address.family, b.address, b.kind);
}

} // namespace

std::string_view change_kind_name(ChangeKind kind) {
	switch (kind) {
	case ChangeKind::added:
		return "added";
	case ChangeKind::updated:
		return "updated";
	case ChangeKind::removed:
		return "removed";
	}
	return "unknown";
}

Result<Resolver> Resolver::create(Options options, Transport& transport, const Clock& clock) {
	EGRESS_TRY(options.validate());
	return Resolver(options, transport, clock);
}

Status Resolver::set_names(const std::vector<std::string>& names) {
	std::vector<std::string> next;
	next.reserve(names.size());
	for (const auto& n : names) {
		auto norm = normalize_exact_name(n);
		if (!norm.ok())
			return std::move(norm).error().wrap("setting the names to resolve");
		next.push_back(std::move(*norm));
	}
	std::sort(next.begin(), next.end());
	next.erase(std::unique(next.begin(), next.end()), next.end());

	std::vector<std::string> gone;
	std::set_difference(names_.begin(), names_.end(), next.begin(), next.end(), std::back_inserter(gone));
	for (const auto& name : gone) {
		for (Family f : {Family::v4, Family::v6}) {
			auto it = sets_.find({name, f});
			if (it == sets_.end())
				continue;
			for (const auto& [addr, h] : it->second.held)
				pending_.push_back(
				    {ChangeKind::removed, name, addr, h.expiry_ns, h.ttl_seconds, false});
			schedule_.erase({it->second.next_due_ns, name, f});
			sets_.erase(it);
		}
	}

	const std::uint64_t now = clock_->boot_ns();
	for (const auto& name : next) {
		for (Family f : {Family::v4, Family::v6}) {
			if ((f == Family::v4 && !options_.ipv4) || (f == Family::v6 && !options_.ipv6))
				continue;
			Key key{name, f};
			auto [it, inserted] = sets_.try_emplace(key);
			if (inserted)
				schedule(key, it->second, now);
		}
	}
	if (!gone.empty() || next.size() != names_.size())
		log::info(kLog) << "resolving " << next.size() << " names (" << gone.size() << " dropped)";
	names_ = std::move(next);
	return ok_status();
}

void Resolver::schedule(const Key& key, RecordSet& set, std::uint64_t due_ns) {
	schedule_.erase({set.next_due_ns, key.first, key.second});
	set.next_due_ns = due_ns;
	schedule_.insert({due_ns, key.first, key.second});
}

std::uint64_t Resolver::refresh_after_ns(std::uint32_t ttl_seconds) const {
	auto ttl = std::chrono::milliseconds(std::chrono::seconds(ttl_seconds));
	return to_ns(std::clamp(ttl, options_.min_ttl, options_.max_ttl));
}

std::uint64_t Resolver::backoff_ns(std::uint32_t failures) const {
	auto delay = options_.backoff_initial;
	for (std::uint32_t i = 1; i < failures && delay < options_.backoff_max; ++i)
		delay *= 2;
	return to_ns(std::min(delay, options_.backoff_max));
}

std::vector<AddressChange> Resolver::tick() {
	std::vector<AddressChange> out = std::move(pending_);
	pending_.clear();

	const std::uint64_t start = clock_->boot_ns();
	std::vector<Key> due;
	for (const auto& [at, name, family] : schedule_) {
		if (at > start)
			break;
		due.push_back({name, family});
	}
	if (!due.empty()) {
		std::vector<Query> queries;
		queries.reserve(due.size());
		for (const auto& [name, family] : due)
			queries.push_back({name, family});
		std::vector<QueryResult> results = transport_->resolve_batch(queries);
		// Expiries count from when the answers arrived, not from when the batch started.
		const std::uint64_t now = clock_->boot_ns();
		for (std::size_t i = 0; i < due.size(); ++i) {
			RecordSet& set = sets_.at(due[i]);
			if (i >= results.size())
				on_failure(due[i], set, Error("transport returned no result"), now, out);
			else if (results[i].ok())
				on_success(due[i], set, *results[i], now, out);
			else
				on_failure(due[i], set, results[i].error(), now, out);
		}
	}
	expire(clock_->boot_ns(), out);
	std::stable_sort(out.begin(), out.end(), change_order);
	return out;
}

void Resolver::on_success(const Key& key, RecordSet& set, const std::vector<Answer>& answers,
                          std::uint64_t now, std::vector<AddressChange>& out) {
	const std::string& name = key.first;
	if (set.failures > 0)
		log::info(kLog) << name << " " << record_type(key.second) << ": answered again after "
		                << set.failures << " failures";

	// One TTL per address (the smallest, should a server repeat a record) and per answer.
	std::map<IpAddress, std::uint32_t> fresh;
	for (const auto& a : answers) {
		if (a.address.family != key.second)
			continue; // an AAAA in an A answer teaches nothing about this record set
		auto [it, inserted] = fresh.try_emplace(a.address, a.ttl_seconds);
		if (!inserted)
			it->second = std::min(it->second, a.ttl_seconds);
	}
	std::uint32_t min_ttl = 0;
	bool first = true;
	for (const auto& [addr, ttl] : fresh) {
		min_ttl = first ? ttl : std::min(min_ttl, ttl);
		first = false;
	}
	const std::uint64_t grace = to_ns(options_.grace);

	for (auto& [addr, h] : set.held) {
		if (fresh.count(addr) || !h.in_latest)
			continue;
		// Dropped from the answer: let it live out what a client's cached copy may still use.
		h.in_latest = false;
		std::uint64_t capped = std::min(h.expiry_ns, sat_add(now, grace));
		if (capped != h.expiry_ns) {
			h.expiry_ns = capped;
			out.push_back({ChangeKind::updated, name, addr, h.expiry_ns, h.ttl_seconds, false});
		}
	}
	for (const auto& [addr, ttl] : fresh) {
		std::uint64_t expiry = sat_add(sat_add(now, refresh_after_ns(ttl)), grace);
		auto [it, inserted] = set.held.try_emplace(addr);
		Held& h = it->second;
		h.ttl_seconds = ttl;
		h.in_latest = true;
		if (inserted) {
			h.expiry_ns = expiry;
			out.push_back({ChangeKind::added, name, addr, h.expiry_ns, ttl, false});
		} else if (expiry > h.expiry_ns) {
			h.expiry_ns = expiry;
			out.push_back({ChangeKind::updated, name, addr, h.expiry_ns, ttl, false});
		}
	}

	set.failures = 0;
	set.stale_until_ns = 0;
	set.last_error.clear();
	set.last_success_ns = now;
	schedule(key, set, sat_add(now, refresh_after_ns(min_ttl)));
}

void Resolver::on_failure(const Key& key, RecordSet& set, const Error& error, std::uint64_t now,
                          std::vector<AddressChange>& out) {
	const std::string& name = key.first;
	++set.failures;
	set.last_error = error.to_string();
	std::size_t kept = 0;
	if (set.failures == 1) {
		for (auto& [addr, h] : set.held) {
			if (!h.in_latest)
				continue;
			if (set.stale_until_ns == 0)
				set.stale_until_ns = sat_add(now, to_ns(options_.stale_grace));
			++kept;
			if (set.stale_until_ns > h.expiry_ns) {
				h.expiry_ns = set.stale_until_ns;
				out.push_back(
				    {ChangeKind::updated, name, addr, h.expiry_ns, h.ttl_seconds, true});
			}
		}
	}
	const std::uint64_t retry = backoff_ns(set.failures);
	if (set.failures == 1 && kept > 0)
		log::warn(kLog) << name << " " << record_type(key.second) << ": " << set.last_error
		                << "; keeping " << kept
		                << " addresses until the stale grace ends, retrying in " << retry / 1'000'000
		                << " ms";
	else if (set.failures == 1)
		log::warn(kLog) << name << " " << record_type(key.second) << ": " << set.last_error
		                << "; retrying in " << retry / 1'000'000 << " ms";
	else
		log::debug(kLog) << name << " " << record_type(key.second) << ": failure " << set.failures
		                 << ": " << set.last_error;
	schedule(key, set, sat_add(now, retry));
}

void Resolver::expire(std::uint64_t now, std::vector<AddressChange>& out) {
	for (auto& [key, set] : sets_) {
		for (auto it = set.held.begin(); it != set.held.end();) {
			const Held& h = it->second;
			if (now < h.expiry_ns) {
				++it;
				continue;
			}
			bool stale = set.stale_until_ns != 0 && h.in_latest;
			if (stale)
				log::warn(kLog) << key.first << " " << record_type(key.second)
				                << ": stale grace over, removing " << it->first.to_string();
			out.push_back(
			    {ChangeKind::removed, key.first, it->first, h.expiry_ns, h.ttl_seconds, stale});
			it = set.held.erase(it);
		}
	}
}

std::uint64_t Resolver::next_wakeup_ns() const {
	if (!pending_.empty())
		return 0;
	std::uint64_t next = schedule_.empty() ? kNever : std::get<0>(*schedule_.begin());
	for (const auto& [key, set] : sets_)
		for (const auto& [addr, h] : set.held)
			next = std::min(next, h.expiry_ns);
	return next;
}

std::vector<Entry> Resolver::entries() const {
	std::vector<Entry> out;
	for (const auto& [key, set] : sets_)
		for (const auto& [addr, h] : set.held)
			out.push_back({key.first, addr, h.expiry_ns, h.ttl_seconds, h.in_latest,
			               set.stale_until_ns != 0 && h.in_latest});
	return out;
}

std::vector<RecordStatus> Resolver::status() const {
	std::vector<RecordStatus> out;
	for (const auto& [key, set] : sets_)
		out.push_back({key.first, key.second, set.next_due_ns, set.last_success_ns, set.failures,
		               set.stale_until_ns, set.last_error, set.held.size()});
	return out;
}

} // namespace egress::resolver
