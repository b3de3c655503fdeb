// Stable strings for the codes of include/egress/abi.h, used in the deny log, metrics labels and
// CLI output. Once published a string never changes; new codes get new strings.
#pragma once

#include <egress/abi.h>

#include <optional>
#include <string_view>

namespace egress {

// Each returns "" for a code outside the enum (a newer kernel object than this binary).
std::string_view reason_name(unsigned reason);
std::string_view hook_name(unsigned hook);
std::string_view verdict_name(unsigned verdict);
std::string_view mode_name(unsigned mode);

std::optional<unsigned> parse_reason(std::string_view name);
std::optional<unsigned> parse_hook(std::string_view name);

// The class of a reason (include/egress/abi.h EGRESS_REASON_CLASS_*): allow and deny reasons are
// verdicts ("allowed" / "denied" in metrics and status), dns the outcomes of DNS learning, plumbing
// what happened to events. `none` only for a code no class lists (a test forbids that).
enum class ReasonClass { none, allow, deny, dns, plumbing };
ReasonClass reason_class(unsigned reason);

// True for reasons that allow the flow (the counters of these are "allowed" in metrics).
bool reason_allows(unsigned reason);

} // namespace egress
