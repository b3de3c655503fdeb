// A loaded datapath with DNS learning set up for BPF_PROG_TEST_RUN: trusted resolvers, name rules
// built by userspace/dns (the same entries the daemon writes), queries run through
// cgroup_skb/egress and responses through cgroup_skb/ingress, and what they taught read back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <egress/abi.h>

#include "datapath_env.h"
#include "kernel/dns_maps.h"
#include "packet_builder.h"

namespace egress::testlib {

inline constexpr const char* kClient4 = "10.200.0.2";
inline constexpr const char* kResolver4 = "10.0.0.10";
inline constexpr const char* kClient6 = "fd00:200::2";
inline constexpr const char* kResolver6 = "fd00:10::a";
inline constexpr uint16_t kClientPort = 41000;

// DNS message helpers beyond DnsBuilder: raw records with any owner bytes (compression pointers).
void append_rr(Bytes& msg, const Bytes& owner_wire, uint16_t type, uint32_t ttl, const Bytes& rdata);
Bytes pointer(uint16_t offset);

class DnsEnv {
public:
	explicit DnsEnv(uint64_t check_key = 0x5eed5eed5eed5eedULL);

	DatapathEnv& env() { return env_; }
	const kernel::DnsMaps& maps() const { return maps_; }

	// Patterns ("api.github.com", "*.x.io", "**.y.io") with their ports, written as the daemon does.
	void allow(const std::vector<std::string>& patterns, uint32_t rule_id = 10,
	           std::vector<egress_port_range> ports = {{443, 443, EGRESS_PROTO_TCP, {}}});
	void settings(uint32_t min_ttl, uint32_t max_ttl, uint32_t grace);
	// dns.queryPolicy (EGRESS_QUERY_POLICY_*); `allowed`, the default, refuses queries for names
	// the rules do not cover. Tests of the learner's own name check ask such names under `any`.
	void query_policy(uint8_t policy);

	// The UDP packets (Ethernet framed) between the client and a resolver.
	Bytes query_packet(uint16_t id, const std::string& name, bool v6 = false,
	                   uint16_t port = kClientPort) const;
	Bytes response_packet(const Bytes& dns, bool v6 = false, uint16_t port = kClientPort,
	                      const std::string& resolver = "") const;

	// Runs the query through cgroup_skb/egress (records it), then the response through ingress.
	void query(uint16_t id, const std::string& name, bool v6 = false, uint16_t port = kClientPort);
	void respond(const Bytes& dns, bool v6 = false, uint16_t port = kClientPort,
	             const std::string& resolver = "");
	// query() then respond() with a response built by the caller for that id and name.
	void exchange(uint16_t id, const std::string& name, const Bytes& dns, bool v6 = false);

	std::optional<egress_learned_value> learned(const std::string& addr) const;
	size_t learned_count() const;
	size_t outstanding_queries() const;
	uint64_t counter(uint32_t reason) { return env_.counter(EGRESS_HOOK_SKB_INGRESS, reason); }
	std::vector<egress_learn_event> drain_learn_events();

	uint64_t check_key() const { return check_key_; }

private:
	uint64_t check_key_;
	egress_dns_settings settings_{};
	DatapathEnv env_;
	kernel::DnsMaps maps_;
};

} // namespace egress::testlib
