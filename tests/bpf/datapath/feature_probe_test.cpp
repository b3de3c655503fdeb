// userspace/kernel/feature_probe against this kernel: the probes' answers, the verifier's words
// they rely on, and that the list of required helpers covers every helper the programs call.
#include <gtest/gtest.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <set>
#include <string>
#include <utility>

#include "datapath_env.h"
#include "egress.skel.h"
#include "kernel/feature_probe.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;
using kernel::HelperProbe;

TEST(FeatureProbe, ClassifiesTheVerifiersWordsOfEveryKernel) {
	using kernel::classify_helper_probe;
	EXPECT_EQ(classify_helper_probe(-EINVAL, "0: (85) call unknown#212\ninvalid func unknown#212\n"),
	          HelperProbe::unknown_helper);
	// before 6.10
	EXPECT_EQ(classify_helper_probe(-EINVAL, "0: (85) call bpf_skb_load_bytes#26\nunknown func "
	                                         "bpf_skb_load_bytes#26\n"),
	          HelperProbe::not_for_type);
	// 6.10 and later (libbpf 1.1 reads this as "supported")
	EXPECT_EQ(classify_helper_probe(-EINVAL, "program of this type cannot use helper "
	                                         "bpf_skb_load_bytes#26\n"),
	          HelperProbe::not_for_type);
	// a helper the type may call, refused only for the probe's missing arguments
	EXPECT_EQ(classify_helper_probe(-EACCES, "0: (85) call bpf_skb_load_bytes#26\nR1 !read_ok\n"),
	          HelperProbe::supported);
	EXPECT_EQ(classify_helper_probe(0, ""), HelperProbe::supported);
}

TEST(FeatureProbe, ThisKernelHasEveryRequiredFeatureAndSaysNoWhereItMust) {
	EGRESS_REQUIRE_ROOT();
	auto st = kernel::check_required_features();
	EXPECT_TRUE(st.ok()) << st.error().to_string();
	// A helper that exists but not for sock_addr programs, and one that does not exist at all.
	kernel::HelperNeed not_for_type{BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT,
	                                BPF_FUNC_skb_load_bytes, "skb_load_bytes", "4.5"};
	auto r = kernel::probe_helper(not_for_type);
	ASSERT_TRUE(r.ok()) << r.error().to_string();
	EXPECT_FALSE(*r);
	kernel::HelperNeed unknown{BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS,
	                           static_cast<bpf_func_id>(__BPF_FUNC_MAX_ID + 100), "none", "-"};
	r = kernel::probe_helper(unknown);
	ASSERT_TRUE(r.ok()) << r.error().to_string();
	EXPECT_FALSE(*r);
	kernel::HelperNeed allowed{BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, BPF_FUNC_skb_load_bytes,
	                           "skb_load_bytes", "4.5"};
	r = kernel::probe_helper(allowed);
	ASSERT_TRUE(r.ok()) << r.error().to_string();
	EXPECT_TRUE(*r);
}

// The list in feature_probe.cpp is written by hand: every helper call of the loaded programs
// (subprograms included: libbpf appends them at load) must be in it for the program's type.
TEST(FeatureProbe, TheRequiredListCoversEveryHelperTheProgramsCall) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	std::set<std::pair<int, int>> listed; // (program type, helper)
	for (const auto& n : kernel::required_helpers())
		listed.insert({n.type, n.helper});
	for (const auto& n : kernel::optional_helpers())
		listed.insert({n.type, n.helper});
	int calls = 0;
	bpf_program* p;
	bpf_object__for_each_program(p, env.dp().skeleton()->obj) {
		const bpf_insn* insns = bpf_program__insns(p);
		size_t count = bpf_program__insn_cnt(p);
		ASSERT_NE(insns, nullptr) << bpf_program__name(p);
		for (size_t i = 0; i < count; ++i) {
			if (insns[i].code != (BPF_JMP | BPF_CALL) || insns[i].src_reg != 0)
				continue; // not a helper call (BPF-to-BPF calls and kfuncs set src_reg)
			++calls;
			EXPECT_TRUE(listed.count({bpf_program__type(p), insns[i].imm}))
			    << bpf_program__name(p) << " calls helper #" << insns[i].imm
			    << ", which userspace/kernel/feature_probe.cpp does not list for its type";
		}
	}
	EXPECT_GT(calls, 0);
}

} // namespace
