// traffic_bench: aks-egress-guard beside its peers on the same traffic, each filter in its own
// netns pair (never this machine's interfaces): no filter; nftables (interval set, ct established
// accept); ipset hash:net + iptables; our datapath attached to a child cgroup holding the sender.
// At 1k, 10k and 50k prefixes:
//   - small UDP packets/s from a tight sendmmsg loop (1 flow, and 256 flows to random addresses
//     inside the prefixes), ns/packet over no filter, paired per round;
//   - cgroup_skb/egress ns/packet in place (bpf_stats) under the 256-flow traffic, since the
//     throughput difference is near the noise of a shared 2-CPU machine;
//   - TCP throughput (iperf3) as a sanity check;
// and the time to load 10k entries: map writer apply() vs `nft -f` vs `ipset restore`.
//
// Rounds interleave the filters (round r measures every filter once) so that a change of load on
// the shared machine hits all of them alike.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "baseline.skel.h"
#include "bench_stats.h"
#include "common/logger.h"
#include "common/unique_handle.h"
#include "datapath_env.h"
#include "egress.skel.h"
#include "fixtures.h"
#include "kernel/libbpf_handles.h"
#include "kernel/libbpf_log.h"
#include "kernel/map_writer.h"
#include "peers/iperf.h"
#include "peers/netfilter.h"
#include "peers/prefixes.h"
#include "peers/table.h"
#include "system.h"

namespace {

using namespace egress;
using namespace egress::testlib;
using namespace egress::bench;
using namespace egress::bench::peers;
using Clock = std::chrono::steady_clock;

constexpr uint16_t kUdpPort = 9999;
constexpr uint16_t kIperfPort = 5201;
constexpr size_t kFlows = 256;
constexpr int kBatch = 8; // datagrams per sendmmsg
constexpr size_t kPayload = 16;
const std::vector<size_t> kRuleCounts = {1000, 10000, 50000};

struct Options {
	int rounds = 7;
	double blast_s = 0.5;
	int tcp_rounds = 3;
	int tcp_seconds = 2;
	int update_runs = 5;
};

[[noreturn]] void die(const std::string& what) {
	std::fprintf(stderr, "traffic_bench: %s\n", what.c_str());
	std::exit(2);
}

template <typename T>
T must(Result<T> r, const char* what) {
	if (!r.ok())
		die(std::string(what) + ": " + r.error().to_string());
	return std::move(r.value());
}

void must(Status s, const char* what) {
	if (!s.ok())
		die(std::string(what) + ": " + s.error().to_string());
}

// Receives everything; echoes the warm-up datagrams ('W') from the address they were sent to
// (IP_PKTINFO), so the client's connected socket and conntrack both see a reply of the flow.
[[noreturn]] void udp_sink() {
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int one = 1, big = 4 << 20;
	setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	sockaddr_in me = v4(0, kUdpPort);
	if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&me), sizeof(me)) != 0)
		_exit(90);
	for (;;) {
		char buf[2048], ctl[256];
		sockaddr_in from{};
		iovec iov{buf, sizeof(buf)};
		msghdr m{};
		m.msg_name = &from;
		m.msg_namelen = sizeof(from);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl;
		m.msg_controllen = sizeof(ctl);
		ssize_t n = recvmsg(fd, &m, 0);
		if (n < 1 || buf[0] != 'W')
			continue;
		in_pktinfo info{};
		for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
				std::memcpy(&info, CMSG_DATA(c), sizeof(info));
		char out[CMSG_SPACE(sizeof(in_pktinfo))] = {};
		in_pktinfo reply{};
		reply.ipi_spec_dst = info.ipi_addr;
		iovec oiov{buf, static_cast<size_t>(n)};
		msghdr om{};
		om.msg_name = &from;
		om.msg_namelen = sizeof(from);
		om.msg_iov = &oiov;
		om.msg_iovlen = 1;
		om.msg_control = out;
		om.msg_controllen = sizeof(out);
		cmsghdr* c = CMSG_FIRSTHDR(&om);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
		std::memcpy(CMSG_DATA(c), &reply, sizeof(reply));
		sendmsg(fd, &om, 0);
	}
}

