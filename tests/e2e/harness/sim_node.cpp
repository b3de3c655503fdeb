#include "sim_node.h"

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
#include <random>
#include <stdexcept>
#include <thread>

#include "common/unique_handle.h"
#include "daemon/control_client.h"
#include "dns_wire.h"
#include "kernel/datapath.h"
#include "probes.h"
#include "system.h"

namespace egress::e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Every host answers "hi" (TCP: on accept; UDP: to each datagram), on every address of the
// internet namespace, IPv4 and IPv6.
[[noreturn]] void serve(int type, uint16_t port) {
	int fd = socket(AF_INET6, type, 0);
	int one = 1, zero = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	sockaddr_in6 a{};
	a.sin6_family = AF_INET6;
	a.sin6_port = htons(port);
	a.sin6_addr = in6addr_any;
	if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
		_exit(1);
	if (type == SOCK_STREAM) {
		if (listen(fd, 512) != 0)
			_exit(1);
		for (;;) {
			int c = accept(fd, nullptr, nullptr);
			if (c < 0)
				continue;
			(void)!write(c, "hi", 2);
			close(c);
		}
	}
	// UDP: reply from the address the datagram was sent to (IPV6_PKTINFO also covers v4-mapped
	// addresses); a plain sendto would pick the veth's address, which a connected client ignores.
	setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	for (;;) {
		char buf[512];
		sockaddr_in6 from{};
		iovec iov{buf, sizeof(buf)};
		alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))];
		msghdr m{};
		m.msg_name = &from;
		m.msg_namelen = sizeof(from);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = control;
		m.msg_controllen = sizeof(control);
		if (recvmsg(fd, &m, 0) < 0)
			continue;
		iovec reply{const_cast<char*>("hi"), 2};
		m.msg_iov = &reply;
		m.msg_flags = 0;
		for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
				reinterpret_cast<in6_pktinfo*>(CMSG_DATA(c))->ipi6_ifindex = 0;
		sendmsg(fd, &m, 0);
	}
}

} // namespace

SimNode::SimNode() {
	char tmpl[] = "/tmp/aeg-nodee2e-XXXXXX";
	if (!mkdtemp(tmpl))
		throw std::runtime_error("mkdtemp");
	dir_ = tmpl;
	for (const char* d : {"/log", "/run", "/config"})
		fs::create_directories(dir_ + d);
	config_path_ = dir_ + "/config/config.yaml";
	// /var/log/pods/<namespace>_<name>_<uid> under a test root: pod attribution.
	fs::create_directories(dir_ + "/pods/" + std::string(kPodNamespace) + "_" + kPodName + "_" + kPodUid);
	set_resolv_conf({});

	net_ = std::make_unique<testlib::NetnsPair>();
	cg_ = std::make_unique<testlib::ChildCgroup>();
	pins_ = std::make_unique<testlib::PinDir>();
	make_pod_cgroup();
	for (uint16_t port : kTcpPorts)
		listeners_.push_back(std::make_unique<testlib::ChildProcess>(
		    net_->server(), nullptr, [port]() -> int { serve(SOCK_STREAM, port); }));
	for (uint16_t port : kUdpPorts)
		listeners_.push_back(std::make_unique<testlib::ChildProcess>(
		    net_->server(), nullptr, [port]() -> int { serve(SOCK_DGRAM, port); }));
}

// A kubelet-named container cgroup (systemd driver, containerd) below the attach point.
void SimNode::make_pod_cgroup() {
	std::string uid = kPodUid;
	for (auto& ch : uid)
		if (ch == '-')
			ch = '_';
	std::string p = cg_->path();
	for (const std::string& part :
	     {std::string("kubepods.slice"), std::string("kubepods-besteffort.slice"),
	      "kubepods-besteffort-pod" + uid + ".slice",
	      "cri-containerd-" + std::string(kContainerId) + ".scope"}) {
		p += "/" + part;
		if (mkdir(p.c_str(), 0755) != 0)
			throw std::runtime_error("mkdir " + p + ": " + std::strerror(errno));
		pod_dirs_.push_back(p);
	}
	pod_cgroup_ = p;
}

