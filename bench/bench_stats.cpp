#include "bench_stats.h"

#include <bpf/bpf.h>
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
