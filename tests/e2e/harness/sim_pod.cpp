#include "sim_pod.h"

#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "probes.h"
#include "system.h"

namespace egress::e2e {

namespace fs = std::filesystem;
using testlib::run_or_throw;

namespace {

// containerd's default set (oci.WithDefaultSpec / pkg/cap defaults, as Docker's).
constexpr int kContainerCaps[] = {
    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
    CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
    CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
    CAP_KILL,    CAP_AUDIT_WRITE,
};
constexpr uid_t kNobody = 65534;

std::string random_hex(size_t n) {
	static std::mt19937_64 rng(std::random_device{}());
	static const char* digits = "0123456789abcdef";
	std::string out(n, '0');
	for (auto& c : out)
		c = digits[rng() % 16];
	return out;
}

std::string random_uid() {
	std::string h = random_hex(32);
	return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
	       h.substr(20);
}

int last_cap() {
	std::string s = testlib::read_file("/proc/sys/kernel/cap_last_cap");
	return s.empty() ? CAP_LAST_CAP : std::stoi(s);
}

// "aegp…@if2  UP  aa:bb:cc:dd:ee:ff <…>" -> the MAC.
std::string mac_of(const std::string& netns, const std::string& ifname) {
	std::istringstream in(run_or_throw("ip -n " + netns + " -br link show dev " + ifname));
	std::string name, state, mac;
	in >> name >> state >> mac;
	return mac;
}

int capset_to(const int* caps, size_t n) {
	__user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct data[2] = {};
	for (size_t i = 0; i < n; ++i) {
		data[caps[i] / 32].effective |= 1u << (caps[i] % 32);
		data[caps[i] / 32].permitted |= 1u << (caps[i] % 32);
	}
	return syscall(SYS_capset, &hdr, data) == 0 ? 0 : errno;
}

} // namespace

int become(Identity who) {
	bool keep_container = who == Identity::container_root;
	for (int cap = 0; cap <= last_cap(); ++cap) {
		bool keep = false;
		for (int c : kContainerCaps)
			keep = keep || (keep_container && c == cap);
		if (!keep && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
			return errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
		return errno;
	if (keep_container)
		return capset_to(kContainerCaps, std::size(kContainerCaps));
	// Leaving uid 0 for good clears every capability set (no SECBIT_KEEP_CAPS).
	if (setgroups(0, nullptr) != 0 || setresgid(kNobody, kNobody, kNobody) != 0 ||
	    setresuid(kNobody, kNobody, kNobody) != 0)
		return errno;
	return 0;
}

Pod::Pod(const PodOptions& options, const PodPlacement& placement) {
	ns_ = options.ns;
	name_ = options.name.empty() ? "pod-" + std::to_string(placement.index) : options.name;
	uid_ = random_uid();
	container_id_ = random_hex(64);
	sandbox_id_ = random_hex(64);
	node_netns_ = placement.node_netns;
	try {
		wire_network(options, placement);
		make_cgroups(options, placement);
		write_runtime_files(placement);
	} catch (...) {
		this->~Pod();
		throw;
	}
}

// Azure CNI's transparent mode: a routed /32 behind a veth, 169.254.1.1 as the pod's gateway.
void Pod::wire_network(const PodOptions& options, const PodPlacement& placement) {
	std::string n = std::to_string(placement.index);
	netns_ = testlib::unique_name("aeg") + "-p";
	host_if_ = testlib::unique_name("aegp");
	ipv4_ = "10.244.1." + n;
	if (options.ipv6)
		ipv6_ = "fd00:10:244::" + n;
	const std::string& node = node_netns_;
	run_or_throw("ip netns add " + netns_);
	run_or_throw("ip -n " + node + " link add " + host_if_ + " type veth peer name eth0 netns " + netns_);
	run_or_throw("ip -n " + netns_ + " link set lo up");
	// No duplicate address detection on either end: a tentative link-local address would hold
	// neighbour discovery (and so the pod's IPv6 default route) back for a second or more.
	run_or_throw("ip netns exec " + netns_ + " sysctl -qw net.ipv6.conf.eth0.accept_dad=0");
	run_or_throw("ip netns exec " + node + " sysctl -qw net.ipv6.conf." + host_if_ + ".accept_dad=0");
	run_or_throw("ip -n " + netns_ + " addr add " + ipv4_ + "/32 dev eth0");
	if (!ipv6_.empty())
		run_or_throw("ip -n " + netns_ + " addr add " + ipv6_ + "/128 dev eth0 nodad");
	run_or_throw("ip -n " + node + " addr add " + kGatewayV6 + "/64 dev " + host_if_ + " nodad");
	run_or_throw("ip -n " + netns_ + " link set eth0 up");
	run_or_throw("ip -n " + node + " link set " + host_if_ + " up");
	gateway_mac_ = mac_of(node, host_if_);
	mac_ = mac_of(netns_, "eth0");
	run_or_throw("ip -n " + node + " route add " + ipv4_ + "/32 dev " + host_if_);
	if (!ipv6_.empty())
		run_or_throw("ip -n " + node + " -6 route add " + ipv6_ + "/128 dev " + host_if_);
	run_or_throw("ip -n " + netns_ + " route add " + kGatewayV4 + " dev eth0 scope link");
	run_or_throw("ip -n " + netns_ + " route add default via " + kGatewayV4 + " dev eth0");
	run_or_throw("ip -n " + netns_ + " neigh add " + kGatewayV4 + " lladdr " + gateway_mac_ +
	             " dev eth0 nud permanent");
	if (!ipv6_.empty())
		run_or_throw("ip -n " + netns_ + " -6 route add default via " + kGatewayV6 + " dev eth0");
	std::string idx =
	    run_or_throw("ip netns exec " + node + " cat /sys/class/net/" + host_if_ + "/ifindex");
	host_ifindex_ = std::stoi(idx);
}

void Pod::make_cgroups(const PodOptions& options, const PodPlacement& placement) {
	std::string uid = uid_;
	for (auto& ch : uid)
		if (ch == '-')
			ch = '_';
	std::string qos = "kubepods-" + options.qos;
	std::string p = placement.kubepods_slice + "/" + qos + ".slice";
	if (mkdir(p.c_str(), 0755) != 0 && errno != EEXIST) // shared with the node's other pods
		throw std::runtime_error("mkdir " + p + ": " + std::strerror(errno));
	pod_cgroup_ = p + "/" + qos + "-pod" + uid + ".slice";
	container_cgroup_ = pod_cgroup_ + "/cri-containerd-" + container_id_ + ".scope";
	for (const std::string& dir :
	     {pod_cgroup_, pod_cgroup_ + "/cri-containerd-" + sandbox_id_ + ".scope", container_cgroup_}) {
		if (mkdir(dir.c_str(), 0755) != 0)
			throw std::runtime_error("mkdir " + dir + ": " + std::strerror(errno));
		cgroup_dirs_.push_back(dir);
	}
}

// What kubelet and containerd leave on a node for a running pod.
void Pod::write_runtime_files(const PodPlacement& placement) {
	log_dir_ = placement.pod_logs_root + "/" + ns_ + "_" + name_ + "_" + uid_;
	fs::create_directories(log_dir_);
	nlohmann::json ips = nlohmann::json::array({{{"address", ipv4_ + "/32"}, {"interface", 1}}});
	if (!ipv6_.empty())
		ips.push_back({{"address", ipv6_ + "/128"}, {"interface", 1}});
	nlohmann::json cache = {
	    {"kind", "cniCacheV1"},
	    {"containerId", sandbox_id_},
	    {"ifName", "eth0"},
	    {"networkName", "azure"},
	    // [["KEY", "value"], ...], as libcni writes CNI_ARGS (an initializer list of pairs would
	    // make a JSON object)
	    {"cniArgs",
	     nlohmann::json::array({nlohmann::json::array({"K8S_POD_NAMESPACE", ns_}),
	                            nlohmann::json::array({"K8S_POD_NAME", name_}),
	                            nlohmann::json::array({"K8S_POD_INFRA_CONTAINER_ID", sandbox_id_}),
	                            nlohmann::json::array({"K8S_POD_UID", uid_})})},
	    {"result",
	     {{"cniVersion", "1.0.0"},
	      {"interfaces",
	       {{{"name", host_if_}, {"mac", gateway_mac_}},
	        {{"name", "eth0"}, {"mac", mac_}, {"sandbox", "/var/run/netns/" + netns_}}}},
	      {"ips", ips}}}};
	fs::create_directories(placement.cni_results_dir);
	std::string file = placement.cni_results_dir + "/azure-" + sandbox_id_ + "-eth0";
	testlib::write_file(file, cache.dump());
	cni_file_ = file;
}

Pod::~Pod() {
	for (auto it = cgroup_dirs_.rbegin(); it != cgroup_dirs_.rend(); ++it) {
		for (int i = 0; i < 100; ++i) {
			std::string procs = testlib::read_file(*it + "/cgroup.procs");
			std::istringstream in(procs);
			bool any = false;
			for (pid_t pid; in >> pid;) {
				kill(pid, SIGKILL);
				any = true;
			}
			if (!any && (rmdir(it->c_str()) == 0 || errno == ENOENT))
				break;
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		}
	}
	// The veth first, by hand: a deleted netns takes its end with it only when the kernel's
	// cleanup work runs, a moment later, and a removed pod must be gone when this returns.
	if (!host_if_.empty())
		testlib::run("ip -n " + node_netns_ + " link del " + host_if_);
	if (!netns_.empty())
		testlib::run("ip netns pids " + netns_ + " | xargs -r kill -9; ip netns del " + netns_);
	if (!cni_file_.empty())
		unlink(cni_file_.c_str());
	if (!log_dir_.empty())
		rmdir(log_dir_.c_str());
}

uint64_t Pod::pod_cgroup_id() const {
	struct stat st {};
	return stat(pod_cgroup_.c_str(), &st) == 0 ? st.st_ino : 0;
}

uint64_t Pod::container_cgroup_id() const {
	struct stat st {};
	return stat(container_cgroup_.c_str(), &st) == 0 ? st.st_ino : 0;
}

std::unique_ptr<testlib::ChildProcess> Pod::spawn(Identity who, std::function<int()> fn) const {
	std::string procs = container_cgroup_ + "/cgroup.procs";
	return std::make_unique<testlib::ChildProcess>(netns_, nullptr, [procs, who, fn]() -> int {
		testlib::write_file(procs, std::to_string(getpid()));
		if (int err = become(who); err)
			return 126;
		return fn();
	});
}

int Pod::run(Identity who, std::function<int()> fn) const {
	return spawn(who, std::move(fn))->wait();
}

int Pod::tcp(const std::string& addr, uint16_t port, Identity who) const {
	return run(who, [addr, port] { return tcp_hello(addr, port); });
}

int Pod::udp(const std::string& addr, uint16_t port, Identity who) const {
	return run(who, [addr, port] { return udp_hello(addr, port); });
}

} // namespace egress::e2e
