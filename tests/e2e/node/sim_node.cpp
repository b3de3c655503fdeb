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
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <thread>

#include "common/unique_handle.h"
#include "daemon/control_client.h"
#include "kernel/datapath.h"
#include "system.h"

namespace egress::e2e::node {

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

sockaddr_in v4(const std::string& addr, uint16_t port) {
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	if (inet_pton(AF_INET, addr.c_str(), &a.sin_addr) != 1)
		throw std::runtime_error("not an IPv4 address: " + addr);
	return a;
}

std::vector<uint8_t> a_query(const std::string& name, uint16_t id) {
	// RFC 1035 4.1: header (id, RD), one question of type A class IN.
	std::vector<uint8_t> q = {uint8_t(id >> 8), uint8_t(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	size_t start = 0;
	for (;;) {
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

// Skips an encoded name at `pos` (labels or a compression pointer); false when malformed.
bool skip_name(const uint8_t* p, size_t n, size_t& pos) {
	while (pos < n) {
		uint8_t len = p[pos];
		if ((len & 0xc0) == 0xc0) {
			pos += 2;
			return pos <= n;
		}
		pos += 1 + len;
		if (len == 0)
			return pos <= n;
	}
	return false;
}

// The first A record of a response, or "".
std::string first_a(const uint8_t* p, size_t n) {
	if (n < 12)
		return "";
	size_t qd = (p[4] << 8) | p[5], an = (p[6] << 8) | p[7], pos = 12;
	for (size_t i = 0; i < qd; ++i)
		if (!skip_name(p, n, pos) || (pos += 4) > n)
			return "";
	for (size_t i = 0; i < an; ++i) {
		if (!skip_name(p, n, pos) || pos + 10 > n)
			return "";
		uint16_t type = (p[pos] << 8) | p[pos + 1];
		uint16_t rdlen = (p[pos + 8] << 8) | p[pos + 9];
		pos += 10;
		if (pos + rdlen > n)
			return "";
		if (type == 1 && rdlen == 4) {
			char text[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, p + pos, text, sizeof(text));
			return text;
		}
		pos += rdlen;
	}
	return "";
}

} // namespace

SimNode::SimNode() {
	char tmpl[] = "/tmp/aeg-nodee2e-XXXXXX";
	if (!mkdtemp(tmpl))
		throw std::runtime_error("mkdtemp");
	dir_ = tmpl;
	for (const char* d : {"/log", "/run", "/config", "/pods"})
		fs::create_directories(dir_ + d);

	net_ = std::make_unique<testlib::NetnsPair>();
	cg_ = std::make_unique<testlib::ChildCgroup>();
	pins_ = std::make_unique<testlib::PinDir>();
	pod_cgroup_ = cg_->path() + "/kubepods-besteffort-pod5c1e7a3b_2f4d_4e8a_9b6c_0d1e2f3a4b5c.slice";
	if (mkdir(pod_cgroup_.c_str(), 0755) != 0)
		throw std::runtime_error("mkdir " + pod_cgroup_ + ": " + std::strerror(errno));

	for (uint16_t port : kTcpPorts)
		listeners_.push_back(std::make_unique<testlib::ChildProcess>(
		    net_->server(), nullptr, [port]() -> int { serve(SOCK_STREAM, port); }));
	for (uint16_t port : kUdpPorts)
		listeners_.push_back(std::make_unique<testlib::ChildProcess>(
		    net_->server(), nullptr, [port]() -> int { serve(SOCK_DGRAM, port); }));
}

SimNode::~SimNode() {
	if (egressd_) {
		egressd_->kill(SIGKILL);
		egressd_.reset();
	}
	resolvers_.clear();
	listeners_.clear();
	std::string procs = testlib::read_file(pod_cgroup_ + "/cgroup.procs");
	for (size_t pos = 0; pos < procs.size();) {
		size_t nl = procs.find('\n', pos);
		std::string pid = procs.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
		if (!pid.empty())
			kill(std::stoi(pid), SIGKILL);
		pos = nl == std::string::npos ? procs.size() : nl + 1;
	}
	for (int i = 0; i < 50 && rmdir(pod_cgroup_.c_str()) != 0 && errno == EBUSY; ++i)
		std::this_thread::sleep_for(20ms);
	// egressd leaves enforcement pinned on purpose; the test removes it.
	(void)kernel::uninstall(pin_dir());
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
	net_->add_server_address(addr + "/32");
}

std::string SimNode::default_resolver() {
	return testlib::NetnsPair::kServerV4;
}

void SimNode::start_resolver(const std::string& listen, const std::map<std::string, std::string>& overrides) {
	if (listen != default_resolver())
		add_address(listen);
	resolver::e2e::DnsmasqConfig dns;
	dns.netns = net_->server();
	dns.listen = listen;
	dns.port = 53;
	dns.local_ttl = 600;
	std::map<std::string, std::string> records = hosts_;
	for (const auto& [name, addr] : overrides)
		records[name] = addr;
	// --local makes each name's other types NODATA (as a real zone answers AAAA for an A-only
	// name) instead of REFUSED, which egressd's resolver would retry as a failure.
	for (const auto& [name, addr] : records) {
		dns.records.push_back("--host-record=" + name + "," + addr);
		dns.records.push_back("--local=/" + name + "/");
	}
	resolvers_.push_back(std::make_unique<resolver::e2e::Dnsmasq>(dns));
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
	y += "denyLog:\n  file: " + dir_ + "/log/deny.log\n  stdout: false\n";
	y += "metrics:\n  listen: \"\"\n";
	y += "cgroupPath: " + cg_->path() + "\npinPath: " + pin_dir() +
	     "\ncontrolSocket: " + control_socket() + "\n";
	return y;
}

void SimNode::write_config(const std::string& yaml) {
	std::string tmp = dir_ + "/config/.config.yaml.tmp";
	testlib::write_file(tmp, yaml);
	if (rename(tmp.c_str(), (dir_ + "/config/config.yaml").c_str()) != 0)
		throw std::runtime_error(std::string("rename config: ") + std::strerror(errno));
}

void SimNode::start_egressd() {
	std::string log = dir_ + "/egressd.log";
	std::vector<std::string> args = {EGRESSD_BINARY,
	                                 "--config",
	                                 dir_ + "/config/config.yaml",
	                                 "--log-level",
	                                 "debug",
	                                 "--pod-logs-root",
	                                 dir_ + "/pods",
	                                 "--node-name",
	                                 "aks-nodepool1-00000000-vmss000000",
	                                 "--deny-log-window",
	                                 "1"};
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

nlohmann::json SimNode::status() const {
	auto c = daemon::ControlClient::connect(control_socket(), 5s);
	if (!c.ok())
		return {};
	auto s = c->status();
	return s.ok() ? *s : nlohmann::json{};
}

void SimNode::reload(const std::string& yaml) {
	auto before = status().value("policy_generation", 0);
	write_config(yaml);
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

std::string SimNode::egressd_log() const {
	return testlib::read_file(dir_ + "/egressd.log");
}

int SimNode::in_pod(std::function<int()> fn) const {
	std::string procs = pod_cgroup_ + "/cgroup.procs";
	return testlib::run_in(net_->client(), nullptr, [procs, fn]() -> int {
		testlib::write_file(procs, std::to_string(getpid()));
		return fn();
	});
}

std::string SimNode::resolve(const std::string& name, const std::string& server, int* err) const {
	// The child writes the answer to a file: run_in reports only an exit status.
	std::string out = dir_ + "/resolve-" + testlib::unique_name("q");
	int rc = in_pod([name, server, out]() -> int {
		auto a = v4(server, 53);
		UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
		if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
			return errno;
		std::mt19937 rng(static_cast<unsigned>(getpid()));
		auto q = a_query(name, static_cast<uint16_t>(rng()));
		if (send(fd.get(), q.data(), q.size(), 0) < 0)
			return errno;
		pollfd p{fd.get(), POLLIN, 0};
		if (poll(&p, 1, 2000) != 1)
			return ETIMEDOUT;
		uint8_t buf[1500];
		ssize_t n = recv(fd.get(), buf, sizeof(buf), 0);
		if (n < 12 || buf[0] != q[0] || buf[1] != q[1])
			return EPROTO;
		std::string addr = first_a(buf, static_cast<size_t>(n));
		if (addr.empty())
			return ENOENT;
		testlib::write_file(out, addr);
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

int SimNode::tcp(const std::string& addr, uint16_t port) const {
	return in_pod([addr, port]() -> int {
		auto a = v4(addr, port);
		UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
		if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
			return errno;
		pollfd p{fd.get(), POLLIN, 0};
		char buf[2];
		if (poll(&p, 1, 2000) != 1 || recv(fd.get(), buf, 2, MSG_WAITALL) != 2 ||
		    std::memcmp(buf, "hi", 2) != 0)
			return EPROTO;
		return 0;
	});
}

int SimNode::udp(const std::string& addr, uint16_t port) const {
	return in_pod([addr, port]() -> int {
		auto a = v4(addr, port);
		UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
		if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
			return errno;
		// A datagram may be lost: ask up to three times, as any UDP client would.
		for (int attempt = 0; attempt < 3; ++attempt) {
			if (send(fd.get(), "ping", 4, 0) < 0)
				return errno;
			pollfd p{fd.get(), POLLIN, 0};
			if (poll(&p, 1, 700) != 1)
				continue;
			char buf[2];
			if (recv(fd.get(), buf, 2, 0) != 2 || std::memcmp(buf, "hi", 2) != 0)
				return EPROTO;
			return 0;
		}
		return ETIMEDOUT;
	});
}

int SimNode::dns_reachable(const std::string& server) const {
	int err = 0;
	resolve("mcr.microsoft.com", server, &err);
	return err == ENOENT ? 0 : err;
}

} // namespace egress::e2e::node