// Written by the measuring child, read by the parent (MAP_SHARED survives the fork).
struct BlastResult {
	uint64_t packets;
	double seconds;
};

// Exit codes: 0, or where it broke (a denied flow shows up as 11 with errno EPERM).
int blast(const std::vector<uint32_t>& dsts, bool warm, double seconds, BlastResult* out) {
	run_undisturbed();
	std::vector<int> fds;
	for (uint32_t d : dsts) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in a = v4(d, kUdpPort);
		if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
			return 10;
		fds.push_back(fd);
	}
	// Warm-up: one echoed datagram per flow makes it ESTABLISHED for conntrack, the case
	// `ct state established accept` is there for (and what a request/response flow looks like).
	// Without it (one-way traffic) conntrack never leaves NEW and every packet meets the set.
	char w = 'W';
	for (int fd : fds)
		if (warm && send(fd, &w, 1, 0) != 1)
			return 11;
	for (int fd : fds) {
		if (!warm)
			break;
		pollfd p{fd, POLLIN, 0};
		char buf[16];
		if (poll(&p, 1, 1000) != 1 || recv(fd, buf, sizeof(buf), 0) != 1)
			return 12;
	}
	char payload[kPayload];
	std::memset(payload, 'D', sizeof(payload));
	iovec iov{payload, sizeof(payload)};
	mmsghdr msgs[kBatch]{};
	for (auto& m : msgs) {
		m.msg_hdr.msg_iov = &iov;
		m.msg_hdr.msg_iovlen = 1;
	}
	uint64_t n = 0;
	size_t i = 0;
	auto t0 = Clock::now();
	auto end = t0 + std::chrono::duration<double>(seconds);
	Clock::time_point now;
	do {
		int r = sendmmsg(fds[i], msgs, kBatch, 0);
		if (r < 0 && errno != ENOBUFS)
			return 13;
		if (r > 0)
			n += static_cast<uint64_t>(r);
		if (++i == fds.size())
			i = 0;
		now = Clock::now();
	} while (now < end);
	out->packets = n;
	out->seconds = std::chrono::duration<double>(now - t0).count();
	for (int fd : fds)
		close(fd);
	return 0;
}

// One filter under test, in its own netns pair and cgroup.
struct Setup {
	std::string filter; // "none", "nftables", "ipset", "ours"
	size_t rules = 0;
	std::unique_ptr<NetnsPair> net;
	std::unique_ptr<ChildCgroup> cg;
	std::unique_ptr<PinDir> pins;
	std::optional<kernel::Datapath> dp;
	std::unique_ptr<NftPeer> nft;
	std::unique_ptr<IpsetPeer> ipset;
	std::unique_ptr<ChildProcess> sink, iperf;
	std::vector<uint32_t> one, many;
	std::vector<double> pps_one, pps_many, pps_oneway, gbps;

	~Setup() {
		if (dp) {
			dp.reset();
			(void)kernel::uninstall(pins->path() + "/egress");
		}
	}
};

std::vector<std::pair<egress_lpm4_key, egress_ports>> lpm_entries(const std::vector<Prefix>& prefixes) {
	std::vector<std::pair<egress_lpm4_key, egress_ports>> out;
	egress_ports any = any_port();
	for (const auto& p : prefixes) {
		egress_lpm4_key k{p.len, {}};
		uint32_t be = htonl(p.addr);
		std::memcpy(k.addr, &be, 4);
		out.push_back({k, any});
	}
	return out;
}

