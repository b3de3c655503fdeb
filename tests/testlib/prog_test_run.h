// Runs a loaded BPF program on a crafted packet through BPF_PROG_TEST_RUN.
//
// cgroup_skb programs: pass a packet WITH an Ethernet header (PacketBuilder().ethernet()...). The
// kernel runs eth_type_trans on it, as on a real receive, so the program sees L3 at offset 0 and
// skb->protocol set; SCHED_CLS (tc) programs see the Ethernet header.
//
// The device: BPF_PROG_TEST_RUN puts the packet on the loopback device unless the context names
// another device of the caller's network namespace, and the datapath treats loopback apart (its
// sources must be the namespace's own, bpf/lib/origin.h). So by default a run happens on a thread
// that lives in a network namespace of its own with one dummy device ("the wire"), and the packet
// is on that device; Device::loopback runs it on the loopback device.
#pragma once

#include <cstdint>
#include <vector>

namespace egress::testlib {

struct TestRunResult {
	int err = 0;         // 0, or -errno from bpf_prog_test_run_opts
	uint32_t retval = 0; // the program's return value (cgroup_skb: 1 pass, 0 drop)
	uint32_t duration_ns = 0;
};

enum class Device { wire, loopback };

// repeat > 1 measures (duration is the per-run average, whole ns).
TestRunResult prog_test_run(int prog_fd, const std::vector<uint8_t>& packet, uint32_t repeat = 1,
                            Device device = Device::wire);

// The ifindex of the wire device (as skb->ifindex reads it), creating its namespace on first use.
uint32_t wire_ifindex();

} // namespace egress::testlib
