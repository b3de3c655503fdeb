// userspace/kernel's loader against this kernel: pins, adoption rules, uninstall, verifier budget.
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "datapath_env.h"
#include "egress.skel.h"
#include "kernel/pins.h"
#include "root.h"
#include "system.h"
#include "verifier_steps.h"

namespace {

using namespace egress;
using namespace egress::testlib;

bool exists(const std::string& p) {
	struct stat st {};
	return stat(p.c_str(), &st) == 0;
}

uint32_t map_id(int fd) {
	bpf_map_info info{};
	uint32_t len = sizeof(info);
	EXPECT_EQ(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

TEST(Loader, PinsEveryMapUnderItsObjectName) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	for (const auto& info_row : kernel::kMaps) {
		auto id = info_row.id;
		SCOPED_TRACE(std::string(kernel::map_name(id)));
		EXPECT_TRUE(exists(env.dp().pins().map(id)));
		bpf_map_info info{};
		uint32_t len = sizeof(info);
		ASSERT_EQ(bpf_obj_get_info_by_fd(env.dp().map_fd(id), &info, &len), 0);
		// The kernel keeps 15 characters of a map name.
		EXPECT_EQ(std::string(kernel::map_name(id)).substr(0, 15), std::string(info.name));
	}
	// Every map of the object is pinned, and in the one list of maps (kernel/maps.h).
	bpf_map* m;
	bpf_object__for_each_map(m, env.dp().skeleton()->obj) {
		if (!bpf_map__is_internal(m)) {
			EXPECT_TRUE(exists(env.dp().pins().map(bpf_map__name(m)))) << bpf_map__name(m);
			EXPECT_TRUE(kernel::map_by_name(bpf_map__name(m)).has_value()) << bpf_map__name(m);
		}
	}
	EXPECT_TRUE(env.dp().pins().installed());
	EXPECT_FALSE(env.dp().adopted());
}

// Pins on a bpffs of our own making die with our mount namespace: egressd says so (issue 16).
TEST(Loader, MountsABpffsOnlyWhenAskedAndThenSaysThePinsDoNotPersist) {
	EGRESS_REQUIRE_ROOT();
	ChildCgroup cgroup;
	const std::string parent = "/tmp/" + unique_name("aeg-pins-");
	struct Unmount {
		std::string path;
		~Unmount() {
			umount2(path.c_str(), MNT_DETACH);
			rmdir(path.c_str());
		}
	} cleanup{parent};
	kernel::DatapathOptions opts;
	opts.cgroup_path = cgroup.path();
	opts.pin_dir = parent + "/egress";
	auto refused = kernel::Datapath::load(opts);
	ASSERT_FALSE(refused.ok());
	EXPECT_NE(refused.error().to_string().find("is not on a bpffs"), std::string::npos)
	    << refused.error().to_string();
	opts.mount_bpffs = true;
	auto dp = kernel::Datapath::load(opts);
	ASSERT_TRUE(dp.ok()) << dp.error().to_string();
	EXPECT_TRUE(kernel::is_bpffs(parent));
	EXPECT_FALSE(dp->pins_persist());
	DatapathEnv on_a_bpffs; // a bpffs that was there before
	EXPECT_TRUE(on_a_bpffs.dp().pins_persist());
}

TEST(Loader, SizesMapsFromOptions) {
	EGRESS_REQUIRE_ROOT();
	kernel::DatapathOptions opts;
	opts.sizes.cidr_entries = 20000;
	opts.sizes.learned_entries = 1000;
	DatapathEnv env(opts);
	EXPECT_EQ(bpf_map__max_entries(env.dp().skeleton()->maps.egress_cidr4), 20000u);
	EXPECT_EQ(bpf_map__max_entries(env.dp().skeleton()->maps.egress_learned6), 1000u);
}

TEST(Loader, VerifiedInstructionsStayUnderAQuarterOfTheLimit) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	auto steps = verifier_steps(env.dp());
	ASSERT_EQ(steps.size(), 10u); // 7 + pod_ingress, pod_egress, uplink_ingress
	for (const auto& p : steps) {
		std::printf("verifier %-12s %7u insns  (verified_insns %u, log %s)\n", p.name.c_str(),
		            p.steps(), p.verified_insns,
		            p.log_processed ? std::to_string(*p.log_processed).c_str() : "-");
		// Every kernel tells one of the two (verified_insns from 5.16, the log from 5.2).
		EXPECT_TRUE(p.verified_insns > 0 || p.log_processed) << p.name;
		EXPECT_LT(p.steps(), kVerifierInsnLimit / 4) << p.name;
	}
}

TEST(VerifierSteps, ReadsTheProcessedCountOfAStatisticsLog) {
	EXPECT_EQ(parse_processed_insns("verification time 31 usec\nstack depth 8\nprocessed 115234 insns "
	                                "(limit 1000000) max_states_per_insn 4 total_states 1800\n"),
	          115234u);
	EXPECT_EQ(parse_processed_insns("processed 7 insns (limit 131072), stack depth 0\n"), 7u);
	EXPECT_EQ(parse_processed_insns("processed the input\n"), std::nullopt);
	EXPECT_EQ(parse_processed_insns(""), std::nullopt);
}

TEST(Loader, AdoptsPinnedMapsOfTheSameAbiAndCgroup) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	env.cidr("198.51.100.0/24", any_port());
	auto second = kernel::Datapath::load(env.options());
	ASSERT_TRUE(second.ok()) << second.error().to_string();
	EXPECT_TRUE(second->adopted());
	for (const auto& row : kernel::kMaps)
		EXPECT_EQ(map_id(second->map_fd(row.id)), map_id(env.dp().map_fd(row.id))) << row.name;
	bpf_map *a, *b = nullptr;
	bpf_object__for_each_map(a, env.dp().skeleton()->obj) {
		b = bpf_object__next_map(second->skeleton()->obj, b);
		ASSERT_NE(b, nullptr);
		if (!bpf_map__is_internal(a)) {
			EXPECT_EQ(map_id(bpf_map__fd(b)), map_id(bpf_map__fd(a))) << bpf_map__name(a);
		}
	}
	// The adopted programs see the policy the first loader wrote.
	auto r =
	    prog_test_run(bpf_program__fd(second->skeleton()->progs.skb_egress),
	                  PacketBuilder().ethernet().ipv4("10.0.0.1", "198.51.100.3").icmp(8, 0).build());
	EXPECT_EQ(r.retval, 1u);
}

