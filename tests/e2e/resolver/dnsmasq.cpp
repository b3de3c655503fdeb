#include "dnsmasq.h"

#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "system.h"

namespace egress::resolver::e2e {

Dnsmasq::Dnsmasq(DnsmasqConfig config) : config_(std::move(config)) {
	log_path_ = "/tmp/" + testlib::unique_name("aeg-dnsmasq-") + ".log";
	std::vector<std::string> args = {
	    "/usr/sbin/dnsmasq",
	    "--keep-in-foreground",
	    "--conf-file=/dev/null",
	    "--no-resolv",
	    "--no-hosts",
	    "--pid-file", // none
	    "--user=root",
	    "--bind-interfaces",
	    "--listen-address=" + config_.listen,
	    "--port=" + std::to_string(config_.port),
	    "--local-ttl=" + std::to_string(config_.local_ttl),
	    "--log-queries",
	    "--log-facility=" + log_path_,
	};
	args.insert(args.end(), config_.records.begin(), config_.records.end());
	process_ = std::make_unique<testlib::ChildProcess>(config_.netns, nullptr, [args] {
		std::vector<char*> argv;
		for (const auto& a : args)
			argv.push_back(const_cast<char*>(a.c_str()));
		argv.push_back(nullptr);
		execv(argv[0], argv.data());
		return 127;
	});
	// Ready when it answers anything (REFUSED is an answer).
	const std::string probe =
	    testlib::NetnsPair::in(config_.netns, "dig +time=1 +tries=1 -p " + std::to_string(config_.port) +
	                                              " @" + config_.listen + " ready.probe A");
	for (int attempt = 0; attempt < 50; ++attempt) {
		if (testlib::run(probe).output.find("status:") != std::string::npos)
			return;
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
	std::string why = log();
	process_.reset();
	unlink(log_path_.c_str());
	throw std::runtime_error("dnsmasq did not start on " + server() + ":\n" + why);
}

Dnsmasq::~Dnsmasq() {
	process_.reset(); // SIGKILL and reap
	unlink(log_path_.c_str());
}

std::string Dnsmasq::server() const {
	return config_.listen + ":" + std::to_string(config_.port);
}

std::string Dnsmasq::log() const {
	return testlib::read_file(log_path_);
}

} // namespace egress::resolver::e2e
