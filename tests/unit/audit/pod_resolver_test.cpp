#include "audit/pod_resolver.h"

#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace egress::audit {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

const std::string kUid = "8f2c1a3e-5b7d-4c9e-a1f0-123456789abc";
const std::string kUidUnderscores = "8f2c1a3e_5b7d_4c9e_a1f0_123456789abc";
const std::string kCid = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

// A fake cgroup tree and /var/log/pods: plain directories whose inode numbers play cgroup ids.
class PodResolverTest : public ::testing::Test {
protected:
	uint64_t mkdir_id(const std::string& rel) {
		fs::path p = cgroups_ / rel;
		fs::create_directories(p);
		struct stat st {};
		EXPECT_EQ(::stat(p.c_str(), &st), 0);
		return st.st_ino;
	}
	PodResolverOptions options() {
		PodResolverOptions o;
		o.cgroup_root = (cgroups_).string();
		o.pod_logs_root = (pods_).string();
		return o;
	}

	TempDir tmp_;
	fs::path cgroups_ = tmp_ / "cgroup";
	fs::path pods_ = tmp_ / "pods";
};

TEST_F(PodResolverTest, SystemdContainerdPodWithLogDir) {
	std::string rel = "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kUidUnderscores +
	                  ".slice/cri-containerd-" + kCid + ".scope";
	uint64_t id = mkdir_id(rel);
	fs::create_directories(pods_ / ("team-a_web-7f9c_" + kUid));
	fs::create_directories(pods_ / "kube-system_other_11111111-2222-3333-4444-555555555555");
	PodResolver r(options());
	auto a = r.resolve(id);
	ASSERT_TRUE(a.cgroup_path.has_value());
	EXPECT_EQ(*a.cgroup_path, "/" + rel);
	ASSERT_TRUE(a.pod.has_value());
	EXPECT_EQ(a.pod->ns, "team-a");
	EXPECT_EQ(a.pod->name, "web-7f9c");
	EXPECT_EQ(a.pod->uid, kUid);
	EXPECT_EQ(a.container_id, kCid);
	EXPECT_EQ(a.runtime, "containerd");
}

TEST_F(PodResolverTest, CgroupfsCrioPodsOfEveryQosClass) {
	fs::create_directories(pods_ / ("ns1_pod-g_" + kUid));
	PodResolver r(options());
	for (std::string qos_dir : {"", "burstable/", "besteffort/"}) {
		uint64_t id = mkdir_id("kubepods/" + qos_dir + "pod" + kUid + "/crio-" + kCid);
		auto a = r.resolve(id);
		ASSERT_TRUE(a.pod.has_value()) << qos_dir;
		EXPECT_EQ(a.pod->ns, "ns1");
		EXPECT_EQ(a.pod->name, "pod-g");
		EXPECT_EQ(a.container_id, kCid);
		EXPECT_EQ(a.runtime, "cri-o");
	}
}

TEST_F(PodResolverTest, PodWithoutLogDirKeepsTheUid) {
	uint64_t id = mkdir_id("kubepods/besteffort/pod" + kUid + "/" + kCid);
	PodResolver r(options());
	auto a = r.resolve(id);
	ASSERT_TRUE(a.pod.has_value());
	EXPECT_EQ(a.pod->uid, kUid);
	EXPECT_EQ(a.pod->ns, "");
	EXPECT_EQ(a.pod->name, "");
	// The log dir shows up later (kubelet creates it as the pod starts): the next lookup finds it.
	fs::create_directories(pods_ / ("late_pod_" + kUid));
	EXPECT_EQ(r.resolve(id).pod->name, "pod");
}

TEST_F(PodResolverTest, NonPodCgroupsAndTheRoot) {
	uint64_t svc = mkdir_id("system.slice/containerd.service");
	PodResolver r(options());
	auto a = r.resolve(svc);
	ASSERT_TRUE(a.cgroup_path.has_value());
	EXPECT_EQ(*a.cgroup_path, "/system.slice/containerd.service");
	EXPECT_FALSE(a.pod.has_value());
	EXPECT_EQ(a.container_id, "");

	struct stat st {};
	ASSERT_EQ(::stat(cgroups_.c_str(), &st), 0);
	auto root = r.resolve(st.st_ino);
	EXPECT_EQ(root.cgroup_path, std::optional<std::string>("/"));
	EXPECT_FALSE(root.pod.has_value());

	auto none = r.resolve(0);
	EXPECT_FALSE(none.cgroup_path.has_value());
	EXPECT_FALSE(none.pod.has_value());
}

TEST_F(PodResolverTest, HitsAndMissesAreCached) {
	uint64_t id = mkdir_id("kubepods/pod" + kUid + "/" + kCid);
	mkdir_id("system.slice/a.service");
	PodResolver r(options());
	EXPECT_TRUE(r.resolve(id).pod.has_value());
	EXPECT_EQ(r.walks(), 1u);
	EXPECT_TRUE(r.resolve(id).pod.has_value());
	EXPECT_EQ(r.walks(), 1u);
	// The cgroup is removed after its first lookup: the cached path still attributes late events.
	fs::remove_all(cgroups_ / "kubepods");
	EXPECT_TRUE(r.resolve(id).pod.has_value());
	EXPECT_EQ(r.walks(), 1u);

	uint64_t unknown = 0xfffffffffff0ULL; // no directory has this inode
	EXPECT_FALSE(r.resolve(unknown).cgroup_path.has_value());
	EXPECT_FALSE(r.resolve(unknown).cgroup_path.has_value());
	EXPECT_EQ(r.walks(), 2u);
}

TEST_F(PodResolverTest, CacheIsBounded) {
	auto o = options();
	o.max_cgroups = 2;
	std::vector<uint64_t> ids;
	for (int i = 0; i < 3; ++i)
		ids.push_back(mkdir_id("system.slice/s" + std::to_string(i) + ".service"));
	PodResolver r(o);
	for (uint64_t id : ids)
		ASSERT_TRUE(r.cgroup_path(id).has_value());
	EXPECT_EQ(r.walks(), 3u);
	r.cgroup_path(ids[2]); // still cached
	EXPECT_EQ(r.walks(), 3u);
	r.cgroup_path(ids[0]); // evicted by the third: walks again
	EXPECT_EQ(r.walks(), 4u);
}

TEST_F(PodResolverTest, SymlinksAreNotFollowed) {
	uint64_t real = mkdir_id("elsewhere/target");
	fs::create_directories(cgroups_ / "tree");
	fs::path outside = tmp_ / "outside";
	fs::create_directories(outside / "x");
	fs::create_directory_symlink(outside, cgroups_ / "tree" / "link");
	struct stat st {};
	ASSERT_EQ(::stat((outside / "x").c_str(), &st), 0);
	PodResolver r(options());
	EXPECT_FALSE(r.cgroup_path(st.st_ino).has_value());
	EXPECT_EQ(r.cgroup_path(real), std::optional<std::string>("/elsewhere/target"));
}

} // namespace
} // namespace egress::audit