std::unique_ptr<Setup> make_setup(const std::string& filter, size_t rules, const std::vector<Prefix>& all) {
	auto s = std::make_unique<Setup>();
	s->filter = filter;
	s->rules = rules;
	s->net = std::make_unique<NetnsPair>();
	s->cg = std::make_unique<ChildCgroup>();
	// The server owns 16.0.0.0-95.255.255.255 (AnyIP), so every address of every prefix answers.
	for (const char* r : {"16.0.0.0/4", "32.0.0.0/3", "64.0.0.0/3"})
		run_or_throw("ip -n " + s->net->server() + " route add local " + std::string(r) + " dev lo");
	std::vector<Prefix> prefixes(all.begin(),
	                             all.begin() + static_cast<long>(std::max<size_t>(rules, 1)));
	std::mt19937 rng(static_cast<uint32_t>(rules) + 11);
	s->one = {random_inside(prefixes[rng() % prefixes.size()], rng)};
	while (s->many.size() < kFlows)
		s->many.push_back(random_inside(prefixes[rng() % prefixes.size()], rng));
	if (filter == "nftables") {
		s->nft = std::make_unique<NftPeer>(s->net->client(), prefixes);
	} else if (filter == "ipset") {
		s->ipset = std::make_unique<IpsetPeer>(s->net->client(), prefixes);
	} else if (filter == "ours") {
		s->pins = std::make_unique<PinDir>();
		kernel::DatapathOptions o;
		o.cgroup_path = s->cg->path();
		o.pin_dir = s->pins->path() + "/egress";
		o.sizes.cidr_entries = 65536;
		s->dp.emplace(must(kernel::Datapath::load(o), "loading the datapath"));
		PolicyWriter(*s->dp).set_mode(EGRESS_MODE_ENFORCE);
		auto cidr4 = must(kernel::TypedMap<egress_lpm4_key, egress_ports>::open(
		                      s->dp->map_fd(kernel::MapId::cidr4)),
		                  "cidr4");
		must(cidr4.apply(lpm_entries(prefixes)), "loading prefixes");
		must(s->dp->attach(), "attaching");
	}
	s->sink = std::make_unique<ChildProcess>(s->net->server(), nullptr, []() -> int { udp_sink(); });
	s->iperf = iperf3_server(s->net->server(), kIperfPort);
	return s;
}

