#include "peers/iperf.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "peers/netfilter.h"
#include "system.h"

namespace egress::bench::peers {

std::unique_ptr<testlib::ChildProcess> iperf3_server(const std::string& netns, uint16_t port) {
	return std::make_unique<testlib::ChildProcess>(netns, nullptr, [port]() -> int {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execlp("iperf3", "iperf3", "-s", "-p", std::to_string(port).c_str(), nullptr);
		return 127;
	});
}

double iperf3_gbps(const std::string& netns, const testlib::ChildCgroup* cgroup, const std::string& dst,
                   uint16_t port, int seconds) {
	TempFile out("");
	for (int attempt = 0; attempt < 20; ++attempt) {
		int rc = testlib::run_in(netns, cgroup, [&]() -> int {
			int fd = open(out.path().c_str(), O_WRONLY | O_TRUNC);
			dup2(fd, 1);
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 2);
			execlp("iperf3", "iperf3", "-c", dst.c_str(), "-p", std::to_string(port).c_str(),
			       "-t", std::to_string(seconds).c_str(), "-J", nullptr);
			return 127;
		});
		if (rc == 0) {
			auto j = nlohmann::json::parse(testlib::read_file(out.path()), nullptr, false);
			if (!j.is_discarded() && j.contains("end"))
				return j["end"]["sum_received"]["bits_per_second"].get<double>() / 1e9;
		}
		usleep(200000);
	}
	return -1;
}

} // namespace egress::bench::peers
