#include "daemon_node.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/unique_handle.h"
#include "daemon/control_client.h"
#include "kernel/datapath.h"
#include "system.h"

namespace egress::e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

[[noreturn]] void run_greeter(uint16_t port) {
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	int one = 1, zero = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	sockaddr_in6 a{};
	a.sin6_family = AF_INET6;
	a.sin6_port = htons(port);
	a.sin6_addr = in6addr_any;
	if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 512) != 0)
		_exit(1);
	for (;;) {
		int c = accept(fd, nullptr, nullptr);
		if (c < 0)
			continue;
		(void)!write(c, "hi", 2);
		close(c);
	}
}

void mkdir_p(const std::string& p) {
	fs::create_directories(p);
}

} // namespace

DaemonNode::DaemonNode() {
	char tmpl[] = "/tmp/aeg-node-XXXXXX";
	dir_ = mkdtemp(tmpl);
	mkdir_p(dir_ + "/log");
	mkdir_p(dir_ + "/run");
	config_dir_ = dir_ + "/config";
	mkdir_p(config_dir_);
	config_path_ = config_dir_ + "/config.yaml";
	// /var/log/pods/<namespace>_<name>_<uid> under a test root
	mkdir_p(dir_ + "/pods/" + std::string(kPodNamespace) + "_" + kPodName + "_" + kPodUid);

	net_ = std::make_unique<testlib::NetnsPair>();
	cg_ = std::make_unique<testlib::ChildCgroup>();
	pins_ = std::make_unique<testlib::PinDir>();
	testlib::write_file(resolv_conf_path(), "# written by the test node\nsearch cluster.local\n"
	                                        "nameserver " +
	                                            std::string(kNodeResolver) + "\n");
	for (const char* a : {"198.51.100.10/32", "203.0.113.10/32", "192.0.2.20/32", "192.0.2.21/32",
	                      "192.0.2.30/32", "192.0.2.31/32"})
		net_->add_server_address(a);

	// A kubelet-named container cgroup (systemd driver, containerd) below the attach point.
	std::string uid_ = kPodUid;
	for (auto& ch : uid_)
		if (ch == '-')
			ch = '_';
	std::string p = cg_->path();
	for (const std::string& part :
	     {std::string("kubepods.slice"), std::string("kubepods-besteffort.slice"),
	      "kubepods-besteffort-pod" + uid_ + ".slice",
	      "cri-containerd-" + std::string(kContainerId) + ".scope"}) {
		p += "/" + part;
		if (mkdir(p.c_str(), 0755) != 0)
			throw std::runtime_error("mkdir " + p + ": " + std::strerror(errno));
		pod_dirs_.push_back(p);
	}
	pod_cgroup_ = p;

	greeter_ = std::make_unique<testlib::ChildProcess>(net_->server(), nullptr,
	                                                   []() -> int { run_greeter(443); });
	resolver::e2e::DnsmasqConfig dns;
	dns.netns = net_->server();
	dns.listen = testlib::NetnsPair::kServerV4;
	dns.port = 53;
	dns.local_ttl = 600;
	dns.records = {"--host-record=allowed.test," + std::string(kResolvedHost),
	               "--host-record=" + std::string(kHcpName) + "," + kHcpHost,
	               "--host-record=" + std::string(kHcpDeepName) + "," + kHcpDeepHost};
	dns_ = std::make_unique<resolver::e2e::Dnsmasq>(dns);
}

DaemonNode::~DaemonNode() {
	if (egressd_) {
		egressd_->kill(SIGKILL);
		egressd_.reset();
	}
	dns_.reset();
	greeter_.reset();
	// Anything left in the pod cgroup (a probe killed mid-test) goes before the cgroups do.
	for (auto it = pod_dirs_.rbegin(); it != pod_dirs_.rend(); ++it) {
		std::string procs = testlib::read_file(*it + "/cgroup.procs");
		size_t pos = 0;
		while (pos < procs.size()) {
			size_t nl = procs.find('\n', pos);
			std::string pid =
			    procs.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
			if (!pid.empty())
				kill(std::stoi(pid), SIGKILL);
			if (nl == std::string::npos)
				break;
			pos = nl + 1;
		}
		for (int i = 0; i < 50 && rmdir(it->c_str()) != 0 && errno == EBUSY; ++i)
			std::this_thread::sleep_for(20ms);
	}
	// Detach and unpin what egressd left (it leaves enforcement in place on purpose). Inside the
	// client namespace: the install record's TC ifindex (uplink: auto) is one of that namespace,
	// and the same number in the host's namespace is a real interface.
	std::string pins = pin_dir();
	if (testlib::run_in(net_->client(), nullptr,
	                    [pins] { return kernel::uninstall(pins).ok() ? 0 : 1; }) != 0)
		std::fprintf(stderr, "uninstalling %s in %s failed\n", pins.c_str(), net_->client().c_str());
	cg_.reset();
	pins_.reset();
	net_.reset();
	fs::remove_all(dir_);
}

