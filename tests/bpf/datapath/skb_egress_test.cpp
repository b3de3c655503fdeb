// The real egress object, from its embedded skeleton, loaded into this kernel; verdicts asserted
// through BPF_PROG_TEST_RUN on crafted packets.
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <egress/abi.h>

#include "egress.skel.h"
#include "kernel/libbpf_handles.h"
#include "kernel/libbpf_log.h"
#include "packet_builder.h"
#include "prog_test_run.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;

class SkbEgress : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		kernel::install_libbpf_logger();
		skel_.reset(egress_bpf::open_and_load());
		ASSERT_TRUE(skel_) << "loading egress.bpf.o failed:\n" << kernel::take_libbpf_log();
	}

	void set_mode(uint8_t mode) {
		egress_config cfg{};
		cfg.abi_version = EGRESS_ABI_VERSION;
		cfg.mode = mode;
		uint32_t zero = 0;
		ASSERT_EQ(bpf_map__update_elem(skel_->maps.egress_config, &zero, sizeof(zero), &cfg, sizeof(cfg), 0), 0);
	}

	uint64_t counter(uint32_t hook, uint32_t reason) {
		uint32_t idx = EGRESS_COUNTER_INDEX(hook, reason);
		int ncpu = libbpf_num_possible_cpus();
		std::vector<uint64_t> per_cpu(static_cast<size_t>(ncpu));
		EXPECT_EQ(bpf_map__lookup_elem(skel_->maps.egress_counters, &idx, sizeof(idx), per_cpu.data(),
					       per_cpu.size() * sizeof(uint64_t), 0),
			  0);
		uint64_t sum = 0;
		for (uint64_t v : per_cpu)
			sum += v;
		return sum;
	}

	TestRunResult run(const Bytes& pkt) { return prog_test_run(bpf_program__fd(skel_->progs.skb_egress), pkt); }

	kernel::UniqueSkeleton<egress_bpf> skel_;
};

TEST_F(SkbEgress, LoopbackPassesAndIsCounted) {
	set_mode(EGRESS_MODE_ENFORCE);
	auto r = run(PacketBuilder().ethernet().ipv4("127.0.0.1", "127.0.0.53").udp(40000, 53).build());
	ASSERT_EQ(r.err, 0);
	EXPECT_EQ(r.retval, 1u);
	EXPECT_EQ(counter(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_LOOPBACK), 1u);
}

TEST_F(SkbEgress, UnknownDestinationIsDroppedInEnforceAndPassesInAudit) {
	Bytes pkt = PacketBuilder().ethernet().ipv4("10.0.0.2", "203.0.113.7").icmp(8, 0).build();
	set_mode(EGRESS_MODE_ENFORCE);
	auto enforce = run(pkt);
	ASSERT_EQ(enforce.err, 0);
	EXPECT_EQ(enforce.retval, 0u);
	set_mode(EGRESS_MODE_AUDIT);
	auto audit = run(pkt);
	ASSERT_EQ(audit.err, 0);
	EXPECT_EQ(audit.retval, 1u);
	EXPECT_EQ(counter(EGRESS_HOOK_SKB_EGRESS, EGRESS_REASON_NO_RULE), 2u);
}

TEST_F(SkbEgress, AbiVersionIsEmbeddedInTheObject) {
	EXPECT_EQ(skel_->rodata->egress_abi_version, static_cast<uint32_t>(EGRESS_ABI_VERSION));
}

} // namespace