// Anything left in the pod cgroups (a probe killed mid-test) goes before the cgroups do.
void SimNode::reap_pod_cgroup() {
	for (auto it = pod_dirs_.rbegin(); it != pod_dirs_.rend(); ++it) {
		std::string procs = testlib::read_file(*it + "/cgroup.procs");
		for (size_t pos = 0; pos < procs.size();) {
			size_t nl = procs.find('\n', pos);
			std::string pid =
			    procs.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
			if (!pid.empty())
				kill(std::stoi(pid), SIGKILL);
			pos = nl == std::string::npos ? procs.size() : nl + 1;
		}
		for (int i = 0; i < 50 && rmdir(it->c_str()) != 0 && errno == EBUSY; ++i)
			std::this_thread::sleep_for(20ms);
	}
}

SimNode::~SimNode() {
	if (egressd_) {
		egressd_->kill(SIGKILL);
		egressd_.reset();
	}
	resolvers_.clear();
	listeners_.clear();
	pods_.clear();
	rmdir((pod_dirs_.front() + "/kubepods-burstable.slice").c_str()); // made by a burstable pod
	reap_pod_cgroup();
	// egressd leaves enforcement pinned on purpose; the test removes it, inside the node
	// namespace: the install record's TC ifindex (uplink: auto) is one of that namespace, and the
	// same number in the host's namespace is a real interface.
	std::string pins = pin_dir();
	if (testlib::run_in(net_->client(), nullptr,
	                    [pins] { return kernel::uninstall(pins).ok() ? 0 : 1; }) != 0)
		std::fprintf(stderr, "uninstalling %s in %s failed\n", pins.c_str(), net_->client().c_str());
	cg_.reset();
	pins_.reset();
	net_.reset();
	fs::remove_all(dir_);
}

std::string SimNode::add_host(const std::string& name) {
	auto it = hosts_.find(name);
	if (it != hosts_.end())
		return it->second;
	// 198.18.0.0/15 (benchmarking range): never in a config's clusterCIDRs or the safety floor.
	int n = next_host_++;
	std::string addr = "198.18." + std::to_string(n / 250) + "." + std::to_string(n % 250 + 1);
	add_address(addr);
	hosts_[name] = addr;
	return addr;
}

void SimNode::add_address(const std::string& addr) {
	net_->add_server_address(addr + (addr.find(':') == std::string::npos ? "/32" : "/128"));
}

std::string SimNode::default_resolver() {
	return testlib::NetnsPair::kServerV4;
}

void SimNode::start_resolver(const std::string& listen, const std::map<std::string, std::string>& overrides,
                             const std::vector<std::string>& extra, int ttl) {
	if (listen != default_resolver())
		add_address(listen);
	resolver::e2e::DnsmasqConfig dns;
	dns.netns = net_->server();
	dns.listen = listen;
	dns.port = 53;
	dns.local_ttl = ttl;
	std::map<std::string, std::string> records = hosts_;
	for (const auto& [name, addr] : overrides)
		records[name] = addr;
	// --local makes each name's other types NODATA (as a real zone answers AAAA for an A-only
	// name) instead of REFUSED, which egressd's resolver would retry as a failure.
	for (const auto& [name, addr] : records) {
		dns.records.push_back("--host-record=" + name + "," + addr);
		dns.records.push_back("--local=/" + name + "/");
	}
	dns.records.insert(dns.records.end(), extra.begin(), extra.end());
	resolvers_.push_back(std::make_unique<resolver::e2e::Dnsmasq>(dns));
}

int SimNode::in_internet(std::function<int()> fn) const {
	return testlib::run_in(net_->server(), nullptr, std::move(fn));
}

std::unique_ptr<testlib::ChildProcess> SimNode::spawn_in_internet(std::function<int()> fn) const {
	return std::make_unique<testlib::ChildProcess>(net_->server(), nullptr, std::move(fn));
}

std::unique_ptr<PacketRecorder> SimNode::record(std::vector<std::string> destinations,
                                                std::string marker) const {
	return std::make_unique<PacketRecorder>(net_->server(), net_->server_if(), std::move(destinations),
	                                        std::move(marker));
}

