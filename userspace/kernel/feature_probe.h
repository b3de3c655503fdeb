// What the running kernel offers the datapath, asked before the object is loaded, so that a kernel
// without a needed feature is refused with ONE line that names the feature and the Linux version
// that brought it, instead of a verifier log or "Unknown error 524" from deep inside a load.
//
//   required: each BPF helper the programs call, per program type (required_helpers()); cgroup
//             BPF links (5.7); the ring buffer map (5.8); before 5.11, a memlock limit that
//             fits the maps (those kernels charge BPF memory to RLIMIT_MEMLOCK)
//   optional: the task (pid/comm) in sock_addr programs and bpf_ktime_get_coarse_ns (5.11): the
//             loader switches them off in .rodata; batch updates of LPM tries: the map writer
//             writes one element at a time without them
//
// Helpers are probed with our own loader, not libbpf 1.1's libbpf_probe_bpf_helper: the verifier
// of Linux 6.10 words "helper not allowed for this program type" differently, and libbpf 1.1
// takes the new words for "supported".
#pragma once

#include <linux/bpf.h>

#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace egress::kernel {

struct HelperNeed {
	bpf_prog_type type;
	bpf_attach_type attach; // what the probe program declares (sock_addr programs need one)
	bpf_func_id helper;
	const char* name;  // without the bpf_ prefix, as the kernel's headers spell it
	const char* since; // the Linux version that added the helper
};

// Every helper call of bpf/ (tests/bpf/datapath/feature_probe_test.cpp checks the loaded object
// against this list, so a new helper cannot be forgotten here).
std::span<const HelperNeed> required_helpers();
// Helpers the programs call only when the loader's probe switched them on (.rodata).
std::span<const HelperNeed> optional_helpers();

enum class HelperProbe { supported, unknown_helper, not_for_type };

// Judges one probe load: `err` is the load's result (0 or -errno), `log` the verifier's words.
// Any other verifier complaint (about the probe's arguments) means the helper exists for the type.
HelperProbe classify_helper_probe(int err, std::string_view log);

// Loads a two-instruction program of `need.type` calling `need.helper`. An error only when the
// kernel refused to load anything (e.g. EPERM without CAP_BPF).
Result<bool> probe_helper(const HelperNeed& need);

// All required features; the error is one line: "this kernel lacks <feature> (needs Linux X+)".
Status check_required_features();

// True when BPF_MAP_UPDATE_BATCH works on an LPM trie (5.10 says ENOTSUPP).
bool kernel_has_lpm_batch();

// The optional features, as the loader's .rodata switches want them.
bool kernel_has_task_info();    // pid/comm in sock_addr programs
bool kernel_has_coarse_clock(); // bpf_ktime_get_coarse_ns in every program type that checks expiry

} // namespace egress::kernel
