// What the verifier spent on each program of a loaded datapath, on any kernel: bpf_prog_info's
// verified_insns where the kernel has it (5.16+), else the "processed N insns" line of the
// verifier's statistics log (BPF_LOG_STATS, 5.2+), from a second load of the same object with the
// same load-time settings (.rodata) as the datapath's own. Both figures are kept where both exist.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/datapath.h"

namespace egress::testlib {

// The verifier's instruction limit per program (BPF_COMPLEXITY_LIMIT_INSNS, 5.2+).
inline constexpr uint32_t kVerifierInsnLimit = 1'000'000;

struct VerifierSteps {
	std::string name;
	uint32_t verified_insns = 0;           // bpf_prog_info; 0 before 5.16
	std::optional<uint32_t> log_processed; // "processed N insns" of the statistics log
	// The figure to judge: the log's where present (the same count as verified_insns), else the info's.
	uint32_t steps() const { return log_processed.value_or(verified_insns); }
};

// "processed 115234 insns (limit 1000000) ..." -> 115234; nullopt when the log has no such line.
std::optional<uint32_t> parse_processed_insns(std::string_view log);

// Loads the datapath's object a second time (maps not pinned, nothing attached) with the
// statistics log on, and pairs each program's log figure with the loaded program's info.
std::vector<VerifierSteps> verifier_steps(const kernel::Datapath& dp);

} // namespace egress::testlib