TEST(Loader, RefusesPinsOfAnotherAbi) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	egress_install_info info{};
	info.layout_version = 999;
	info.cgroup_id = env.cgroup().id();
	uint32_t zero = 0;
	ASSERT_EQ(bpf_map_update_elem(env.dp().map_fd(kernel::MapId::install), &zero, &info, 0), 0);
	auto second = kernel::Datapath::load(env.options());
	ASSERT_FALSE(second.ok());
	EXPECT_EQ(second.error().code(), EPROTO);
	EXPECT_NE(second.error().to_string().find("map layout v999"), std::string::npos)
	    << second.error().to_string();
}

TEST(Loader, RefusesPinsGuardingAnotherCgroup) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	ChildCgroup other;
	kernel::DatapathOptions opts = env.options();
	opts.cgroup_path = other.path();
	auto second = kernel::Datapath::load(opts);
	ASSERT_FALSE(second.ok());
	EXPECT_EQ(second.error().code(), EEXIST);
}

TEST(Loader, SaysWhenThePinDirIsNotOnBpffs) {
	EGRESS_REQUIRE_ROOT();
	ChildCgroup cg;
	kernel::DatapathOptions opts;
	opts.cgroup_path = cg.path();
	opts.pin_dir = "/tmp/" + unique_name("aegnp") + "/pins";
	auto dp = kernel::Datapath::load(opts);
	ASSERT_FALSE(dp.ok());
	EXPECT_NE(dp.error().to_string().find("is not on a bpffs"), std::string::npos)
	    << dp.error().to_string();
}

TEST(Loader, ALoadFailureSaysWhyAndPinsNothing) {
	EGRESS_REQUIRE_ROOT();
	ChildCgroup cg;
	PinDir pins;
	kernel::DatapathOptions opts;
	opts.cgroup_path = cg.path();
	opts.pin_dir = pins.path() + "/egress";
	opts.sizes.peer_entries = 0; // the kernel refuses a hash map without entries
	auto dp = kernel::Datapath::load(opts);
	ASSERT_FALSE(dp.ok());
	std::string why = dp.error().to_string();
	EXPECT_NE(why.find("loading the BPF programs"), std::string::npos) << why;
	EXPECT_NE(why.find("egress_udp_peers"), std::string::npos) << "libbpf's own words are kept: " << why;
	EXPECT_FALSE(kernel::PinLayout(opts.pin_dir).installed());
}

TEST(Loader, UninstallUnpinsEverything) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	ASSERT_TRUE(env.dp().attach().ok());
	std::string dir = env.dp().pins().dir();
	auto st = kernel::uninstall(dir);
	ASSERT_TRUE(st.ok()) << st.error().to_string();
	EXPECT_FALSE(exists(dir));
	// Uninstalling nothing is fine too (egressctl uninstall twice).
	EXPECT_TRUE(kernel::uninstall(dir).ok());
}

} // namespace
