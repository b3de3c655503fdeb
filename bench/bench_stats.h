// Small measurement helpers for the benchmarks: medians, bpf_stats readings, table rows.
#pragma once

#include <netinet/in.h>

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

// Measurements run SCHED_FIFO on the last CPU: the machine is shared (builds of other people), and
// bpf_stats count the time a preempted program sits off the CPU.
void run_undisturbed();

// An IPv4 socket address from a host-order address.
sockaddr_in v4(uint32_t host_order, uint16_t port);

// ns added per packet over no filter, paired by round (1e9/pps - 1e9/pps_none).
std::vector<double> added_ns(const std::vector<double>& pps, const std::vector<double>& none);

std::string cpu_model();
std::string kernel_release();

} // namespace egress::bench