double measure_pps(Setup& s, const std::vector<uint32_t>& dsts, bool warm, double seconds) {
	void* mem =
	    mmap(nullptr, sizeof(BlastResult), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap failed");
	auto* r = new (mem) BlastResult{0, 0};
	int rc = run_in(s.net->client(), s.cg.get(), [&] { return blast(dsts, warm, seconds, r); });
	double pps = r->seconds > 0 ? static_cast<double>(r->packets) / r->seconds : 0;
	munmap(mem, sizeof(BlastResult));
	if (rc != 0)
		die("UDP sender failed (" + std::to_string(rc) + ") with filter " + s.filter + " at " +
		    std::to_string(s.rules) + " rules");
	return pps;
}

double measure_tcp_gbps(Setup& s, int seconds) {
	double g = iperf3_gbps(s.net->client(), s.cg.get(), addr_text(s.one[0]), kIperfPort, seconds);
	if (g < 0)
		die("iperf3 failed with filter " + s.filter);
	return g;
}

std::string rules_text(size_t n) {
	return n >= 1000 ? std::to_string(n / 1000) + "k" : std::to_string(n);
}

std::string ratio_text(double a, double b) {
	if (b <= 0)
		return "-";
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.2fx", a / b);
	return buf;
}

struct UpdateTimes {
	std::vector<double> ours, nft, ipset;
};

// 10k entries into empty sets, the way each tool is driven: the map writer in process, the nft
// and ipset command-line tools with a file.
UpdateTimes update_times(const std::vector<Prefix>& prefixes, bool learned, int runs) {
	UpdateTimes t;
	NetnsPair net;
	ChildCgroup cg;
	PinDir pins;
	kernel::DatapathOptions o;
	o.cgroup_path = cg.path();
	o.pin_dir = pins.path() + "/egress";
	o.sizes.cidr_entries = 65536;
	o.sizes.learned_entries = 65536;
	{
		auto dp = must(kernel::Datapath::load(o), "loading the datapath");
		auto cidr4 = must(
		    kernel::TypedMap<egress_lpm4_key, egress_ports>::open(dp.map_fd(kernel::MapId::cidr4)),
		    "cidr4");
		auto learned4 = must(kernel::TypedMap<egress_learned4_key, egress_learned_value>::open(
		                         dp.map_fd(kernel::MapId::learned4)),
		                     "learned4");
		auto lpm = lpm_entries(prefixes);
		std::vector<std::pair<egress_learned4_key, egress_learned_value>> addrs;
		uint64_t far = boot_ns_now() + 3600ULL * 1'000'000'000ULL;
		for (const auto& p : prefixes) {
			egress_learned4_key k{};
			uint32_t be = htonl(p.addr);
			std::memcpy(k.addr, &be, 4);
			egress_learned_value v{};
			v.expires_ns = far;
			v.ttl = 300;
			v.ports = any_port();
			addrs.push_back({k, v});
		}
		for (int i = 0; i < runs; ++i) {
			must(cidr4.apply({}), "clearing");
			must(learned4.apply({}), "clearing");
			auto t0 = Clock::now();
			if (learned)
				must(learned4.apply(addrs), "loading addresses");
			else
				must(cidr4.apply(lpm), "loading prefixes");
			t.ours.push_back(
			    std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
		}
	}
	(void)kernel::uninstall(o.pin_dir);
	TempFile nft_file(nft_ruleset(prefixes, false));
	TempFile ipset_file(ipset_restore_input(prefixes));
	for (int i = 0; i < runs; ++i) {
		(void)timed_exec_ms(net.client(), {"nft", "delete", "table", "inet", "aegbench"});
		double n = timed_exec_ms(net.client(), {"nft", "-f", nft_file.path()});
		(void)timed_exec_ms(net.client(), {"ipset", "destroy", "aegallowed"});
		double s = timed_exec_ms(net.client(), {"ipset", "restore", "-file", ipset_file.path()});
		if (n < 0 || s < 0)
			die("nft -f or ipset restore failed");
		t.nft.push_back(n);
		t.ipset.push_back(s);
	}
	(void)timed_exec_ms(net.client(), {"nft", "delete", "table", "inet", "aegbench"});
	(void)timed_exec_ms(net.client(), {"ipset", "destroy", "aegallowed"});
	return t;
}

void update_row(const std::string& what, const UpdateTimes& t) {
	Spread o = spread(t.ours), n = spread(t.nft), s = spread(t.ipset);
	bool ok = o.median * 5 <= n.median && o.median * 5 <= s.median;
	print_row(what, cell(o, "ms", 1), cell(n, "ms", 1), cell(s, "ms", 1), "-",
	          "nft " + ratio_text(n.median, o.median) + ", ipset " + ratio_text(s.median, o.median) +
	              " slower",
	          verdict(">= 5x faster than both", ok));
}

std::string loadavg() {
	std::string s = read_file("/proc/loadavg");
	return s.substr(0, s.find(' ', s.find(' ', s.find(' ') + 1) + 1));
}

} // namespace

int main(int argc, char** argv) {
	if (!is_root()) {
		std::fprintf(stderr, "traffic_bench needs root (BPF, namespaces, cgroups, netfilter)\n");
		return 1;
	}
	Options opt;
	bool header = true;
	for (int i = 1; i < argc; ++i) {
		std::string a = argv[i];
		if (a == "--quick") {
			opt = {3, 0.2, 1, 1, 3};
		} else if (a == "--no-header") {
			header = false;
		} else {
			std::fprintf(stderr, "usage: traffic_bench [--quick] [--no-header]\n");
			return 2;
		}
	}
	kernel::install_libbpf_logger();
	log::set_level(log::Level::warn);
	std::string load_before = loadavg();

	auto all = disjoint_prefixes(kRuleCounts.back(), 42);
	std::vector<std::unique_ptr<Setup>> setups;
	setups.push_back(make_setup("none", 0, all));
	for (size_t n : kRuleCounts)
		for (const char* f : {"nftables", "ipset", "ours"})
			setups.push_back(make_setup(f, n, all));
	Setup& none = *setups[0];
	auto find = [&](const std::string& f, size_t n) -> Setup& {
		for (auto& s : setups)
			if (s->filter == f && s->rules == n)
				return *s;
		die("no setup " + f);
	};

	for (int r = 0; r < opt.rounds; ++r)
		for (auto& s : setups) {
			s->pps_one.push_back(measure_pps(*s, s->one, true, opt.blast_s));
			s->pps_many.push_back(measure_pps(*s, s->many, true, opt.blast_s));
			s->pps_oneway.push_back(measure_pps(*s, s->many, false, opt.blast_s));
		}
	for (int r = 0; r < opt.tcp_rounds; ++r)
		for (auto& s : setups)
			s->gbps.push_back(measure_tcp_gbps(*s, opt.tcp_seconds));

	// In place: what cgroup_skb/egress (and connect4, at the warm-up) cost under the 256-flow load.
	// An empty cgroup_skb/egress program rides along on the same cgroup, so its figure (the
	// harness and bpf_stats bookkeeping) is measured under the same packets.
	std::vector<double> skb_ns, skb_empty_ns, connect_ns;
	{
		kernel::UniqueSkeleton<baseline_bpf> base(baseline_bpf::open_and_load());
		if (!base)
			die("loading the baseline programs failed: " + kernel::take_libbpf_log());
		int empty = bpf_program__fd(base->progs.empty_skb);
		UniqueFd stats(bpf_enable_stats(BPF_STATS_RUN_TIME));
		if (!stats)
			die(std::string("BPF_ENABLE_STATS failed: ") + std::strerror(errno));
		for (size_t n : kRuleCounts) {
			Setup& s = find("ours", n);
			UniqueFd cg_fd(open(s.cg->path().c_str(), O_RDONLY | O_DIRECTORY));
			kernel::UniqueLink link(
			    bpf_program__attach_cgroup(base->progs.empty_skb, cg_fd.get()));
			if (!link)
				die("attaching the empty program failed");
			int skb = bpf_program__fd(s.dp->skeleton()->progs.skb_egress);
			int con = bpf_program__fd(s.dp->skeleton()->progs.connect4);
			std::vector<double> a, e, c;
			for (int r = 0; r < opt.rounds; ++r) {
				ProgStats a0 = prog_stats(skb), c0 = prog_stats(con), e0 = prog_stats(empty);
				measure_pps(s, s.many, true, opt.blast_s);
				a.push_back(ns_per_run(a0, prog_stats(skb)));
				e.push_back(ns_per_run(e0, prog_stats(empty)));
				c.push_back(ns_per_run(c0, prog_stats(con)));
			}
			skb_ns.push_back(spread(a).median);
			skb_empty_ns.push_back(spread(e).median);
			connect_ns.push_back(spread(c).median);
		}
	}

	UpdateTimes upd_prefixes =
	    update_times(std::vector<Prefix>(all.begin(), all.begin() + 10000), false, opt.update_runs);
	std::vector<Prefix> addrs;
	for (size_t i = 0; i < 10000; ++i)
		addrs.push_back({all[i].addr, 32});
	UpdateTimes upd_addrs = update_times(addrs, true, opt.update_runs);
	std::string load_after = loadavg();

	std::printf("\ntraffic_bench: %s, kernel %s, %ld CPUs; %d interleaved rounds of %.1f s per filter; "
	            "load average %s (start) / %s (end)\n\n",
	            cpu_model().c_str(), kernel_release().c_str(), sysconf(_SC_NPROCESSORS_ONLN), opt.rounds,
	            opt.blast_s, load_before.c_str(), load_after.c_str());
	if (header)
		print_header();
	for (int pattern = 0; pattern < 3; ++pattern) {
		const char* what = pattern == 0   ? "1 flow"
		                   : pattern == 1 ? "256 flows, random dst in the prefixes"
		                                  : "256 flows, one-way (conntrack stays NEW)";
		auto pps = [&](Setup& s) {
			return pattern == 0 ? s.pps_one : pattern == 1 ? s.pps_many : s.pps_oneway;
		};
		auto kpps = [&](Setup& s) {
			auto v = pps(s);
			for (auto& x : v)
				x /= 1000;
			return cell(spread(v), "kpps");
		};
		for (size_t n : kRuleCounts) {
			Setup &o = find("ours", n), &nf = find("nftables", n), &ip = find("ipset", n);
			std::string label =
			    "UDP 16 B, " + std::string(what) + ", " + rules_text(n) + " prefixes";
			print_row(label + ": packets/s", kpps(o), kpps(nf), kpps(ip),
			          kpps(none) + " (no filter)", "-", "-");
			Spread so = spread(added_ns(pps(o), pps(none))),
			       sn = spread(added_ns(pps(nf), pps(none))),
			       si = spread(added_ns(pps(ip), pps(none)));
			// A difference whose spread reaches 0 is noise of the shared machine, not a cost.
			std::string target =
			    sn.lo <= 0 ? "<= 0.2x nftables: not resolved (nftables' spread reaches 0)"
			    : so.lo <= 0
			        ? "<= 0.2x nftables: ours not resolved from 0 (see the in-place rows)"
			        : verdict("<= 0.2x nftables", so.median <= 0.2 * sn.median);
			print_row(label + ": ns/packet over no filter", cell(so, "ns"), cell(sn, "ns"),
			          cell(si, "ns"), "0 (no filter)",
			          "ours/nft " + ratio_text(so.median, sn.median), target);
		}
	}
	for (size_t i = 0; i < kRuleCounts.size(); ++i) {
		size_t n = kRuleCounts[i];
		Spread nft_ns = spread(added_ns(find("nftables", n).pps_many, none.pps_many));
		print_row("in place (bpf_stats): cgroup_skb/egress ns/packet, 256 flows, " + rules_text(n) +
		              " prefixes; nftables column: its throughput-derived ns/packet",
		          cell(skb_ns[i], "ns"), cell(nft_ns, "ns"), "-",
		          cell(skb_empty_ns[i], "ns") + " (empty prog)",
		          "ours/nft " + ratio_text(skb_ns[i], nft_ns.median),
		          verdict("<= 0.2x nftables", skb_ns[i] <= 0.2 * nft_ns.median));
		print_row("in place (bpf_stats): connect4 ns/call at the flows' setup, " + rules_text(n) +
		              " prefixes",
		          cell(connect_ns[i], "ns"), "-", "-", "-", "-", "-");
	}
	for (size_t n : kRuleCounts) {
		auto g = [&](Setup& s) { return cell(spread(s.gbps), "Gbit/s", 1); };
		Setup& o = find("ours", n);
		print_row("TCP iperf3 " + std::to_string(opt.tcp_seconds) + " s, 1 flow, " + rules_text(n) +
		              " prefixes",
		          g(o), g(find("nftables", n)), g(find("ipset", n)), g(none) + " (no filter)",
		          "ours/no filter " + ratio_text(spread(o.gbps).median, spread(none.gbps).median),
		          "sanity only");
	}
	update_row("load 10k prefixes into an empty set (map writer / nft -f / ipset restore)", upd_prefixes);
	update_row("load 10k addresses into an empty set (learned map / nft -f / ipset restore)", upd_addrs);
	return 0;
}
