#include "common/mounts.h"

#include <gtest/gtest.h>

namespace {

constexpr const char* kHybrid = R"(sysfs /sys sysfs rw,nosuid 0 0
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
)";

constexpr const char* kPureV2 = R"(cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec 0 0
bpf /sys/fs/bpf bpf rw,nosuid,nodev,noexec,relatime,mode=700 0 0
)";

TEST(Mounts, FindsCgroup2OnHybridAndPureNodes) {
	EXPECT_EQ(*egress::find_mount(kHybrid, "cgroup2"), "/sys/fs/cgroup/unified");
	EXPECT_EQ(*egress::find_mount(kPureV2, "cgroup2"), "/sys/fs/cgroup");
	EXPECT_EQ(*egress::find_mount(kPureV2, "bpf"), "/sys/fs/bpf");
}

TEST(Mounts, MissingFilesystemIsAnError) {
	auto r = egress::find_mount(kHybrid, "bpf");
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code(), ENOENT);
}

TEST(Mounts, UnescapesOctal) {
	EXPECT_EQ(*egress::find_mount("x /mnt/with\\040space bpf rw 0 0\n", "bpf"), "/mnt/with space");
}

TEST(Mounts, ThisMachineHasCgroup2) {
	EXPECT_TRUE(egress::cgroup2_mount().ok());
}

} // namespace
