// The exact names the resolver keeps resolved, in the one text form the policy uses.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace egress::resolver {

// Lower case (ASCII), one trailing dot dropped. Errors (EINVAL, quoting the name): empty, an
// empty label, a label over 63 bytes, over 253 characters, a wildcard label ("*" or "**": patterns
// are learned in the kernel, never resolved), or a byte outside letters, digits, '-' and '_'.
Result<std::string> normalize_exact_name(std::string_view name);

} // namespace egress::resolver
