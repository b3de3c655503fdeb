// datapath_bench: what the datapath costs, measured against empty programs of the same types, in
// a private netns + cgroup + bpffs (never on this machine's own interfaces or root cgroup).
//
//   1. cgroup_skb/egress on the path every packet of an already-judged TCP socket takes: in place
//      with bpf_stats under real TCP traffic, next to an empty cgroup_skb program attached to the
//      same cgroup (BPF_PROG_TEST_RUN cannot take this path: its fake socket has no type or
//      protocol). test_run figures of the destination-judged path are printed for reference.
//   2. connect4 ns per decision with 100k learned addresses and 20k CIDR prefixes loaded, random
//      destinations, learned hits and CIDR hits separately (bpf_stats; test_run does not support
//      sock_addr programs), next to an empty connect4 program.
//   3. bulk load of 20k prefixes + 100k addresses through the map writer (empty maps).
//
// bpf_stats are switched on with BPF_ENABLE_STATS, whose fd switches them off again when closed,
// so kernel.bpf_stats_enabled is left as it was.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "baseline.skel.h"
#include "bench_stats.h"
#include "common/unique_handle.h"
#include "datapath_env.h"
#include "egress.skel.h"
#include "fixtures.h"
#include "common/logger.h"
#include "kernel/libbpf_handles.h"
#include "kernel/libbpf_log.h"
#include "kernel/map_writer.h"
#include "system.h"

namespace {

using namespace egress;
using namespace egress::testlib;
using namespace egress::bench;
using Clock = std::chrono::steady_clock;

constexpr int kRuns = 5;
size_t kLearned = 100'000; // EGRESS_BENCH_LEARNED overrides (experiments)
constexpr size_t kPrefixes = 20'000;
constexpr int kConnects = 100'000;
constexpr int kTcpWrites = 100'000;
constexpr uint32_t kTestRunRepeat = 1'000'000;

struct Policy {
	std::vector<std::pair<egress_lpm4_key, egress_ports>> cidr;
	std::vector<std::pair<egress_learned4_key, egress_learned_value>> learned;
	std::vector<uint32_t> learned_addrs;                 // host order
	std::vector<std::pair<uint32_t, uint32_t>> prefixes; // host order address, length
};

// Prefix lengths mixed as in ebpf-notes.md 5: 40% /32, 30% /24, 20% /16-/23, 10% /8-/15, inside
// 16.0.0.0-95.255.255.255; learned addresses in 100.64.0.0/10, so the two never overlap.
Policy make_policy() {
	Policy p;
	std::mt19937 rng(42);
	std::set<std::pair<uint32_t, uint32_t>> seen;
	egress_ports any{};
	any.n_ranges = 1;
	any.ranges[0] = {0, 65535, EGRESS_PROTO_ANY, {}};
	while (p.prefixes.size() < kPrefixes) {
		uint32_t r = rng() % 100;
		uint32_t len = r < 40 ? 32 : r < 70 ? 24 : r < 90 ? 16 + rng() % 8 : 8 + rng() % 8;
		uint32_t addr = (16u + rng() % 80u) << 24 | (rng() & 0xffffff);
		addr &= len == 32 ? ~0u : ~((1u << (32 - len)) - 1);
		if (!seen.insert({addr, len}).second)
			continue;
		p.prefixes.push_back({addr, len});
		egress_lpm4_key k{len, {}};
		uint32_t be = htonl(addr);
		std::memcpy(k.addr, &be, 4);
		p.cidr.push_back({k, any});
	}
	std::set<uint32_t> used;
	uint64_t far = boot_ns_now() + 3600ULL * 1'000'000'000ULL;
	while (p.learned_addrs.size() < kLearned) {
		uint32_t addr = 0x64400000u | (rng() & 0x3fffff);
		if (!used.insert(addr).second)
			continue;
		p.learned_addrs.push_back(addr);
		egress_learned4_key k{};
		uint32_t be = htonl(addr);
		std::memcpy(k.addr, &be, 4);
		egress_learned_value v{};
		v.expires_ns = far;
		v.ttl = 300;
		v.ports = any;
		p.learned.push_back({k, v});
	}
	return p;
}

template <typename T>
T must(Result<T> r, const char* what) {
	if (!r.ok()) {
		std::fprintf(stderr, "%s: %s\n", what, r.error().to_string().c_str());
		std::exit(1);
	}
	return std::move(r.value());
}

void must(Status s, const char* what) {
	if (!s.ok()) {
		std::fprintf(stderr, "%s: %s\n", what, s.error().to_string().c_str());
		std::exit(1);
	}
}

void run_normal() {
	sched_param sp{};
	sched_setscheduler(0, SCHED_OTHER, &sp);
}

// Runs body in the client netns and guarded cgroup and measures two programs across it.
std::pair<double, double> measure_in_place(const NetnsPair& net, const ChildCgroup& cg, int prog, int empty,
                                           std::function<int()> body) {
	ProgStats p0 = prog_stats(prog), e0 = prog_stats(empty);
	int rc = run_in(net.client(), &cg, [&] {
		run_undisturbed();
		return body();
	});
	if (rc != 0) {
		std::fprintf(stderr, "measurement client failed with %d\n", rc);
		std::exit(1);
	}
	return {ns_per_run(p0, prog_stats(prog)), ns_per_run(e0, prog_stats(empty))};
}

int tcp_writer(const char* dst, uint16_t port) {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, dst, &a.sin_addr);
	for (int i = 0; i < 200 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0; ++i) {
		if (errno != ECONNREFUSED)
			return 2;
		usleep(10000);
		close(fd);
		fd = socket(AF_INET, SOCK_STREAM, 0);
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	char buf[64] = {};
	for (int i = 0; i < kTcpWrites; ++i)
		if (send(fd, buf, sizeof(buf), 0) != sizeof(buf))
			return 3;
	close(fd);
	return 0;
}

[[noreturn]] void tcp_sink(uint16_t port) {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 8) != 0)
		_exit(90);
	for (;;) {
		int c = accept(fd, nullptr, nullptr);
		char buf[65536];
		while (c >= 0 && recv(c, buf, sizeof(buf), 0) > 0) {
		}
		if (c >= 0)
			close(c);
	}
}

