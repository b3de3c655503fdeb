// Writes the seed records of corpus/event, built from the abi.h structs themselves so that the
// seeds follow the layout: a few valid deny and learn events (IPv4, IPv6, with and without process
// context, a record longer than its struct) and a few near misses (short, unknown family/type).
#include <arpa/inet.h>
#include <egress/abi.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

template <typename T>
std::vector<unsigned char> bytes_of(const T& v, size_t size = sizeof(T)) {
	std::vector<unsigned char> b(size, 0);
	std::memcpy(b.data(), &v, sizeof(T) < size ? sizeof(T) : size);
	return b;
}

egress_deny_event deny(int family, const char* src, const char* dst, const char* comm) {
	egress_deny_event e;
	std::memset(&e, 0, sizeof(e));
	e.type = EGRESS_EVENT_DENY;
	e.verdict = EGRESS_VERDICT_DENY;
	e.hook = family == AF_INET ? EGRESS_HOOK_CONNECT4 : EGRESS_HOOK_CONNECT6;
	e.reason = EGRESS_REASON_NO_RULE;
	e.family = static_cast<__u8>(family);
	e.proto = IPPROTO_TCP;
	e.sport = htons(43512);
	e.dport = htons(443);
	e.pid = 4242;
	e.ts_ns = 123456789012345ULL;
	e.cgroup_id = 8812;
	e.policy_generation = 7;
	inet_pton(family, src, e.saddr);
	inet_pton(family, dst, e.daddr);
	std::strncpy(e.comm, comm, sizeof(e.comm));
	e.sock_cookie = 0x1122334455667788ULL;
	return e;
}

egress_learn_event learn(int family, const char* addr, const char* name) {
	egress_learn_event e;
	std::memset(&e, 0, sizeof(e));
	e.type = EGRESS_EVENT_LEARN;
	e.family = static_cast<__u8>(family);
	e.ttl = 300;
	e.ts_ns = 987654321000ULL;
	e.cgroup_id = 8812;
	e.expires_ns = e.ts_ns + 330ULL * 1000000000ULL;
	inet_pton(family, addr, e.addr);
	std::strncpy(e.name, name, sizeof(e.name) - 1);
	return e;
}

} // namespace

int main(int argc, char** argv) {
	if (argc != 2) {
		std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
		return 2;
	}
	std::string dir = argv[1];
	auto write = [&](const char* name, const std::vector<unsigned char>& b) {
		std::string path = dir + "/" + name;
		FILE* f = std::fopen(path.c_str(), "wb");
		if (!f || std::fwrite(b.data(), 1, b.size(), f) != b.size() || std::fclose(f) != 0) {
			std::perror(path.c_str());
			std::exit(1);
		}
	};

	auto d4 = deny(AF_INET, "10.244.1.17", "93.184.216.34", "curl");
	auto d6 = deny(AF_INET6, "fd00:10:244::17", "2001:db8::443", "python3.11-worker");
	auto skb = deny(AF_INET, "10.244.1.17", "203.0.113.9", "");
	skb.hook = EGRESS_HOOK_SKB_EGRESS;
	skb.verdict = EGRESS_VERDICT_AUDIT;
	skb.proto = IPPROTO_UDP;
	skb.pid = 0;
	skb.sock_cookie = 0;
	auto l4 = learn(AF_INET, "20.60.1.4", "mcr.microsoft.com");
	auto l6 = learn(AF_INET6, "2603:1030::7", "login.microsoftonline.com");
	auto bad_family = d4;
	bad_family.family = 7;

	write("deny_v4_connect", bytes_of(d4));
	write("deny_v6_connect", bytes_of(d6));
	write("audit_v4_skb", bytes_of(skb));
	write("deny_v4_longer_record", bytes_of(d4, sizeof(d4) + 16));
	write("learn_v4", bytes_of(l4));
	write("learn_v6", bytes_of(l6));
	write("short_deny", bytes_of(d4, sizeof(d4) - 1));
	write("short_learn", bytes_of(l4, 40));
	write("bad_family", bytes_of(bad_family));
	auto unknown = bytes_of(l4);
	unknown[0] = 9;
	write("unknown_type", unknown);
	return 0;
}
