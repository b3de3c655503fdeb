// The harness the pod-layer and boundary suites stand on (tests/e2e/harness: SimNode::add_pod,
// Pod, PacketRecorder): with nothing enforcing, a pod reaches the internet and is reached from it,
// its identities hold exactly the capabilities they promise, the recorder sees what arrives and
// nothing else, and a removed pod leaves nothing behind.
#include <gtest/gtest.h>

#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/unique_handle.h"
#include "probes.h"
#include "root.h"
#include "sim_node.h"
#include "system.h"

namespace egress::e2e {
namespace {

namespace fs = std::filesystem;
using testlib::NetnsPair;
using testlib::run;

int open_socket(int family, int type, int proto) {
	UniqueFd fd(socket(family, type, proto));
	return fd ? 0 : errno;
}

// One datagram carrying `marker` over an ordinary UDP socket.
int send_marked(const std::string& dst, uint16_t port, const std::string& marker) {
	auto a = v4_sockaddr(dst, port);
	UniqueFd fd(socket(AF_INET, SOCK_DGRAM, 0));
	return sendto(fd.get(), marker.data(), marker.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof(a)) <
	               0
	           ? errno
	           : 0;
}

TEST(PodHarness, APodReachesTheInternetThroughTheNode) {
	EGRESS_REQUIRE_ROOT();
	SimNode node;
	std::string host = node.add_host("example.org");
	Pod& pod = node.add_pod();
	EXPECT_EQ(pod.tcp(host, 443), 0);
	EXPECT_EQ(pod.udp(host, 123), 0);
	EXPECT_EQ(pod.tcp(host, 443, Identity::nobody), 0);
	// IPv6 too, to the internet side of the uplink.
	EXPECT_EQ(
	    run(NetnsPair::in(pod.netns(), std::string("ping -6 -c1 -W2 ") + NetnsPair::kServerV6)).status,
	    0);
	// The node's own probes (hostNetwork) are unchanged by the forwarding.
	EXPECT_EQ(node.tcp(host, 443), 0);
	// A second pod has its own addresses and interface.
	Pod& other = node.add_pod({.ns = "team-c", .name = "api-0"});
	EXPECT_NE(other.ipv4(), pod.ipv4());
	EXPECT_NE(other.host_if(), pod.host_if());
	EXPECT_EQ(other.tcp(host, 443), 0);
}

TEST(PodHarness, TheInternetReachesAPodListener) {
	EGRESS_REQUIRE_ROOT();
	SimNode node;
	Pod& pod = node.add_pod();
	auto listener = pod.spawn(Identity::nobody, [] {
		UniqueFd fd(socket(AF_INET, SOCK_STREAM, 0));
		int one = 1;
		setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		auto a = v4_sockaddr("0.0.0.0", 8080);
		if (bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
		    listen(fd.get(), 8) != 0)
			return 1;
		for (;;) {
			UniqueFd c(accept(fd.get(), nullptr, nullptr));
			(void)!write(c.get(), "hi", 2);
		}
	});
	std::string addr = pod.ipv4();
	EXPECT_EQ(node.in_internet([addr] { return tcp_hello(addr, 8080); }), 0);
}

TEST(PodHarness, IdentitiesHoldTheContainerCapabilitiesOrNone) {
	EGRESS_REQUIRE_ROOT();
	SimNode node;
	Pod& pod = node.add_pod();
	// CAP_NET_RAW is in containerd's default set; CAP_NET_ADMIN and CAP_SYS_ADMIN are not.
	EXPECT_EQ(pod.run(Identity::container_root,
	                  [] { return open_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)); }),
	          0);
	EXPECT_EQ(
	    pod.run(Identity::container_root, [] { return open_socket(AF_INET, SOCK_RAW, IPPROTO_UDP); }), 0);
	EXPECT_EQ(pod.run(Identity::container_root, [] { return getuid() == 0 ? 0 : 1; }), 0);
	EXPECT_EQ(pod.run(Identity::container_root,
	                  [] {
		                  // Adding a route needs CAP_NET_ADMIN.
		                  return system("ip route add 192.0.2.0/24 dev eth0 2>/dev/null") == 0 ? 1
		                                                                                       : 0;
	                  }),
	          0);
	EXPECT_EQ(
	    pod.run(Identity::nobody, [] { return open_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)); }),
	    EPERM);
	EXPECT_EQ(pod.run(Identity::nobody, [] { return getuid() == 65534 && getgid() == 65534 ? 0 : 1; }),
	          0);
	// The probe sits in the pod's container cgroup.
	std::string procs_file = pod.container_cgroup() + "/cgroup.procs";
	auto sleeper = pod.spawn(Identity::nobody, [] {
		pause();
		return 0;
	});
	for (int i = 0; i < 100 && testlib::read_file(procs_file).empty(); ++i)
		usleep(10000);
	EXPECT_NE(testlib::read_file(procs_file).find(std::to_string(sleeper->pid())), std::string::npos);
}