int udp_connects(const std::vector<uint32_t>& dsts) {
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(443);
	for (uint32_t d : dsts) {
		a.sin_addr.s_addr = htonl(d);
		if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
			return 4;
	}
	close(fd);
	return 0;
}

double test_run_median(int prog_fd, const Bytes& pkt) {
	std::vector<double> runs;
	for (int i = 0; i < kRuns; ++i) {
		auto r = prog_test_run(prog_fd, pkt, kTestRunRepeat);
		if (r.err)
			return -1;
		runs.push_back(r.duration_ns);
	}
	return median(runs);
}

void row(const char* what, double value, const char* unit, double baseline, const char* target, bool ok) {
	char base[32] = "", ratio[32] = "";
	if (baseline > 0) {
		std::snprintf(base, sizeof(base), "%.1f %s", baseline, unit);
		std::snprintf(ratio, sizeof(ratio), "%.2fx", value / baseline);
	}
	std::printf("| %-58s | %9.1f %-2s | %-11s | %-6s | %-16s | %-4s |\n", what, value, unit, base, ratio,
	            target, target[0] ? (ok ? "ok" : "MISS") : "");
}

} // namespace

int main() {
	if (!is_root()) {
		std::fprintf(stderr, "datapath_bench needs root (BPF, namespaces, cgroups)\n");
		return 1;
	}
	if (const char* n = std::getenv("EGRESS_BENCH_LEARNED"))
		kLearned = std::stoul(n);
	kernel::install_libbpf_logger();
	log::set_level(log::Level::warn);
	NetnsPair net;
	ChildCgroup cg;
	PinDir pins;
	Policy policy = make_policy();

	kernel::DatapathOptions opts;
	opts.cgroup_path = cg.path();
	opts.pin_dir = pins.path() + "/egress";
	opts.sizes.cidr_entries = 32768;
	opts.sizes.learned_entries = 131072;
	auto dp = must(kernel::Datapath::load(opts), "loading the datapath");
	auto cidr4 = must(
	    kernel::TypedMap<egress_lpm4_key, egress_ports>::open(dp.map_fd(kernel::MapId::cidr4)), "cidr4");
	auto learned4 = must(kernel::TypedMap<egress_learned4_key, egress_learned_value>::open(
	                         dp.map_fd(kernel::MapId::learned4)),
	                     "learned4");

	// 3. bulk load, from empty maps each run
	std::vector<double> load_ms, load_cidr_ms;
	bool batched = false;
	run_undisturbed();
	for (int i = 0; i < kRuns; ++i) {
		must(cidr4.apply({}).context("clearing"), "clearing cidr4");
		must(learned4.apply({}).context("clearing"), "clearing learned4");
		auto t0 = Clock::now();
		auto a = must(cidr4.apply(policy.cidr), "loading prefixes");
		auto t1 = Clock::now();
		auto b = must(learned4.apply(policy.learned), "loading addresses");
		auto t2 = Clock::now();
		load_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t0).count());
		load_cidr_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
		batched = a.batched && b.batched;
	}

	run_normal();
	PolicyWriter pw(dp);
	pw.set_mode(EGRESS_MODE_ENFORCE);
	pw.cidr(std::string(NetnsPair::kServerV4) + "/32", make_ports({{EGRESS_PROTO_TCP, 9000, 9000}}));
	must(dp.attach(), "attaching");

	kernel::UniqueSkeleton<baseline_bpf> base(baseline_bpf::open_and_load());
	if (!base) {
		std::fprintf(stderr, "loading the baseline programs failed:\n%s\n",
		             kernel::take_libbpf_log().c_str());
		return 1;
	}
	UniqueFd cg_fd(open(cg.path().c_str(), O_RDONLY | O_DIRECTORY));
	kernel::UniqueLink empty_skb(bpf_program__attach_cgroup(base->progs.empty_skb, cg_fd.get()));
	kernel::UniqueLink empty_connect(bpf_program__attach_cgroup(base->progs.empty_connect4, cg_fd.get()));
	if (!empty_skb || !empty_connect) {
		std::fprintf(stderr, "attaching the baseline programs failed\n");
		return 1;
	}
	UniqueFd stats(bpf_enable_stats(BPF_STATS_RUN_TIME));
	if (!stats) {
		std::fprintf(stderr, "BPF_ENABLE_STATS failed: %s\n", std::strerror(errno));
		return 1;
	}

	egress_bpf* s = dp.skeleton();
	int skb_fd = bpf_program__fd(s->progs.skb_egress), connect_fd = bpf_program__fd(s->progs.connect4);
	int empty_skb_fd = bpf_program__fd(base->progs.empty_skb);
	int empty_connect_fd = bpf_program__fd(base->progs.empty_connect4);

	// 1. judged TCP socket, in place
	run("ip netns exec " + net.client() + " sysctl -qw net.ipv4.tcp_autocorking=0");
	ChildProcess sink(net.server(), nullptr, []() -> int { tcp_sink(9000); });
	std::vector<double> judged, judged_empty;
	for (int i = 0; i < kRuns; ++i) {
		auto [p, e] = measure_in_place(net, cg, skb_fd, empty_skb_fd,
		                               [] { return tcp_writer(NetnsPair::kServerV4, 9000); });
		judged.push_back(p);
		judged_empty.push_back(e);
	}

	// 2. connect4, random destinations
	std::mt19937 rng(7);
	std::vector<uint32_t> learned_dsts(kConnects), hot_dsts(kConnects), cidr_dsts(kConnects);
	for (auto& d : learned_dsts)
		d = policy.learned_addrs[rng() % policy.learned_addrs.size()];
	// The same map, but destinations drawn from 1,000 of its addresses: what a node that talks to a
	// few hundred endpoints sees, with the entries in cache.
	for (auto& d : hot_dsts)
		d = policy.learned_addrs[rng() % std::min<size_t>(1000, policy.learned_addrs.size())];
	for (auto& d : cidr_dsts) {
		auto [addr, len] = policy.prefixes[rng() % policy.prefixes.size()];
		d = addr | (len == 32 ? 0 : rng() & ((1u << (32 - len)) - 1));
	}
	auto before = must(dp.counters(), "counters");
	std::vector<double> learned_ns, hot_ns, cidr_ns, connect_empty;
	for (int i = 0; i < kRuns; ++i) {
		auto [p, e] = measure_in_place(net, cg, connect_fd, empty_connect_fd,
		                               [&] { return udp_connects(learned_dsts); });
		learned_ns.push_back(p);
		connect_empty.push_back(e);
		auto [h, g] = measure_in_place(net, cg, connect_fd, empty_connect_fd,
		                               [&] { return udp_connects(hot_dsts); });
		hot_ns.push_back(h);
		connect_empty.push_back(g);
		auto [q, f] = measure_in_place(net, cg, connect_fd, empty_connect_fd,
		                               [&] { return udp_connects(cidr_dsts); });
		cidr_ns.push_back(q);
		connect_empty.push_back(f);
	}
	auto after = must(dp.counters(), "counters");
	auto delta = [&](uint32_t reason) {
		size_t i = EGRESS_COUNTER_INDEX(EGRESS_HOOK_CONNECT4, reason);
		return after[i] - before[i];
	};
	stats.reset();

	// test_run, for reference: the destination-judged path (raw sockets, ICMP), hot caches.
	Bytes to_cidr = PacketBuilder().ethernet().ipv4("10.200.0.1", "16.0.0.1").icmp(8, 0).build();
	{
		auto [addr, len] = policy.prefixes[0];
		char text[INET_ADDRSTRLEN];
		uint32_t be = htonl(addr);
		inet_ntop(AF_INET, &be, text, sizeof(text));
		to_cidr = PacketBuilder().ethernet().ipv4("10.200.0.1", text).icmp(8, 0).build();
	}
	char learned_text[INET_ADDRSTRLEN];
	uint32_t lbe = htonl(policy.learned_addrs[0]);
	inet_ntop(AF_INET, &lbe, learned_text, sizeof(learned_text));
	Bytes to_learned = PacketBuilder().ethernet().ipv4("10.200.0.1", learned_text).icmp(8, 0).build();
	run_undisturbed();
	double tr_empty = test_run_median(empty_skb_fd, to_cidr);
	double tr_cidr = test_run_median(skb_fd, to_cidr);
	double tr_learned = test_run_median(skb_fd, to_learned);

	double j = median(judged), je = median(judged_empty);
	double l = median(learned_ns), hot = median(hot_ns), c = median(cidr_ns), ce = median(connect_empty);
	double bulk = median(load_ms);

	std::printf("\ndatapath_bench: %s, kernel %s, %ld CPUs; median of %d runs\n", cpu_model().c_str(),
	            kernel_release().c_str(), sysconf(_SC_NPROCESSORS_ONLN), kRuns);
	std::printf(
	    "policy: %zu learned IPv4 addresses (hash), %zu CIDR prefixes (LPM); bpf_stats include ~30 ns of "
	    "bookkeeping per run, for both columns\n\n",
	    kLearned, kPrefixes);
	std::printf("| %-58s | %12s | %-11s | %-6s | %-16s | %-4s |\n", "measurement", "value", "empty prog",
	            "ratio", "target", "");
	std::printf("|%s|%s|%s|%s|%s|%s|\n", std::string(60, '-').c_str(), std::string(14, '-').c_str(),
	            std::string(13, '-').c_str(), std::string(8, '-').c_str(), std::string(18, '-').c_str(),
	            std::string(6, '-').c_str());
	row("cgroup_skb/egress, judged TCP socket (in place, ns/skb)", j, "ns", je, "<= 1.1x empty",
	    j <= 1.1 * je);
	row("connect4, learned hit, random dst (in place, ns/call)", l, "ns", ce, "<= 150 ns", l <= 150);
	row("connect4, learned hit, 1k hot dst of the 100k (in place)", hot, "ns", ce, "<= 150 ns",
	    hot <= 150);
	row("connect4, CIDR hit, random dst (in place, ns/call)", c, "ns", ce, "", true);
	row("bulk load 20k prefixes + 100k addresses (map writer)", bulk, "ms", 0, "<= 100 ms", bulk <= 100);
	row("test_run: skb_egress raw path, CIDR hit (hot)", tr_cidr, "ns", tr_empty, "", true);
	row("test_run: skb_egress raw path, learned hit (hot)", tr_learned, "ns", tr_empty, "", true);
	std::printf(
	    "\nconnect4 decisions counted: learned %llu, cidr %llu, other reasons %llu; batch writes: %s\n",
	    static_cast<unsigned long long>(delta(EGRESS_REASON_LEARNED)),
	    static_cast<unsigned long long>(delta(EGRESS_REASON_CIDR)),
	    static_cast<unsigned long long>(delta(EGRESS_REASON_NO_RULE) + delta(EGRESS_REASON_UDP_PROBE) +
	                                    delta(EGRESS_REASON_PORT)),
	    batched ? "yes" : "no (per element)");
	auto list = [](const std::vector<double>& v) {
		std::string out;
		for (double x : v)
			out += std::to_string(static_cast<int>(x + 0.5)) + " ";
		return out;
	};
	std::printf("  judged %s(empty %s)\n  learned %s\n  learned hot %s\n  cidr %s\n  connect empty %s\n  "
	            "bulk ms %s\n",
	            list(judged).c_str(), list(judged_empty).c_str(), list(learned_ns).c_str(),
	            list(hot_ns).c_str(), list(cidr_ns).c_str(), list(connect_empty).c_str(),
	            list(load_ms).c_str());
	std::printf("  of which prefixes ms %s\n", list(load_cidr_ms).c_str());
	(void)kernel::uninstall(opts.pin_dir);
	return 0;
}
