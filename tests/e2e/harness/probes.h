// The client side of the simulated node's listeners (every TCP and UDP listener answers "hi"), for
// probes that run in the node, in a pod or on the internet side. Each returns 0 or the errno that
// stopped it (EPERM is a deny, EPROTO a wrong answer); none of them throws.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>

namespace egress::e2e {

// Throws std::runtime_error for a string that is not an IPv4 address (a test's own mistake).
sockaddr_in v4_sockaddr(const std::string& addr, std::uint16_t port);

// Reads the listener's "hi" from a connected socket (2 s).
int read_hello(int fd);

// TCP connect and read "hi" (ECONNREFUSED while the listener starts is retried for a second).
int tcp_hello(const std::string& addr, std::uint16_t port);

// A UDP datagram and its "hi" (asked up to three times).
int udp_hello(const std::string& addr, std::uint16_t port);

// One A query (a fresh id) to `server`:53 over a connected UDP socket: 0 and the first A record
// in `first` ("" when there is none), or an errno (EPROTO for an answer to another query).
int dns_query(const std::string& name, const std::string& server, std::string& first);

} // namespace egress::e2e
