// How egressctl reports: results to stdout (or a file), one-line errors and warnings to stderr.
#pragma once

#include <string>
#include <string_view>

#include "cli/exit_codes.h"
#include "common/result.h"

namespace egress::cli {

// Prints "egressctl: <message>" to stderr and returns `code`.
int fail(ExitCode code, std::string_view message);
int fail(ExitCode code, const Error& error);
// Prints "egressctl: warning: <message>" to stderr.
void warn(std::string_view message);

// Writes `text` to `path`, or to stdout when path is "" or "-".
Status write_output(const std::string& path, std::string_view text);

} // namespace egress::cli
