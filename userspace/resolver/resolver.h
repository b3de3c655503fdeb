// Resolver: keeps a set of exact names resolved (A and AAAA) and reports, as changes, which
// addresses each name holds and until when. The daemon turns the changes into learned-map writes.
//
// Driven from the caller's loop, never from a thread of its own:
//
//   auto r = Resolver::create(options, transport, clock);
//   r->set_names(policy.exact_names);              // diffed against the previous set
//   for (;;) {
//           for (const auto& c : r->tick()) apply(c); // resolves what is due, expires what lapsed
//           sleep_until(r->next_wakeup_ns());
//   }
//
// Each (name, family) is one record set with its own schedule:
//   success     addresses get expiry = t + clamp(TTL, minTTL, maxTTL) + grace (t: when the answer
//               arrived; an expiry never moves backwards while the address is answered), the next
//               refresh is due at t + clamp(TTL) (the smallest TTL of the answer; minTTL for an
//               empty answer). Addresses missing from the new answer keep their expiry, capped at
//               t + grace, and are removed when it passes: a client that cached the old answer
//               can still connect for a moment, nothing lingers.
//   failure     (timeout, unreachable, SERVFAIL): the first failure extends the last good answer to
//               t + staleGrace (changes marked stale); retries follow after backoff_initial,
//               doubling up to backoff_max. When staleGrace has passed without success, the
//               addresses are removed. The next success ends the stale state.
//   set_names   new names are due at once; dropped names' addresses are reported removed by the
//               next tick().
// Times are CLOCK_BOOTTIME nanoseconds from the injected Clock: the clock of the BPF maps' expiry.
// An address shared by several names is reported under each; the map entry must live while any
// name holds it.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/ip_address.h"
#include "resolver/options.h"
#include "resolver/transport.h"

namespace egress::resolver {

enum class ChangeKind : std::uint8_t {
	added,   // first time this name holds the address (or again after a removal)
	updated, // still held, the expiry moved (refresh, stale extension, or dropped from the answer)
	removed, // expired, stale grace over, or the name left the set
};

std::string_view change_kind_name(ChangeKind kind); // "added" | "updated" | "removed"

struct AddressChange {
	ChangeKind kind = ChangeKind::added;
	std::string name;
	IpAddress address;
	std::uint64_t expiry_ns = 0;   // boot-time ns; for `removed`, the expiry it had
	std::uint32_t ttl_seconds = 0; // the TTL last received for it
	bool stale = false;            // held past its TTL because the resolvers fail
};

// One address a name holds now (for `egressctl ips`, metrics).
struct Entry {
	std::string name;
	IpAddress address;
	std::uint64_t expiry_ns = 0;
	std::uint32_t ttl_seconds = 0;
	bool in_latest_answer = false; // false: dropped by the last answer, lives out its expiry
	bool stale = false;
};

// The state of one record set (for status output and metrics).
struct RecordStatus {
	std::string name;
	Family family = Family::v4;
	std::uint64_t next_refresh_ns = 0;
	std::uint64_t last_success_ns = 0; // 0: never answered
	std::uint32_t consecutive_failures = 0;
	std::uint64_t stale_until_ns = 0; // 0: not stale
	std::string last_error;           // of the latest failure, "" after a success
	std::size_t addresses = 0;
};

class Resolver {
public:
	static constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

	// The transport and clock must outlive the resolver. Errors: invalid options.
	static Result<Resolver> create(Options options, Transport& transport, const Clock& clock);

	// Replaces the set of names (normalized with normalize_exact_name; duplicates collapse). On an
	// invalid name nothing changes and the error names it.
	Status set_names(const std::vector<std::string>& names);

	// Resolves every record set that is due (one Transport::resolve_batch call), then removes what
	// has expired. Returns the changes in a stable order (name, family, address).
	std::vector<AddressChange> tick();

	// When tick() has work next: the earliest refresh or expiry; kNever with nothing to do.
	std::uint64_t next_wakeup_ns() const;

	std::vector<Entry> entries() const;
	std::vector<RecordStatus> status() const;
	const std::vector<std::string>& names() const { return names_; }
	const Options& options() const { return options_; }

private:
	using Key = std::pair<std::string, Family>;

	struct Held {
		std::uint64_t expiry_ns = 0;
		std::uint32_t ttl_seconds = 0;
		bool in_latest = false;
	};

	struct RecordSet {
		std::uint64_t next_due_ns = 0;
		std::uint64_t last_success_ns = 0;
		std::uint32_t failures = 0;
		std::uint64_t stale_until_ns = 0;
		std::string last_error;
		std::map<IpAddress, Held> held;
	};

	Resolver(Options options, Transport& transport, const Clock& clock)
	    : options_(options), transport_(&transport), clock_(&clock) {}

	void schedule(const Key& key, RecordSet& set, std::uint64_t due_ns);
	void on_success(const Key& key, RecordSet& set, const std::vector<Answer>& answers, std::uint64_t now,
	                std::vector<AddressChange>& out);
	void on_failure(const Key& key, RecordSet& set, const Error& error, std::uint64_t now,
	                std::vector<AddressChange>& out);
	void expire(std::uint64_t now, std::vector<AddressChange>& out);
	std::uint64_t refresh_after_ns(std::uint32_t ttl_seconds) const;
	std::uint64_t backoff_ns(std::uint32_t failures) const;

	Options options_;
	Transport* transport_;
	const Clock* clock_;
	std::vector<std::string> names_; // sorted, normalized
	std::map<Key, RecordSet> sets_;
	std::set<std::tuple<std::uint64_t, std::string, Family>> schedule_; // (due, name, family)
	std::vector<AddressChange> pending_;                                // removals of dropped names
};

} // namespace egress::resolver
