// The few bytes of DNS the harness's pod probes need (RFC 1035 4.1): an A query and the first A
// record of its answer. The project's own parser (userspace/dns) is what is under test; probes
// stay independent of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace egress::e2e {

// Header (id, RD), one question of `qtype` (A = 1) class IN.
std::vector<uint8_t> a_query(const std::string& name, uint16_t id, uint16_t qtype = 1);
// The first A record of a response to `id`, dotted; "" when there is none or the id differs.
std::string first_a(const uint8_t* msg, size_t n, uint16_t id);

} // namespace egress::e2e
