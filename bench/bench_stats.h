// Small measurement helpers for the benchmarks: medians, bpf_stats readings, table rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace egress::bench {

double median(std::vector<double> v);

// run_time_ns and run_cnt of a loaded program (kernel bpf_stats; zero while stats are off).
struct ProgStats {
	uint64_t run_time_ns = 0;
	uint64_t run_cnt = 0;
};
ProgStats prog_stats(int prog_fd);
// ns per run between two readings (0 when the program did not run).
double ns_per_run(const ProgStats& before, const ProgStats& after);

std::string cpu_model();
std::string kernel_release();

} // namespace egress::bench
