// A loaded (not attached) datapath on a private bpffs, plus the helpers every BPF test needs:
// policy entries built from literals, counters by [hook][reason], packets run through
// BPF_PROG_TEST_RUN, and deny events read back from the ring buffer.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <egress/abi.h>

#include "common/cgroup.h"
#include "fixtures.h"
#include "kernel/datapath.h"
#include "packet_builder.h"
#include "prog_test_run.h"

namespace egress::testlib {

struct PortRange {
	uint8_t proto;
	uint16_t lo;
	uint16_t hi;
};

egress_ports make_ports(std::initializer_list<PortRange> ranges, uint32_t rule_id = 1);
inline egress_ports any_port() {
	return make_ports({{EGRESS_PROTO_ANY, 0, 65535}});
}

// This process's cgroup v2 cgroup ("0::/path" in /proc/self/cgroup): the cgroup of the packets it
// runs through BPF_PROG_TEST_RUN.
CgroupRef this_process_cgroup();

// Writes policy entries into a loaded datapath's maps (used by bpf tests, e2e tests and bench).
class PolicyWriter {
public:
	explicit PolicyWriter(const kernel::Datapath& dp) : dp_(dp) {}
	// "a.b.c.d/len" or "x::/len"; a bare address is a /32 or /128.
	void floor(const std::string& cidr, const egress_ports& ports) const;
	void cidr(const std::string& cidr, const egress_ports& ports) const;
	void learn(const std::string& addr, uint64_t expires_ns, const egress_ports& ports) const;
	void set_mode(uint8_t mode, uint8_t fail_mode = EGRESS_FAIL_CLOSED, uint64_t heartbeat_ns = 0,
	              uint64_t stale_ns = 0, uint64_t generation = 7) const;

private:
	const kernel::Datapath& dp_;
};

class DatapathEnv {
public:
	explicit DatapathEnv(kernel::DatapathOptions opts = {});

	kernel::Datapath& dp() { return *dp_; }
	const PinDir& pins() const { return pins_; }
	const ChildCgroup& cgroup() const { return cgroup_; }
	const kernel::DatapathOptions& options() const { return opts_; }
	PolicyWriter policy() const { return PolicyWriter(*dp_); }

	void set_mode(uint8_t mode, uint8_t fail_mode = EGRESS_FAIL_CLOSED, uint64_t heartbeat_ns = 0,
	              uint64_t stale_ns = 0, uint64_t generation = 7) {
		policy().set_mode(mode, fail_mode, heartbeat_ns, stale_ns, generation);
	}
	void floor(const std::string& c, const egress_ports& p) { policy().floor(c, p); }
	void cidr(const std::string& c, const egress_ports& p) { policy().cidr(c, p); }
	void learn(const std::string& a, uint64_t expires_ns, const egress_ports& p) {
		policy().learn(a, expires_ns, p);
	}

	uint64_t counter(uint32_t hook, uint32_t reason);
	TestRunResult egress(const Bytes& pkt, Device device = Device::wire);
	TestRunResult ingress(const Bytes& pkt, Device device = Device::wire);
	// Makes the cgroup `level` levels below the cgroup2 root of this process's own cgroup the pods'
	// cgroup (test_run's packets carry the caller's cgroup): every packet is then a pod's.
	void pods_are_this_process();
	TestRunResult tc(const Bytes& pkt);
	// The pod programs (frames from the pod / to the pod), as on interface 1: BPF_PROG_TEST_RUN
	// runs them on loopback.
	TestRunResult pod_in(const Bytes& pkt);
	TestRunResult pod_out(const Bytes& pkt);
	TestRunResult uplink_in(const Bytes& pkt);
	// Describes interface `ifindex` as a pod's: its source prefixes ("10.244.1.5/32") and cgroup.
	void pod(uint32_t ifindex, const std::vector<std::string>& prefixes, uint64_t cgroup_id,
	         bool bridge_port = false);
	// Entries of the flow table.
	size_t flows();

	// Every deny event waiting in the ring buffer.
	std::vector<egress_deny_event> drain_events();

private:
	kernel::DatapathOptions opts_;
	PinDir pins_;
	ChildCgroup cgroup_;
	std::optional<kernel::Datapath> dp_;
};

uint64_t boot_ns_now();

} // namespace egress::testlib
