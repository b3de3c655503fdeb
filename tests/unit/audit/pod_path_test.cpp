#include "audit/pod_path.h"

#include <gtest/gtest.h>

namespace egress::audit {
namespace {

const std::string kUid = "8f2c1a3e-5b7d-4c9e-a1f0-123456789abc";
const std::string kUidUnderscores = "8f2c1a3e_5b7d_4c9e_a1f0_123456789abc";
const std::string kCid = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

struct Case {
	std::string path;
	QosClass qos;
	std::string container_id;
	std::string runtime;
};

// Every kubelet cgroup driver x runtime x QoS class layout.
std::vector<Case> cases() {
	std::vector<Case> out;
	struct Qos {
		QosClass qos;
		std::string systemd_slice; // "" for guaranteed: the pod slice sits in kubepods.slice
		std::string cgroupfs_dir;
	};
	for (const Qos& q :
	     {Qos{QosClass::guaranteed, "", ""}, Qos{QosClass::burstable, "burstable", "burstable"},
	      Qos{QosClass::besteffort, "besteffort", "besteffort"}}) {
		std::string qos_slice =
		    q.systemd_slice.empty() ? "" : "kubepods-" + q.systemd_slice + ".slice/";
		std::string pod_slice = q.systemd_slice.empty() ? "kubepods-pod" + kUidUnderscores + ".slice"
		                                                : "kubepods-" + q.systemd_slice + "-pod" +
		                                                      kUidUnderscores + ".slice";
		std::string systemd = "/kubepods.slice/" + qos_slice + pod_slice;
		out.push_back({systemd + "/cri-containerd-" + kCid + ".scope", q.qos, kCid, "containerd"});
		out.push_back({systemd + "/crio-" + kCid + ".scope", q.qos, kCid, "cri-o"});
		out.push_back({systemd + "/docker-" + kCid + ".scope", q.qos, kCid, "docker"});
		out.push_back({systemd, q.qos, "", ""}); // the pod-level cgroup
		std::string cgroupfs =
		    "/kubepods/" + (q.cgroupfs_dir.empty() ? "" : q.cgroupfs_dir + "/") + "pod" + kUid;
		out.push_back({cgroupfs + "/" + kCid, q.qos, kCid, ""});
		out.push_back({cgroupfs + "/crio-" + kCid, q.qos, kCid, "cri-o"});
		out.push_back({cgroupfs + "/docker-" + kCid, q.qos, kCid, "docker"});
		out.push_back({cgroupfs, q.qos, "", ""});
	}
	return out;
}

TEST(ParsePodCgroup, EveryDriverRuntimeAndQosClass) {
	auto all = cases();
	ASSERT_EQ(all.size(), 24u);
	for (const auto& c : all) {
		auto pod = parse_pod_cgroup(c.path);
		ASSERT_TRUE(pod.has_value()) << c.path;
		EXPECT_EQ(pod->uid, kUid) << c.path;
		EXPECT_EQ(pod->qos, c.qos) << c.path;
		EXPECT_EQ(pod->container_id, c.container_id) << c.path;
		EXPECT_EQ(pod->runtime, c.runtime) << c.path;
	}
}

TEST(ParsePodCgroup, KubepodsBelowAnotherRoot) {
	// kind and custom --cgroup-root: "kubelet-" prefixes every slice; cgroupfs nests the tree.
	auto pod = parse_pod_cgroup("/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	                            "kubelet-kubepods-besteffort-pod" +
	                            kUidUnderscores + ".slice/cri-containerd-" + kCid + ".scope");
	ASSERT_TRUE(pod.has_value());
	EXPECT_EQ(pod->uid, kUid);
	EXPECT_EQ(pod->qos, QosClass::besteffort);
	EXPECT_EQ(pod->container_id, kCid);
	auto nested = parse_pod_cgroup("/machine/kubepods/burstable/pod" + kUid + "/" + kCid);
	ASSERT_TRUE(nested.has_value());
	EXPECT_EQ(nested->container_id, kCid);
}

TEST(ParsePodCgroup, StaticPodHashUid) {
	auto pod = parse_pod_cgroup("/kubepods.slice/kubepods-burstable.slice/"
	                            "kubepods-burstable-pod6a8e5b3c0d1f4e2a9b7c8d6e5f4a3b2c.slice");
	ASSERT_TRUE(pod.has_value());
	EXPECT_EQ(pod->uid, "6a8e5b3c0d1f4e2a9b7c8d6e5f4a3b2c");
}

TEST(ParsePodCgroup, ConmonAndOddChildrenKeepThePodButNoContainer) {
	std::string pod_slice = "/kubepods.slice/kubepods-pod" + kUidUnderscores + ".slice";
	for (const std::string& child : std::vector<std::string>{"crio-conmon-" + kCid + ".scope",
	                                                         "cri-containerd-abc.scope", "something"}) {
		auto pod = parse_pod_cgroup(pod_slice + "/" + child);
		ASSERT_TRUE(pod.has_value()) << child;
		EXPECT_EQ(pod->uid, kUid);
		EXPECT_EQ(pod->container_id, "") << child;
	}
}

TEST(ParsePodCgroup, NotAPod) {
	for (const std::string& path : std::vector<std::string>{
	         "/", "", "/system.slice/containerd.service", "/user.slice/user-1000.slice",
	         "/kubepods.slice", "/kubepods.slice/kubepods-burstable.slice", "/kubepods",
	         "/kubepods/burstable", "/kubepods/burstable/notapod", "/kubepods/podXYZ/" + kCid,
	         "/system.slice/kubepods-pod" + kUidUnderscores + ".service",
	         "/mykubepods-pod" + kUidUnderscores + ".slice"}) {
		EXPECT_FALSE(parse_pod_cgroup(path).has_value()) << path;
	}
}

TEST(ParsePodLogDir, SplitsNamespaceNameUid) {
	auto p = parse_pod_log_dir("kube-system_coredns-5d78c9869d-abcde_" + kUid);
	ASSERT_TRUE(p.has_value());
	EXPECT_EQ(p->ns, "kube-system");
	EXPECT_EQ(p->name, "coredns-5d78c9869d-abcde");
	EXPECT_EQ(p->uid, kUid);
	for (std::string bad : {"", "a_b", "a_b_c_d", "_b_c", "a__c", "a_b_"})
		EXPECT_FALSE(parse_pod_log_dir(bad).has_value()) << bad;
}

} // namespace
} // namespace egress::audit