std::string DaemonNode::config_yaml(const std::string& extra_allow) const {
	return "cloud: AzureCloud\n"
	       "location: eastus\n"
	       "mode: enforce\n"
	       "failMode: closed\n"
	       "clusterCIDRs: [10.244.0.0/16]\n"
	       "dnsServers: [" +
	       std::string(testlib::NetnsPair::kServerV4) +
	       "]\n"
	       "allow:\n"
	       "  - cidr: 198.51.100.0/24\n"
	       "    ports: [tcp/443]\n"
	       "  - fqdn: allowed.test\n"
	       "    ports: [tcp/443]\n" +
	       extra_allow +
	       "denyLog:\n"
	       "  file: " +
	       deny_log_path() +
	       "\n"
	       "  stdout: false\n"
	       "metrics:\n"
	       "  listen: 127.0.0.1:" +
	       std::to_string(metrics_port()) +
	       "\n"
	       "dns:\n"
	       "  minTTL: 60s\n"
	       "cgroupPath: " +
	       cg_->path() +
	       "\n"
	       "pinPath: " +
	       pin_dir() +
	       "\n"
	       "controlSocket: " +
	       control_socket() + "\n";
}

void DaemonNode::publish_config(const std::string& yaml) {
	// kubelet's atomic writer: ..<ts>/config.yaml, ..data_tmp -> ..<ts>, rename over ..data.
	std::string version = "..2026_11_21_" + std::to_string(++config_version_);
	mkdir_p(config_dir_ + "/" + version);
	testlib::write_file(config_dir_ + "/" + version + "/config.yaml", yaml);
	std::string tmp = config_dir_ + "/..data_tmp";
	fs::remove(tmp);
	fs::create_directory_symlink(version, tmp);
	if (rename(tmp.c_str(), (config_dir_ + "/..data").c_str()) != 0)
		throw std::runtime_error(std::string("rename ..data: ") + std::strerror(errno));
	if (!fs::is_symlink(config_path_))
		fs::create_symlink("..data/config.yaml", config_path_);
	if (config_version_ > 1)
		fs::remove_all(config_dir_ + "/..2026_11_21_" + std::to_string(config_version_ - 1));
}

void DaemonNode::start_egressd() {
	std::string log = dir_ + "/egressd.log";
	std::vector<std::string> args = {EGRESSD_BINARY,      "--config",    config_path_,
	                                 "--log-level",       "debug",       "--pod-logs-root",
	                                 dir_ + "/pods",      "--node-name", "aks-test-node-0",
	                                 "--deny-log-window", "1",           "--resolv-conf",
	                                 resolv_conf_path()};
	egressd_status_ = -1;
	egressd_ = std::make_unique<testlib::ChildProcess>(net_->client(), nullptr, [args, log]() -> int {
		int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		std::vector<char*> argv;
		for (const auto& a : args)
			argv.push_back(const_cast<char*>(a.c_str()));
		argv.push_back(nullptr);
		execv(argv[0], argv.data());
		return 127;
	});
	for (int i = 0; i < 300; ++i) {
		auto c = daemon::ControlClient::connect(control_socket(), 2s);
		if (c.ok() && c->status().ok())
			return;
		if (waitpid(egressd_->pid(), nullptr, WNOHANG) == egressd_->pid()) {
			egressd_.reset();
			throw std::runtime_error("egressd exited during startup:\n" + egressd_log());
		}
		std::this_thread::sleep_for(50ms);
	}
	throw std::runtime_error("egressd did not answer on its control socket:\n" + egressd_log());
}

void DaemonNode::kill_egressd(int sig) {
	if (egressd_)
		egressd_->kill(sig);
}

