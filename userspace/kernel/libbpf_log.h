// Captures libbpf's diagnostics (including verifier logs) so a failed load can show them.
#pragma once

#include <string>

namespace egress::kernel {

// Installs a libbpf print callback that routes warnings to the logger and keeps the most recent
// output (bounded) for error messages. Idempotent.
void install_libbpf_logger();

// The libbpf output captured since the last call (and clears it).
std::string take_libbpf_log();

} // namespace egress::kernel
