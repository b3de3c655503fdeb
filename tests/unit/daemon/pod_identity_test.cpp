// Who is behind a pod interface: libcni's result cache and the kubelet's pod cgroups.
#include "daemon/pod_identity.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "system.h"

namespace {

using namespace egress;
using namespace egress::daemon;
namespace fs = std::filesystem;

// As containerd's go-cni (libcni 1.x) writes /var/lib/cni/results/<network>-<id>-<ifname>.
const char* kAzureCni = R"({"kind":"cniCacheV1","containerId":"c0ffee","config":"e30=","ifName":"eth0",
 "networkName":"azure","cniArgs":[["IgnoreUnknown","1"],["K8S_POD_NAMESPACE","shop"],["K8S_POD_NAME","cart-7d9"],
 ["K8S_POD_INFRA_CONTAINER_ID","c0ffee"],["K8S_POD_UID","5f0c3b1e-1111-2222-3333-444455556666"]],
 "result":{"cniVersion":"0.3.0","interfaces":[{"name":"eth0","sandbox":"/var/run/netns/cni-1"}],
 "ips":[{"version":"4","address":"10.224.0.33/16","gateway":"10.224.0.1","interface":0}],"dns":{}}})";

TEST(CniCache, ReadsThePodTheHostInterfaceAndTheAddresses) {
	auto p = parse_cni_cache(kAzureCni);
	ASSERT_TRUE(p);
	EXPECT_EQ(p->ns, "shop");
	EXPECT_EQ(p->name, "cart-7d9");
	EXPECT_EQ(p->uid, "5f0c3b1e-1111-2222-3333-444455556666");
	EXPECT_TRUE(p->host_interfaces.empty()); // Azure CNI lists only the sandbox's
	ASSERT_EQ(p->addresses.size(), 1u);
	EXPECT_EQ(p->addresses[0].to_string(), "10.224.0.33");
	auto bridge = parse_cni_cache(R"({"cniArgs":[["K8S_POD_UID","u1"]],"result":{"interfaces":
	  [{"name":"cbr0"},{"name":"veth12ab"},{"name":"eth0","sandbox":"/x"}],"ips":[{"address":"fd00::5/64"}]}})");
	ASSERT_TRUE(bridge);
	EXPECT_EQ(bridge->host_interfaces, (std::vector<std::string>{"cbr0", "veth12ab"}));
	EXPECT_EQ(bridge->addresses[0].to_string(), "fd00::5");
}

TEST(CniCache, WhatIsNotAPodsResultIsNothing) {
	EXPECT_FALSE(parse_cni_cache("not json"));
	EXPECT_FALSE(parse_cni_cache(R"({"cniArgs":[],"result":{}})"));        // no pod uid
	EXPECT_FALSE(parse_cni_cache(R"({"cniArgs":[["K8S_POD_UID","u"]]})")); // no result
	EXPECT_FALSE(parse_cni_cache(R"([1,2,3])"));
	auto odd = parse_cni_cache(
	    R"({"cniArgs":[["K8S_POD_UID","u"],[1,2],"x"],"result":{"ips":[{"address":7},{}]}})");
	ASSERT_TRUE(odd);
	EXPECT_TRUE(odd->addresses.empty());
}

TEST(PodIdentity, FindsThePodByInterfaceOrAddressAndItsPodLevelCgroup) {
	char tmpl[] = "/tmp/aeg-podid-XXXXXX";
	ASSERT_TRUE(mkdtemp(tmpl));
	std::string dir = tmpl;
	fs::create_directories(dir + "/results");
	testlib::write_file(dir + "/results/azure-c0ffee-eth0", kAzureCni);
	std::string pod = dir + "/cg/kubepods.slice/kubepods-burstable.slice/"
	                        "kubepods-burstable-pod5f0c3b1e_1111_2222_3333_444455556666.slice";
	fs::create_directories(pod + "/cri-containerd-" + std::string(64, 'a') + ".scope");
	fs::create_directories(dir + "/cg/system.slice/kubepods-decoy.slice");
	PodIdentity id(dir + "/results", dir + "/cg");
	auto by_addr = id.find("azv123", {*parse_ip("10.224.0.33")});
	ASSERT_TRUE(by_addr);
	EXPECT_EQ(by_addr->pod.name, "cart-7d9");
	EXPECT_EQ(by_addr->cgroup_path, pod);
	struct stat st {};
	ASSERT_EQ(stat(pod.c_str(), &st), 0);
	EXPECT_EQ(by_addr->cgroup_id, st.st_ino);
	EXPECT_FALSE(id.find("azv999", {*parse_ip("10.224.0.34")}));
	EXPECT_EQ(find_pod_cgroup(dir + "/cg", "00000000-0000-0000-0000-000000000000"), "");
	fs::remove_all(dir);
}

} // namespace