int DaemonNode::wait_egressd() {
	if (!egressd_)
		return egressd_status_;
	egressd_status_ = egressd_->wait();
	egressd_.reset();
	return egressd_status_;
}

std::string DaemonNode::egressd_log() const {
	return testlib::read_file(dir_ + "/egressd.log");
}

int DaemonNode::in_pod(std::function<int()> fn) const {
	std::string procs = pod_cgroup_ + "/cgroup.procs";
	return testlib::run_in(net_->client(), nullptr, [procs, fn]() -> int {
		testlib::write_file(procs, std::to_string(getpid()));
		return fn();
	});
}

int DaemonNode::connect_from_pod(const std::string& addr, uint16_t port) const {
	return in_pod([addr, port]() -> int {
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_port = htons(port);
		inet_pton(AF_INET, addr.c_str(), &a.sin_addr);
		for (int attempt = 0; attempt < 50; ++attempt) {
			UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
			if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
				if (errno == ECONNREFUSED) {
					std::this_thread::sleep_for(20ms);
					continue;
				}
				return errno;
			}
			pollfd p{fd.get(), POLLIN, 0};
			char buf[2];
			if (poll(&p, 1, 2000) != 1 || recv(fd.get(), buf, 2, MSG_WAITALL) != 2 ||
			    std::memcmp(buf, "hi", 2) != 0)
				return EPROTO;
			return 0;
		}
		return ECONNREFUSED;
	});
}

