// The report of `egressctl check DEST[:PORT]`: the query, the rules of a compiled policy that cover
// the destination and the notes that explain a deny. Pure. The verdict and its reason are not
// decided here: verdict::check asks the one explainer of the kernel's decision (verdict/explain.h)
// and fills CheckResult::allowed/reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "common/result.h"
#include "policy/compiled_policy.h"
#include "policy/config.h"

namespace egress::policy {

struct CheckQuery {
	std::string destination; // normalised name, or an address in its canonical text form
	bool is_address = false;
	IpAddress address;                 // when is_address
	std::optional<std::uint16_t> port; // nullopt: any port
	Proto proto = Proto::tcp;
};

// Parses "name", "name:443", "10.0.0.1", "10.0.0.1:443", "2001:db8::1", "[2001:db8::1]:443".
// Errors name the problem ("port out of range", "not a valid name").
Result<CheckQuery> parse_check_query(std::string_view dest, Proto proto);

struct CheckMatch {
	std::string rule; // the pattern or CIDR
	bool is_name = false;
	std::vector<PortRange> ports;
	std::vector<std::string> origins;
	bool floor = false;
	bool port_allowed = false; // this rule alone allows the queried protocol/port
};

struct CheckResult {
	CheckQuery query;
	bool allowed = false;
	// Addresses: the kernel's reason (common/abi_names.h: "loopback", "safety_floor", "learned",
	// "cidr", "no_rule", "port_not_allowed", "expired"). Names: "name_rule", "no_rule",
	// "port_not_allowed", or "name_not_learnable" (a name the kernel's learner cannot walk).
	std::string reason;
	std::vector<CheckMatch> matches; // rules covering the destination, most specific first
	std::vector<std::string> notes;  // why catalog rows that name it are left out, hints
};

// The rules of `policy` that cover the destination, most specific first, each saying whether it
// alone allows the protocol/port: the listing of the report (the verdict is verdict::check's, which
// asks the kernel's order).
std::vector<CheckMatch> covering_rules(const CompiledPolicy& policy, const CheckQuery& query);

// Hints for the report: near misses of wildcards (the bare domain, more labels than `*.` covers),
// the run-time learning an offline check cannot see, and — with a catalog and config, for a denied
// name — the catalog rows that would allow it and why the compiler left each out.
std::vector<std::string> check_notes(const CompiledPolicy& policy, const CheckQuery& query, bool allowed,
                                     const catalog::Catalog* catalog = nullptr,
                                     const Config* config = nullptr);

nlohmann::ordered_json to_json(const CheckResult& result);
std::string to_text(const CheckResult& result);

} // namespace egress::policy
