// The offline half of `egressctl check DEST[:PORT]`: which rule of a compiled policy allows a name
// or an address, or why nothing does. Pure (the CLI compiles the policy and prints the result).
//
// Semantics follow the datapath: an address is allowed when some CIDR rule containing it allows
// the protocol/port (the map writer folds the ports of less specific prefixes into more specific
// ones, so the union counts); a name is allowed when some name rule covering it (exact, `*.` one
// label, `**.` one or more) allows the protocol/port. Without a port, any port of a covering rule
// counts and the answer lists the allowed ports. Addresses learned from DNS at run time are not
// known offline: an address that only a name rule would allow shows as denied here.
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
	// "loopback" | "safety_floor" | "cidr" | "name_rule" when allowed; "no_rule" | "port_not_allowed"
	// when denied (the strings of common/abi_names.h where one exists).
	std::string reason;
	std::vector<CheckMatch> matches; // rules covering the destination, most specific first
	std::vector<std::string> notes;  // why catalog rows that name it are left out, hints
};

// `catalog` and `config` are optional: with both, a denied name is explained by the catalog rows
// that would allow it and the reason the compiler left each out.
CheckResult check(const CompiledPolicy& policy, const CheckQuery& query,
                  const catalog::Catalog* catalog = nullptr, const Config* config = nullptr);

nlohmann::ordered_json to_json(const CheckResult& result);
std::string to_text(const CheckResult& result);

} // namespace egress::policy
