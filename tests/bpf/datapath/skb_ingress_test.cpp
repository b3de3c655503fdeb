// cgroup_skb/ingress: remembers UDP peers (so servers may answer them) and never drops.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>

#include "datapath_env.h"
#include "kernel/map_writer.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::testlib;

std::vector<egress_peer_key> peers(DatapathEnv& env) {
	auto map =
	    kernel::TypedMap<egress_peer_key, uint64_t>::open(env.dp().map_fd(kernel::MapId::udp_peers));
	EXPECT_TRUE(map.ok());
	std::vector<egress_peer_key> out;
	auto entries = map->entries();
	EXPECT_TRUE(entries.ok());
	if (entries.ok())
		for (const auto& [k, v] : entries.value())
			out.push_back(k);
	return out;
}

TEST(SkbIngress, RemembersUdpPeersOfBothFamilies) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	ASSERT_EQ(
	    env.ingress(PacketBuilder().ethernet().ipv4("198.18.0.5", "10.200.0.1").udp(5353, 9999).build())
	        .retval,
	    1u);
	ASSERT_EQ(
	    env.ingress(PacketBuilder().ethernet().ipv6("2001:db8::5", "fd00:200::1").udp(4000, 9998).build())
	        .retval,
	    1u);
	auto got = peers(env);
	ASSERT_EQ(got.size(), 2u);
	bool v4 = false, v6 = false;
	for (const auto& k : got) {
		if (k.family == AF_INET) {
			v4 = std::memcmp(k.addr, ip_bytes("198.18.0.5").data(), 4) == 0 &&
			     ntohs(k.peer_port) == 5353 && ntohs(k.local_port) == 9999;
		} else {
			v6 = k.family == AF_INET6 &&
			     std::memcmp(k.addr, ip_bytes("2001:db8::5").data(), 16) == 0 &&
			     ntohs(k.peer_port) == 4000 && ntohs(k.local_port) == 9998;
		}
	}
	EXPECT_TRUE(v4);
	EXPECT_TRUE(v6);
}

TEST(SkbIngress, IgnoresTcpAndNeverDrops) {
	EGRESS_REQUIRE_ROOT();
	DatapathEnv env;
	Bytes tcp =
	    PacketBuilder().ethernet().ipv4("198.18.0.5", "10.200.0.1").tcp(443, 40000).syn_ack().build();
	Bytes dns = PacketBuilder()
	                .ethernet()
	                .ipv4("10.0.0.10", "10.200.0.1")
	                .udp(53, 40000)
	                .payload(DnsBuilder::response(0x1234)
	                             .question("example.com")
	                             .answer_a("example.com", "93.184.216.34", 300)
	                             .build())
	                .build();
	Bytes truncated = Bytes(dns.begin(), dns.begin() + 14 + 20 + 4); // cut inside the UDP header
	EXPECT_EQ(env.ingress(tcp).retval, 1u);
	EXPECT_EQ(env.ingress(dns).retval, 1u);
	auto r = env.ingress(truncated);
	ASSERT_EQ(r.err, 0);
	EXPECT_EQ(r.retval, 1u);
	EXPECT_EQ(peers(env).size(), 1u); // the DNS server, as a UDP peer
}

} // namespace
