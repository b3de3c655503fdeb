// `check DEST[:PORT]` answered one way, whoever holds the maps: egressd (its loaded maps and
// policy), egressctl from the pins (maps only: rule ids, no rule names), egressctl --config (the
// maps the config's policy would produce). The verdict and reason come from explain(); the report
// around them (covering rules, notes) from policy/check.h.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "policy/check.h"
#include "policy/compiled_policy.h"
#include "policy/config.h"
#include "verdict/desired_state.h"
#include "verdict/explain.h"

namespace egress::verdict {

struct CheckContext {
	const policy::CompiledPolicy* policy = nullptr; // rule listing and notes (null: from the pins)
	const DesiredState* desired = nullptr;          // rule ids and the name-rule table (null: pins)
	const catalog::Catalog* catalog = nullptr;      // with config: why catalog rows are left out
	const policy::Config* config = nullptr;
};

struct CheckAnswer {
	policy::CheckResult result;      // query, verdict, reason, covering rules, notes
	std::optional<Verdict> address;  // addresses: the map-level verdict
	std::optional<NameVerdict> name; // names: what the learner does with the name
};

// The query's path: TCP as connect(), UDP as a datagram sent (sendmsg: a UDP miss is no_rule, not
// the udp_probe of a bare UDP connect()).
AddressQuery address_query(const policy::CheckQuery& query);

// `entries`: what the maps hold for address_query(query)'s judged address (unused for names).
CheckAnswer check(const CheckContext& context, const policy::CheckQuery& query, const AddressEntries& entries,
                  uint64_t now_ns);

// policy::to_json(result), plus "maps" (map_hits_json) for an address.
nlohmann::ordered_json to_json(const CheckAnswer& answer, uint64_t now_ns);

} // namespace egress::verdict