Pod& SimNode::add_pod(const PodOptions& options) {
	if (next_pod_ > 250)
		throw std::runtime_error("the simulated node holds at most 249 pods");
	if (pods_.empty()) {
		testlib::run_or_throw(
		    testlib::NetnsPair::in(net_->client(), "sysctl -qw net.ipv4.ip_forward=1"));
		testlib::run_or_throw(
		    testlib::NetnsPair::in(net_->client(), "sysctl -qw net.ipv6.conf.all.forwarding=1"));
	}
	PodPlacement where;
	where.index = next_pod_++;
	where.node_netns = net_->client();
	where.kubepods_slice = pod_dirs_.front();
	where.pod_logs_root = pod_logs_root();
	where.cni_results_dir = cni_results_dir();
	pods_.push_back(std::make_unique<Pod>(options, where));
	return *pods_.back();
}

void SimNode::remove_pod(Pod& pod) {
	std::erase_if(pods_, [&](const std::unique_ptr<Pod>& p) { return p.get() == &pod; });
}

std::string SimNode::render(const NodeConfig& c) const {
	auto list = [](const std::vector<std::string>& items) {
		std::string out = "[";
		for (size_t i = 0; i < items.size(); ++i)
			out += (i ? ", " : "") + items[i];
		return out + "]";
	};
	std::vector<std::string> dns =
	    c.dns_servers.empty() ? std::vector<std::string>{default_resolver()} : c.dns_servers;
	std::string y = "cloud: " + c.cloud + "\nlocation: " + c.location + "\nedition: " + c.edition +
	                "\nmode: " + c.mode + "\nfailMode: closed\nfeatures: " + list(c.features) +
	                "\nrecommended: " + (c.recommended ? "true" : "false") + "\n";
	if (!c.konnectivity.empty())
		y += "konnectivity: " + c.konnectivity + "\n";
	if (!c.api_server_ips.empty())
		y += "apiServer:\n  ips: " + list(c.api_server_ips) + "\n";
	if (!c.service_tags.empty())
		y += "serviceTags: " + c.service_tags + "\n";
	y += "clusterCIDRs: [10.244.0.0/16]\ndnsServers: " + list(dns) + "\n";
	y += "denyLog:\n  file: " + deny_log_path() + "\n  stdout: false\n";
	y += c.metrics ? "metrics:\n  listen: 127.0.0.1:" + std::to_string(kMetricsPort) + "\n"
	               : "metrics:\n  listen: \"\"\n";
	y += "cgroupPath: " + cg_->path() + "\npinPath: " + pin_dir() +
	     "\ncontrolSocket: " + control_socket() + "\n";
	return y + c.extra;
}

void SimNode::publish_config(const std::string& yaml) {
	// kubelet's atomic writer: ..<ts>/config.yaml, ..data_tmp -> ..<ts>, rename over ..data.
	std::string dir = dir_ + "/config";
	std::string version = "..2026_11_21_" + std::to_string(++config_version_);
	fs::create_directories(dir + "/" + version);
	testlib::write_file(dir + "/" + version + "/config.yaml", yaml);
	std::string tmp = dir + "/..data_tmp";
	fs::remove(tmp);
	fs::create_directory_symlink(version, tmp);
	if (rename(tmp.c_str(), (dir + "/..data").c_str()) != 0)
		throw std::runtime_error(std::string("rename ..data: ") + std::strerror(errno));
	if (!fs::is_symlink(config_path_))
		fs::create_symlink("..data/config.yaml", config_path_);
	if (config_version_ > 1)
		fs::remove_all(dir + "/..2026_11_21_" + std::to_string(config_version_ - 1));
}

void SimNode::reload(const std::string& yaml) {
	auto before = status().value("policy_generation", 0);
	publish_config(yaml);
	for (int i = 0; i < 100; ++i) {
		auto s = status();
		if (s.value("policy_generation", 0) > before)
			return;
		if (s.contains("last_reload") && !s["last_reload"].value("ok", true))
			throw std::runtime_error("reload failed: " + s["last_reload"].dump());
		std::this_thread::sleep_for(100ms);
	}
	throw std::runtime_error("egressd did not reload:\n" + egressd_log());
}

void SimNode::set_resolv_conf(const std::vector<std::string>& nameservers) {
	std::string text = "# written by the test node\nsearch cluster.local\n";
	for (const auto& ns : nameservers)
		text += "nameserver " + ns + "\n";
	testlib::write_file(resolv_conf_path(), text);
}