TEST(PodHarness, TheRecorderKeepsWhatArrivesForItsDestinationsOrMarker) {
	EGRESS_REQUIRE_ROOT();
	SimNode node;
	std::string watched = node.add_host("watched.example");
	std::string other = node.add_host("other.example");
	Pod& pod = node.add_pod();
	auto rec = node.record({watched}, "aeg-marker-7");
	EXPECT_EQ(pod.run(Identity::nobody, [=] { return send_marked(watched, 9999, "plain"); }), 0);
	EXPECT_EQ(pod.run(Identity::nobody, [=] { return send_marked(other, 9999, "plain"); }), 0);
	EXPECT_EQ(pod.run(Identity::nobody, [=] { return send_marked(other, 9998, "x aeg-marker-7 y"); }), 0);
	auto frames = rec->frames();
	ASSERT_EQ(frames.size(), 2u);
	EXPECT_EQ(frames[0].src, pod.ipv4());
	EXPECT_EQ(frames[0].dst, watched);
	EXPECT_EQ(frames[0].proto, IPPROTO_UDP);
	EXPECT_EQ(frames[0].dport, 9999);
	EXPECT_FALSE(frames[0].marker);
	EXPECT_EQ(frames[1].dst, other);
	EXPECT_EQ(frames[1].dport, 9998);
	EXPECT_TRUE(frames[1].marker);
}

TEST(PodHarness, APodLeavesRuntimeFilesAndNothingOnceRemoved) {
	EGRESS_REQUIRE_ROOT();
	SimNode node;
	Pod& pod = node.add_pod({.ns = "team-d", .name = "job-1", .qos = "burstable"});
	std::string netns = pod.netns(), host_if = pod.host_if(), cgroup = pod.pod_cgroup();
	EXPECT_NE(cgroup.find("kubepods-burstable-pod"), std::string::npos);
	EXPECT_GT(pod.pod_cgroup_id(), 0u);
	// What egressd reads: the pod's log directory and containerd's CNI result.
	EXPECT_TRUE(fs::is_directory(node.pod_logs_root() + "/team-d_job-1_" + pod.uid()));
	int results = 0;
	for (const auto& e : fs::directory_iterator(node.cni_results_dir())) {
		auto j = nlohmann::json::parse(testlib::read_file(e.path()));
		EXPECT_EQ(j["kind"], "cniCacheV1");
		ASSERT_TRUE(j["cniArgs"].is_array());
		EXPECT_EQ(j["cniArgs"][3], nlohmann::json::array({"K8S_POD_UID", pod.uid()}));
		EXPECT_EQ(j["result"]["interfaces"][0]["name"], host_if);
		EXPECT_EQ(j["result"]["ips"][0]["address"], pod.ipv4() + "/32");
		++results;
	}
	EXPECT_EQ(results, 1);
	node.remove_pod(pod);
	EXPECT_EQ(run("ip netns list | grep -w " + netns).status, 1);
	EXPECT_NE(run(NetnsPair::in(node.net().client(), "ip link show " + host_if)).status, 0);
	EXPECT_FALSE(fs::exists(cgroup));
	EXPECT_TRUE(fs::is_empty(node.cni_results_dir()));
}

} // namespace
} // namespace egress::e2e
