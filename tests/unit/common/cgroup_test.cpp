#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

#include "common/cgroup.h"

namespace {

namespace fs = std::filesystem;
using namespace egress;

// cgroup_ref and find_pods_cgroup read only directory structure and inode numbers: a plain
// directory tree stands in for the cgroup v2 mount (the bpf tier reads the real ids).
class CgroupTree : public ::testing::Test {
protected:
	void SetUp() override {
		root_ = fs::temp_directory_path() / ("aeg-cgroup-test-" + std::to_string(getpid()));
		fs::create_directories(root_ / "kubepods.slice" / "kubepods-besteffort.slice");
	}
	void TearDown() override { fs::remove_all(root_); }
	fs::path root_;
};

TEST_F(CgroupTree, LevelCountsFromTheMountAndIdIsTheInode) {
	auto deep = root_ / "kubepods.slice" / "kubepods-besteffort.slice";
	auto ref = cgroup_ref(root_.string(), deep.string());
	ASSERT_TRUE(ref.ok()) << ref.error().to_string();
	EXPECT_EQ(ref->level, 2u);
	struct stat st {};
	ASSERT_EQ(stat(deep.c_str(), &st), 0);
	EXPECT_EQ(ref->id, st.st_ino);
	auto top = cgroup_ref(root_.string(), root_.string() + "/");
	ASSERT_TRUE(top.ok()) << top.error().to_string();
	EXPECT_EQ(top->level, 0u) << "the root is level 0";
}

TEST_F(CgroupTree, OutsideTheMountOrMissingIsAnError) {
	auto outside = cgroup_ref((root_ / "kubepods.slice").string(), root_.string());
	ASSERT_FALSE(outside.ok());
	EXPECT_NE(outside.error().to_string().find("not below"), std::string::npos);
	EXPECT_FALSE(cgroup_ref(root_.string(), (root_ / "nope").string()).ok());
}

TEST_F(CgroupTree, PodsCgroupOfEitherDriver) {
	EXPECT_EQ(find_pods_cgroup(root_.string()), (root_ / "kubepods.slice").string());
	fs::remove_all(root_ / "kubepods.slice");
	EXPECT_EQ(find_pods_cgroup(root_.string()), std::nullopt) << "kubelet has not started yet";
	fs::create_directories(root_ / "kubepods");
	EXPECT_EQ(find_pods_cgroup(root_.string()), (root_ / "kubepods").string()) << "cgroupfs driver";
}

} // namespace
