// What the host guard reads before it loads anything: the kernel's LSM list, and cgroup depths.
#include <gtest/gtest.h>

#include "daemon/host_guard_keeper.h"
#include "kernel/host_guard.h"

namespace egress::daemon {
namespace {

using kernel::bpf_lsm_status_of;

TEST(BpfLsmStatus, OnlyAnLsmListWithBpfAndKernelBtfGuard) {
	auto s = bpf_lsm_status_of("lockdown,capability,landlock,yama,apparmor,bpf", true);
	EXPECT_TRUE(s.available) << s.why_not;
	EXPECT_EQ(s.lsm_list, "lockdown,capability,landlock,yama,apparmor,bpf");
	// A name that only contains "bpf" is not bpf.
	s = bpf_lsm_status_of("lockdown,capability,bpfx,apparmor", true);
	EXPECT_FALSE(s.available);
	EXPECT_NE(s.why_not.find("BPF LSM is not active"), std::string::npos) << s.why_not;
	EXPECT_NE(s.why_not.find("lsm="), std::string::npos) << s.why_not;
	s = bpf_lsm_status_of("capability,apparmor,bpf", false);
	EXPECT_FALSE(s.available);
	EXPECT_NE(s.why_not.find("BTF"), std::string::npos) << s.why_not;
	s = bpf_lsm_status_of(std::nullopt, true);
	EXPECT_FALSE(s.available);
	EXPECT_NE(s.why_not.find("/sys/kernel/security/lsm"), std::string::npos) << s.why_not;
}

TEST(BpfLsmStatus, AMissingFileIsNotGuarded) {
	auto s = kernel::bpf_lsm_status("/nonexistent/lsm");
	EXPECT_FALSE(s.available);
	EXPECT_NE(s.why_not.find("not readable"), std::string::npos) << s.why_not;
}

TEST(CgroupLevel, DepthBelowTheMount) {
	EXPECT_EQ(cgroup_level("/sys/fs/cgroup", "/sys/fs/cgroup"), 0u);
	EXPECT_EQ(cgroup_level("/sys/fs/cgroup", "/sys/fs/cgroup/"), 0u);
	EXPECT_EQ(cgroup_level("/sys/fs/cgroup", "/sys/fs/cgroup/kubepods.slice"), 1u);
	EXPECT_EQ(cgroup_level("/sys/fs/cgroup", "/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice"),
	          2u);
}

} // namespace
} // namespace egress::daemon
