// iperf3 between a benchmark's namespaces: the server, and one timed client run (bench/README.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "fixtures.h"

namespace egress::bench::peers {

// `iperf3 -s -p port` in `netns`, output to /dev/null; killed with the returned process.
std::unique_ptr<testlib::ChildProcess> iperf3_server(const std::string& netns, uint16_t port);

// `iperf3 -c dst -p port -t seconds -J` in `netns` (and `cgroup`, when given): the Gbit/s the
// server received, or -1 when 20 attempts failed (the server may still be starting).
double iperf3_gbps(const std::string& netns, const testlib::ChildCgroup* cgroup, const std::string& dst,
                   uint16_t port, int seconds);

} // namespace egress::bench::peers