namespace {

// RFC 1035 4.1: header (id, RD), one question of type A class IN.
std::vector<uint8_t> a_query(const std::string& name, uint16_t id) {
	std::vector<uint8_t> q = {
	    static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	size_t start = 0;
	while (start <= name.size()) {
		size_t dot = name.find('.', start);
		std::string label =
		    name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
		q.push_back(static_cast<uint8_t>(label.size()));
		q.insert(q.end(), label.begin(), label.end());
		if (dot == std::string::npos)
			break;
		start = dot + 1;
	}
	q.insert(q.end(), {0, 0, 1, 0, 1});
	return q;
}

// Offset just past the (possibly compressed) name at `p`, or 0 when it runs off the message.
size_t skip_name(const uint8_t* m, size_t n, size_t p) {
	while (p < n) {
		if ((m[p] & 0xc0) == 0xc0)
			return p + 2 <= n ? p + 2 : 0;
		if (m[p] == 0)
			return p + 1;
		p += 1 + m[p];
	}
	return 0;
}

// The first A record of a response to `id`, dotted; "" when there is none.
std::string first_a(const uint8_t* m, size_t n, uint16_t id) {
	if (n < 12 || m[0] != (id >> 8) || m[1] != (id & 0xff))
		return "";
	size_t p = skip_name(m, n, 12);
	if (!p || p + 4 > n)
		return "";
	p += 4;
	for (unsigned an = (m[6] << 8) | m[7]; an > 0; --an) {
		p = skip_name(m, n, p);
		if (!p || p + 10 > n)
			return "";
		unsigned type = (m[p] << 8) | m[p + 1], rdlen = (m[p + 8] << 8) | m[p + 9];
		p += 10;
		if (p + rdlen > n)
			return "";
		if (type == 1 && rdlen == 4) {
			char buf[INET_ADDRSTRLEN];
			return inet_ntop(AF_INET, m + p, buf, sizeof(buf));
		}
		p += rdlen;
	}
	return "";
}

} // namespace

int DaemonNode::lookup_then_connect_from_pod(const std::string& name, const std::string& expected,
                                             uint16_t port) const {
	return in_pod([name, expected, port]() -> int {
		uint16_t id = static_cast<uint16_t>(getpid() * 2654435761u >> 16);
		std::vector<uint8_t> q = a_query(name, id);
		sockaddr_in dns{};
		dns.sin_family = AF_INET;
		dns.sin_port = htons(53);
		inet_pton(AF_INET, testlib::NetnsPair::kServerV4, &dns.sin_addr);
		UniqueFd u(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
		if (connect(u.get(), reinterpret_cast<sockaddr*>(&dns), sizeof(dns)) != 0 ||
		    send(u.get(), q.data(), q.size(), 0) < 0)
			return errno;
		pollfd pu{u.get(), POLLIN, 0};
		uint8_t buf[512];
		if (poll(&pu, 1, 2000) != 1)
			return ETIMEDOUT;
		ssize_t n = recv(u.get(), buf, sizeof(buf), 0);
		if (n < 0 || first_a(buf, static_cast<size_t>(n), id) != expected)
			return EPROTO;
		// At once: no sleep, no retry, so a learner that lags the answer would show as EPERM.
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_port = htons(port);
		inet_pton(AF_INET, expected.c_str(), &a.sin_addr);
		UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
		if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
			return errno;
		pollfd p{fd.get(), POLLIN, 0};
		char hi[2];
		if (poll(&p, 1, 2000) != 1 || recv(fd.get(), hi, 2, MSG_WAITALL) != 2 ||
		    std::memcmp(hi, "hi", 2) != 0)
			return EPROTO;
		return 0;
	});
}

int DaemonNode::dns_lookup_from_pod(const std::string& name) const {
	return in_pod([name]() -> int {
		// RFC 1035 4.1: header (id, RD), one question of type A class IN.
		std::vector<uint8_t> q = {0x4a, 0x17, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
		size_t start = 0;
		while (start <= name.size()) {
			size_t dot = name.find('.', start);
			std::string label =
			    name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
			q.push_back(static_cast<uint8_t>(label.size()));
			q.insert(q.end(), label.begin(), label.end());
			if (dot == std::string::npos)
				break;
			start = dot + 1;
		}
		q.insert(q.end(), {0, 0, 1, 0, 1});
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_port = htons(53);
		inet_pton(AF_INET, testlib::NetnsPair::kServerV4, &a.sin_addr);
		UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
		if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
			return errno;
		if (send(fd.get(), q.data(), q.size(), 0) < 0)
			return errno;
		pollfd p{fd.get(), POLLIN, 0};
		uint8_t buf[512];
		if (poll(&p, 1, 2000) != 1)
			return ETIMEDOUT;
		ssize_t n = recv(fd.get(), buf, sizeof(buf), 0);
		if (n < 12 || buf[0] != 0x4a || buf[1] != 0x17 || (buf[6] == 0 && buf[7] == 0))
			return EPROTO;
		return 0;
	});
}

std::string DaemonNode::http_get(const std::string& path) const {
	// A raw HTTP/1.0 GET from inside the client namespace (where egressd listens on loopback);
	// the child writes the whole answer to a file, so its size never blocks a pipe.
	std::string out_path = dir_ + "/http-" + testlib::unique_name("g") + ".txt";
	uint16_t port = metrics_port();
	testlib::run_in(net_->client(), nullptr, [path, port, out_path]() -> int {
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_port = htons(port);
		inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
		UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
		if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
			return 1;
		std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
		if (send(fd.get(), req.data(), req.size(), MSG_NOSIGNAL) < 0)
			return 1;
		std::string answer;
		char buf[8192];
		for (;;) {
			pollfd p{fd.get(), POLLIN, 0};
			if (poll(&p, 1, 5000) != 1)
				break;
			ssize_t n = recv(fd.get(), buf, sizeof(buf), 0);
			if (n <= 0)
				break;
			answer.append(buf, static_cast<size_t>(n));
		}
		testlib::write_file(out_path, answer);
		return 0;
	});
	std::string answer = testlib::read_file(out_path);
	unlink(out_path.c_str());
	return answer;
}

nlohmann::json DaemonNode::control(const std::string& cmd, const nlohmann::json& args) const {
	auto c = daemon::ControlClient::connect(control_socket(), 10s);
	if (!c.ok())
		return {{"ok", false}, {"error", c.error().to_string()}, {"code", c.error().code()}};
	daemon::control::Request r;
	auto parsed = daemon::control::parse_command(cmd);
	if (!parsed)
		throw std::runtime_error("unknown command " + cmd);
	r.cmd = *parsed;
	if (args.contains("dest"))
		r.dest = args["dest"];
	if (args.contains("proto"))
		r.proto = args["proto"];
	if (args.contains("since"))
		r.since = args["since"];
	auto res = c->call(r);
	if (!res.ok())
		return {{"ok", false}, {"error", res.error().to_string()}, {"code", res.error().code()}};
	return {{"ok", true}, {"result", *res}};
}

uint64_t DaemonNode::pod_cgroup_id() const {
	struct stat st {};
	stat(pod_cgroup_.c_str(), &st);
	return st.st_ino;
}

} // namespace egress::e2e
