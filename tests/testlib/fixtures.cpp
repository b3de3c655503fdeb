#include "fixtures.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "common/mounts.h"
#include "system.h"

namespace egress::testlib {

// ---- NetnsPair --------------------------------------------------------------------------------

std::string NetnsPair::in(const std::string& ns, const std::string& command) {
	return "ip netns exec " + ns + " " + command;
}

NetnsPair::NetnsPair() {
	std::string id = unique_name("aeg");
	client_ = id + "-c";
	server_ = id + "-s";
	client_if_ = id + "c";
	server_if_ = id + "s";
	try {
		run_or_throw("ip netns add " + client_);
		run_or_throw("ip netns add " + server_);
		// No duplicate address detection for the link-local addresses either ("nodad" covers the
		// global ones): while tentative they hold neighbour discovery for forwarded IPv6 back.
		for (const auto& ns : {client_, server_})
			run_or_throw(in(ns, "sysctl -qw net.ipv6.conf.default.accept_dad=0"));
		// Created directly inside the namespaces: the veth never exists in the root namespace.
		run_or_throw("ip -n " + client_ + " link add " + client_if_ + " type veth peer name " +
		             server_if_ + " netns " + server_);
		for (const auto& [ns, ifname, v4, v6, peer4, peer6] :
		     {std::tuple{client_, client_if_, kClientV4, kClientV6, kServerV4, kServerV6},
		      std::tuple{server_, server_if_, kServerV4, kServerV6, kClientV4, kClientV6}}) {
			run_or_throw("ip -n " + ns + " link set lo up");
			run_or_throw("ip -n " + ns + " addr add " + v4 + "/24 dev " + ifname);
			run_or_throw("ip -n " + ns + " addr add " + v6 + "/64 dev " + ifname + " nodad");
			run_or_throw("ip -n " + ns + " link set " + ifname + " up");
			run_or_throw("ip -n " + ns + " route add default via " + peer4);
			run_or_throw("ip -n " + ns + " -6 route add default via " + peer6);
		}
	} catch (...) {
		this->~NetnsPair();
		throw;
	}
}

NetnsPair::~NetnsPair() {
	// Deleting a namespace destroys its veth end, which destroys the peer.
	if (!client_.empty())
		run("ip netns pids " + client_ + " | xargs -r kill -9; ip netns del " + client_);
	if (!server_.empty())
		run("ip netns pids " + server_ + " | xargs -r kill -9; ip netns del " + server_);
}

void NetnsPair::add_server_address(const std::string& addr) {
	run_or_throw("ip -n " + server_ + " addr add " + addr + " dev lo");
}

// ---- ChildCgroup ------------------------------------------------------------------------------

ChildCgroup::ChildCgroup() {
	auto root = cgroup2_mount();
	if (!root.ok())
		throw std::runtime_error(root.error().to_string());
	path_ = *root + "/" + unique_name("aeg-test-");
	if (mkdir(path_.c_str(), 0755) != 0)
		throw std::runtime_error("mkdir " + path_ + ": " + std::strerror(errno));
}

ChildCgroup::~ChildCgroup() {
	if (path_.empty())
		return;
	// cgroup.kill exists from 5.14; fall back to killing the listed pids.
	for (int attempt = 0; attempt < 100; ++attempt) {
		std::string procs = read_file(path_ + "/cgroup.procs");
		if (procs.empty())
			break;
		size_t pos = 0;
		while (pos < procs.size()) {
			size_t nl = procs.find('\n', pos);
			if (nl == std::string::npos)
				nl = procs.size();
			pid_t pid = static_cast<pid_t>(std::atoi(procs.substr(pos, nl - pos).c_str()));
			if (pid > 0)
				::kill(pid, SIGKILL);
			pos = nl + 1;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	for (int attempt = 0; attempt < 100; ++attempt) {
		if (rmdir(path_.c_str()) == 0 || errno == ENOENT)
			return;
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
}

uint64_t ChildCgroup::id() const {
	struct stat st {};
	if (stat(path_.c_str(), &st) != 0)
		throw std::runtime_error("stat " + path_ + ": " + std::strerror(errno));
	return st.st_ino;
}

void ChildCgroup::add_process(pid_t pid) const {
	write_file(path_ + "/cgroup.procs", std::to_string(pid));
}

// ---- PinDir -----------------------------------------------------------------------------------

PinDir::PinDir() {
	path_ = "/tmp/" + unique_name("aeg-pins-");
	if (mkdir(path_.c_str(), 0700) != 0)
		throw std::runtime_error("mkdir " + path_ + ": " + std::strerror(errno));
	if (mount("bpf", path_.c_str(), "bpf", 0, "mode=0700") != 0) {
		int err = errno;
		rmdir(path_.c_str());
		throw std::runtime_error("mounting bpffs at " + path_ + ": " + std::strerror(err));
	}
}

PinDir::~PinDir() {
	if (path_.empty())
		return;
	umount2(path_.c_str(), MNT_DETACH);
	rmdir(path_.c_str());
}

// ---- ChildProcess -----------------------------------------------------------------------------

ChildProcess::ChildProcess(const std::string& netns, const ChildCgroup* cgroup, std::function<int()> body) {
	// A pipe makes the parent wait until the child has joined its cgroup and namespace, so the
	// caller can rely on the placement as soon as the constructor returns.
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) != 0)
		throw std::runtime_error("pipe2 failed");
	pid_ = fork();
	if (pid_ < 0)
		throw std::runtime_error("fork failed");
	if (pid_ == 0) {
		close(ready[0]);
		if (cgroup) {
			std::string procs = cgroup->path() + "/cgroup.procs";
			int fd = open(procs.c_str(), O_WRONLY);
			if (fd < 0 || write(fd, "0", 1) != 1)
				_exit(120);
			close(fd);
		}
		if (!netns.empty()) {
			std::string p = "/run/netns/" + netns;
			int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWNET) != 0)
				_exit(121);
			close(fd);
		}
		char ok = 1;
		if (write(ready[1], &ok, 1) != 1)
			_exit(122);
		close(ready[1]);
		int rc = 125;
		try {
			rc = body();
		} catch (...) {
			rc = 124;
		}
		_exit(rc);
	}
	close(ready[1]);
	char ok = 0;
	ssize_t n = read(ready[0], &ok, 1);
	close(ready[0]);
	if (n != 1) {
		int st = wait();
		throw std::runtime_error("child failed to enter netns/cgroup (status " + std::to_string(st) +
		                         ")");
	}
}

int ChildProcess::wait() {
	if (reaped_)
		return status_;
	int st = 0;
	while (waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
	}
	reaped_ = true;
	status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return status_;
}

void ChildProcess::kill(int sig) {
	if (!reaped_ && pid_ > 0)
		::kill(pid_, sig);
}

ChildProcess::~ChildProcess() {
	if (pid_ > 0 && !reaped_) {
		::kill(pid_, SIGKILL);
		wait();
	}
}

int run_in(const std::string& netns, const ChildCgroup* cgroup, std::function<int()> body) {
	ChildProcess p(netns, cgroup, std::move(body));
	return p.wait();
}

} // namespace egress::testlib