void SimNode::start_egressd(const testlib::ChildCgroup* own_cgroup) {
	std::string log = dir_ + "/egressd.log";
	std::vector<std::string> args = {EGRESSD_BINARY,
	                                 "--config",
	                                 config_path_,
	                                 "--log-level",
	                                 "debug",
	                                 "--pod-logs-root",
	                                 dir_ + "/pods",
	                                 "--node-name",
	                                 "aks-test-node-0",
	                                 "--deny-log-window",
	                                 "1",
	                                 "--resolv-conf",
	                                 resolv_conf_path(),
	                                 "--cni-results",
	                                 cni_results_dir()};
	egressd_status_ = -1;
	egressd_ = std::make_unique<testlib::ChildProcess>(net_->client(), own_cgroup, [args, log]() -> int {
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

void SimNode::kill_egressd(int sig) {
	if (egressd_)
		egressd_->kill(sig);
}

int SimNode::wait_egressd() {
	if (!egressd_)
		return egressd_status_;
	egressd_status_ = egressd_->wait();
	egressd_.reset();
	return egressd_status_;
}

std::string SimNode::egressd_log() const {
	return testlib::read_file(dir_ + "/egressd.log");
}

nlohmann::json SimNode::status() const {
	auto r = control("status");
	return r.value("ok", false) ? r["result"] : nlohmann::json{};
}

nlohmann::json SimNode::control(const std::string& cmd, const nlohmann::json& args) const {
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

std::string SimNode::http_get(const std::string& path) const {
	// A raw HTTP/1.0 GET from inside the node namespace (where egressd listens on loopback); the
	// child writes the whole answer to a file, so its size never blocks a pipe.
	std::string out_path = dir_ + "/http-" + testlib::unique_name("g") + ".txt";
	testlib::run_in(net_->client(), nullptr, [path, out_path]() -> int {
		auto a = v4_sockaddr("127.0.0.1", kMetricsPort);
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

uint64_t SimNode::pod_cgroup_id() const {
	struct stat st {};
	stat(pod_cgroup_.c_str(), &st);
	return st.st_ino;
}

int SimNode::in_pod(std::function<int()> fn) const {
	std::string procs = pod_cgroup_ + "/cgroup.procs";
	return testlib::run_in(net_->client(), nullptr, [procs, fn]() -> int {
		testlib::write_file(procs, std::to_string(getpid()));
		return fn();
	});
}

int SimNode::tcp(const std::string& addr, uint16_t port) const {
	return in_pod([addr, port] { return tcp_hello(addr, port); });
}

int SimNode::udp(const std::string& addr, uint16_t port) const {
	return in_pod([addr, port] { return udp_hello(addr, port); });
}

std::string SimNode::resolve(const std::string& name, const std::string& server, int* err) const {
	// The child writes the answer to a file: run_in reports only an exit status.
	std::string out = dir_ + "/resolve-" + testlib::unique_name("q");
	int rc = in_pod([name, server, out]() -> int {
		std::string first;
		int e = dns_query(name, server, first);
		if (e)
			return e;
		if (first.empty())
			return ENOENT;
		testlib::write_file(out, first);
		return 0;
	});
	if (err)
		*err = rc;
	if (rc != 0)
		return "";
	std::string addr = testlib::read_file(out);
	unlink(out.c_str());
	return addr;
}

int SimNode::dns_reachable(const std::string& server) const {
	int err = 0;
	resolve("mcr.microsoft.com", server, &err);
	return err == ENOENT ? 0 : err;
}

int SimNode::lookup_then_connect(const std::string& name, const std::string& expected, uint16_t port,
                                 const std::string& server) const {
	return in_pod([name, expected, port, server]() -> int {
		std::string first;
		if (int e = dns_query(name, server, first); e)
			return e;
		if (first != expected)
			return EPROTO;
		// At once: no sleep, no retry, so a learner that lags the answer would show as EPERM.
		auto a = v4_sockaddr(expected, port);
		UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
		if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
			return errno;
		return read_hello(fd.get());
	});
}

} // namespace egress::e2e
