// The rule sets every filter of the traffic benchmark loads: N disjoint IPv4 prefixes with the
// length mix of ebpf-notes.md 5 (mostly /32 and /24), so nftables interval sets, ipset hash:net and
// our LPM trie hold exactly the same N elements (overlapping intervals would be merged by nft).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace egress::bench::peers {

struct Prefix {
	uint32_t addr = 0; // host order, host bits zero
	uint32_t len = 32;
};

// Each prefix sits in its own /20 of 16.0.0.0-95.255.255.255 (the range the server namespace
// routes to itself), lengths 40% /32, 30% /24, 20% /21-/23, 10% /20.
std::vector<Prefix> disjoint_prefixes(size_t n, uint32_t seed);

// A uniformly random address inside p.
uint32_t random_inside(const Prefix& p, std::mt19937& rng);

std::string addr_text(uint32_t host_order);
std::string prefix_text(const Prefix& p);

} // namespace egress::bench::peers
