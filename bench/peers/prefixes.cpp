#include "peers/prefixes.h"

#include <arpa/inet.h>

#include <unordered_set>

namespace egress::bench::peers {

std::vector<Prefix> disjoint_prefixes(size_t n, uint32_t seed) {
	std::mt19937 rng(seed);
	constexpr uint32_t kFirst = 16u << 24, kBlocks = 80u << 12; // /20 blocks in 16/8 .. 95/8
	std::unordered_set<uint32_t> used;
	std::vector<Prefix> out;
	out.reserve(n);
	while (out.size() < n && used.size() < kBlocks) {
		uint32_t block = rng() % kBlocks;
		if (!used.insert(block).second)
			continue;
		uint32_t r = rng() % 100;
		uint32_t len = r < 40 ? 32 : r < 70 ? 24 : r < 90 ? 21 + rng() % 3 : 20;
		uint32_t addr = kFirst + (block << 12) + (rng() & 0xfff);
		addr &= len == 32 ? ~0u : ~((1u << (32 - len)) - 1);
		out.push_back({addr, len});
	}
	return out;
}

uint32_t random_inside(const Prefix& p, std::mt19937& rng) {
	return p.len == 32 ? p.addr : p.addr | (rng() & ((1u << (32 - p.len)) - 1));
}

std::string addr_text(uint32_t host_order) {
	uint32_t be = htonl(host_order);
	char text[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &be, text, sizeof(text));
	return text;
}

std::string prefix_text(const Prefix& p) {
	return addr_text(p.addr) + "/" + std::to_string(p.len);
}

} // namespace egress::bench::peers
