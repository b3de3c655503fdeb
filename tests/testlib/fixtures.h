// RAII fixtures that create, and always remove, what tests enforce on: network namespaces joined
// by a veth pair, a child cgroup v2, a private bpffs mount, and child processes placed inside them.
//
// Every name starts with "aeg" and carries the creating pid, so tests run in parallel without
// colliding, and tools/test.sh can sweep leftovers of a crashed run. Nothing here touches the
// machine's own interfaces or cgroups: addresses live only inside the namespaces.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

namespace egress::testlib {

// Two network namespaces, "client" and "server", joined by a veth pair, with IPv4 and IPv6
// addresses, loopback up, and default routes pointing at each other (so any destination address
// added on the server side is reachable from the client).
class NetnsPair {
public:
	NetnsPair();
	~NetnsPair();
	NetnsPair(const NetnsPair&) = delete;
	NetnsPair& operator=(const NetnsPair&) = delete;

	const std::string& client() const { return client_; }
	const std::string& server() const { return server_; }
	const std::string& client_if() const { return client_if_; }
	const std::string& server_if() const { return server_if_; }

	static constexpr const char* kClientV4 = "10.200.0.1";
	static constexpr const char* kServerV4 = "10.200.0.2";
	static constexpr const char* kClientV6 = "fd00:200::1";
	static constexpr const char* kServerV6 = "fd00:200::2";

	// Adds an extra address (v4 "/32" or v6 "/128") on the server's loopback, e.g. a simulated
	// internet host.
	void add_server_address(const std::string& addr);

	// `ip netns exec <ns> <command>`
	static std::string in(const std::string& ns, const std::string& command);

private:
	std::string client_, server_, client_if_, server_if_;
};

// A child cgroup under this machine's cgroup v2 mount. Processes still inside at destruction are
// killed before the directory is removed.
class ChildCgroup {
public:
	ChildCgroup();
	~ChildCgroup();
	ChildCgroup(const ChildCgroup&) = delete;
	ChildCgroup& operator=(const ChildCgroup&) = delete;

	const std::string& path() const { return path_; }
	uint64_t id() const; // the cgroup id BPF sees (inode number of the directory)
	void add_process(pid_t pid) const;

private:
	std::string path_;
};

// A private bpffs instance mounted on a fresh directory; unmounting removes every pin in it.
class PinDir {
public:
	PinDir();
	~PinDir();
	PinDir(const PinDir&) = delete;
	PinDir& operator=(const PinDir&) = delete;

	const std::string& path() const { return path_; }

private:
	std::string path_;
};

// A forked child that joins a network namespace and/or cgroup before running `body`; killed (if
// still running) and reaped on destruction.
class ChildProcess {
public:
	// netns: name under /run/netns, or "" to stay; cgroup: a ChildCgroup or nullptr.
	ChildProcess(const std::string& netns, const ChildCgroup* cgroup, std::function<int()> body);
	~ChildProcess();
	ChildProcess(const ChildProcess&) = delete;
	ChildProcess& operator=(const ChildProcess&) = delete;

	pid_t pid() const { return pid_; }
	// Waits for exit; returns the exit status (or 128 + signal).
	int wait();
	void kill(int sig = 9);

private:
	pid_t pid_ = -1;
	bool reaped_ = false;
	int status_ = -1;
};

// Runs `body` in a child inside netns/cgroup and returns its exit status.
int run_in(const std::string& netns, const ChildCgroup* cgroup, std::function<int()> body);

} // namespace egress::testlib
