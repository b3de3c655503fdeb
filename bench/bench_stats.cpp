#include "bench_stats.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <sched.h>
#include <unistd.h>
#include <sys/utsname.h>

#include <algorithm>
#include <fstream>

namespace egress::bench {

double median(std::vector<double> v) {
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	size_t n = v.size();
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void run_undisturbed() {
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(sysconf(_SC_NPROCESSORS_ONLN) - 1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	sched_param sp{};
	sp.sched_priority = 10;
	sched_setscheduler(0, SCHED_FIFO, &sp);
}

sockaddr_in v4(uint32_t host_order, uint16_t port) {
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(host_order);
	return a;
}

std::vector<double> added_ns(const std::vector<double>& pps, const std::vector<double>& none) {
	std::vector<double> out;
	for (size_t i = 0; i < pps.size() && i < none.size(); ++i)
		if (pps[i] > 0 && none[i] > 0)
			out.push_back(1e9 / pps[i] - 1e9 / none[i]);
	return out;
}

ProgStats prog_stats(int prog_fd) {
	bpf_prog_info info{};
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0)
		return {};
	return {info.run_time_ns, info.run_cnt};
}

double ns_per_run(const ProgStats& before, const ProgStats& after) {
	uint64_t runs = after.run_cnt - before.run_cnt;
	return runs ? static_cast<double>(after.run_time_ns - before.run_time_ns) / static_cast<double>(runs)
	            : 0;
}

std::string cpu_model() {
	std::ifstream in("/proc/cpuinfo");
	std::string line;
	while (std::getline(in, line))
		if (line.rfind("model name", 0) == 0)
			return line.substr(line.find(':') + 2);
	return "unknown";
}

std::string kernel_release() {
	utsname u{};
	return uname(&u) == 0 ? u.release : "unknown";
}

} // namespace egress::bench
