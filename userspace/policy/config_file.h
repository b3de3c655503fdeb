// Reading an input file whole, with a size cap (used for the config and the service-tags file).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace egress::policy::detail {

// The file's bytes. Refuses directories and anything longer than max_bytes (read in a bounded
// way, so /dev/zero or a huge file cannot exhaust memory). `what` names the file in errors.
Result<std::string> read_text_file(const std::string& path, std::size_t max_bytes, std::string_view what);

} // namespace egress::policy::detail
