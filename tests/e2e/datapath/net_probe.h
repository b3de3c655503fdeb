// Tiny clients and servers for the datapath e2e tests. Clients return 0 on success or the errno
// that stopped them (EPERM is what a BPF deny looks like); servers loop until killed.
#pragma once

#include <cstdint>
#include <string>

namespace egress::testlib {

// Connects (TCP) and reads the greeter's "hi". IPv4, IPv6 or "::ffff:a.b.c.d" literals.
int tcp_hello(const std::string& addr, uint16_t port);
// A UDP round trip to an echo server: connected (connect + send) or not (sendto).
int udp_echo_round_trip(const std::string& addr, uint16_t port, bool connected);
// One unconnected datagram, no answer expected.
int udp_send(const std::string& addr, uint16_t port);
// socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) + sendto of one echo request.
int raw_icmp_echo(const std::string& addr);

[[noreturn]] void run_tcp_greeter(const std::string& addr, uint16_t port);
[[noreturn]] void run_udp_echo(const std::string& addr, uint16_t port);

} // namespace egress::testlib
