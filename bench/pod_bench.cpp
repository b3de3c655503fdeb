// pod_bench: the pod-interface program (pod_ingress/pod_egress on the host side of a pod's veth)
// beside nftables in FORWARD on the same routed pod, measured in the same run. Each filter has its
// own three namespaces (never this machine's interfaces): "pod" (10.244.0.5 behind a veth, as a
// routed CNI wires it), "node" (forwards; where the filter sits) and "internet" (owns
// 16.0.0.0-95.255.255.255, so every address of the prefixes answers).
//   none      nothing in the node
//   nftables  table inet, interval set of the 1k prefixes, chain forward: `ct state
//             established,related accept`, `ip daddr @allowed accept`, policy drop
//   ours      the datapath loaded with the same prefixes in its CIDR map, its pod programs on the
//             node's side of the veth (PodLayer: TCX on 6.6+, else TC), nothing on any cgroup
// Rows (bench/README.md):
//   - an established TCP flow: 16-byte writes with TCP_NODELAY, packets counted on the veth;
//   - 256 established UDP flows (each answered once: conntrack ESTABLISHED, our flow table hit),
//     16-byte datagrams with sendmmsg: the forward path is a larger share of a packet's cost;
//     ns/packet over no filter (paired by round) for both, and ours in place (bpf_stats of both pod
//     programs per data packet, its ACKs included);
//   - new flows: one UDP datagram to each of 20k fresh addresses inside the prefixes (each a new
//     conntrack entry for nftables, a CIDR lookup and a flow-table insert for us), timed;
//   - TCP throughput, iperf3.
// Rounds interleave the filters so that a change of load on the shared machine hits all alike.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "bench_stats.h"
#include "common/ip_address.h"
#include "common/logger.h"
#include "common/unique_handle.h"
#include "datapath_env.h"
#include "egress.skel.h"
#include "fixtures.h"
#include "kernel/libbpf_log.h"
#include "kernel/map_writer.h"
#include "kernel/pod_layer.h"
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

constexpr const char* kPod = "10.244.0.5";
constexpr uint16_t kTcpPort = 7001;
constexpr uint16_t kUdpPort = 9999;
constexpr uint16_t kEchoPort = 9998;
constexpr size_t kFlows = 256;
constexpr uint16_t kIperfPort = 5201;
constexpr size_t kRules = 1000;
constexpr size_t kNewFlowsPerRound = 20000;

struct Options {
	int rounds = 7;
	double tcp_s = 0.5;
	int iperf_rounds = 3;
	int iperf_seconds = 2;
};

[[noreturn]] void die(const std::string& what) {
	std::fprintf(stderr, "pod_bench: %s\n", what.c_str());
	std::exit(2);
}

// Three namespaces of one routed pod, removed on destruction.
struct PodNet {
	std::string pod = unique_name("aegpbp"), node = unique_name("aegpbn"), inet = unique_name("aegpbi");
	std::string host_if = "aegpv0"; // the node's side of the pod's veth (names are per netns)

	PodNet() {
		for (const auto& ns : {pod, node, inet})
			run_or_throw("ip netns add " + ns);
		const std::string n = "ip -n " + node + " ", p = "ip -n " + pod + " ",
		                  i = "ip -n " + inet + " ";
		run_or_throw(n + "link add " + host_if + " type veth peer name eth0 netns " + pod);
		run_or_throw(n + "link add up0 type veth peer name up1 netns " + inet);
		for (const auto& ns : {pod, node, inet})
			run_or_throw("ip -n " + ns + " link set lo up");
		run_or_throw(p + "addr add " + kPod + "/24 dev eth0");
		run_or_throw(p + "link set eth0 up");
		run_or_throw(p + "route add default via 10.244.0.1");
		run_or_throw(n + "addr add 10.244.0.1/24 dev " + host_if);
		run_or_throw(n + "link set " + host_if + " up");
		run_or_throw(n + "addr add 10.201.0.1/24 dev up0");
		run_or_throw(n + "link set up0 up");
		run_or_throw(n + "route add default via 10.201.0.2");
		run_or_throw("ip netns exec " + node + " sysctl -qw net.ipv4.ip_forward=1");
		run_or_throw(i + "addr add 10.201.0.2/24 dev up1");
		run_or_throw(i + "link set up1 up");
		run_or_throw(i + "route add 10.244.0.0/24 via 10.201.0.1");
		for (const char* r : {"16.0.0.0/4", "32.0.0.0/3", "64.0.0.0/3"})
			run_or_throw(i + "route add local " + std::string(r) + " dev lo");
		// Small writes leave as small segments (autocorking would merge them while one is queued).
		(void)run("ip netns exec " + pod + " sysctl -qw net.ipv4.tcp_autocorking=0");
	}
	~PodNet() {
		for (const auto& ns : {pod, node, inet})
			(void)run("ip netns del " + ns);
	}
	PodNet(const PodNet&) = delete;
	PodNet& operator=(const PodNet&) = delete;

	// Frames the node received from the pod (its side of the veth).
	uint64_t from_pod_packets() const {
		auto j = nlohmann::json::parse(run_or_throw("ip -n " + node + " -s -j link show " + host_if));
		return j.at(0).at("stats64").at("rx").at("packets").get<uint64_t>();
	}
	int host_ifindex() const {
		auto j = nlohmann::json::parse(run_or_throw("ip -n " + node + " -j link show " + host_if));
		return j.at(0).at("ifindex").get<int>();
	}
};

// Receives and discards: a TCP sink and a UDP sink in the internet namespace.
[[noreturn]] void sinks() {
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	sockaddr_in ua = v4(0, kUdpPort);
	int big = 4 << 20;
	setsockopt(u, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(u, reinterpret_cast<sockaddr*>(&ua), sizeof(ua)) != 0)
		_exit(90);
	if (fork() == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); // ChildProcess kills the sink; this one goes with it
		for (char buf[2048];;)
			(void)!recv(u, buf, sizeof(buf), 0);
	}
	int t = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sockaddr_in ta = v4(0, kTcpPort);
	if (bind(t, reinterpret_cast<sockaddr*>(&ta), sizeof(ta)) != 0 || listen(t, 16) != 0)
		_exit(91);
	for (;;) {
		int c = accept(t, nullptr, nullptr);
		if (c >= 0 && fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (char buf[65536]; read(c, buf, sizeof(buf)) > 0;) {
			}
			_exit(0);
		}
		if (c >= 0)
			close(c);
	}
}

// One socket bound to each flow's address echoes that flow's warm-up datagram ('W'), so the reply
// has the flow's address as its source and conntrack sees the flow ESTABLISHED.
[[noreturn]] void udp_echo(const std::vector<uint32_t>& dsts) {
	std::vector<pollfd> fds;
	for (uint32_t d : dsts) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in a = v4(d, kEchoPort);
		if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
			_exit(92);
		fds.push_back({fd, POLLIN, 0});
	}
	for (;;) {
		if (poll(fds.data(), fds.size(), -1) <= 0)
			continue;
		for (auto& p : fds) {
			if (!(p.revents & POLLIN))
				continue;
			char buf[2048];
			sockaddr_in from{};
			socklen_t len = sizeof(from);
			ssize_t n =
			    recvfrom(p.fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
			if (n >= 1 && buf[0] == 'W')
				sendto(p.fd, buf, static_cast<size_t>(n), 0,
				       reinterpret_cast<sockaddr*>(&from), len);
		}
	}
}

struct Shared {
	double seconds;
};

// 256 connected UDP flows, each answered once, then 16-byte datagrams round robin for `seconds`.
int udp_established(const std::vector<uint32_t>& dsts, double seconds, Shared* out) {
	run_undisturbed();
	std::vector<int> fds;
	for (uint32_t d : dsts) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in a = v4(d, kEchoPort);
		if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
			return 10;
		char w = 'W', buf[16];
		pollfd p{fd, POLLIN, 0};
		if (send(fd, &w, 1, 0) != 1 || poll(&p, 1, 1000) != 1 || recv(fd, buf, sizeof(buf), 0) != 1)
			return 12;
		fds.push_back(fd);
	}
	constexpr int kBatch = 8;
	char payload[16];
	std::memset(payload, 'D', sizeof(payload));
	iovec iov{payload, sizeof(payload)};
	mmsghdr msgs[kBatch]{};
	for (auto& m : msgs) {
		m.msg_hdr.msg_iov = &iov;
		m.msg_hdr.msg_iovlen = 1;
	}
	size_t i = 0;
	auto t0 = Clock::now();
	auto end = t0 + std::chrono::duration<double>(seconds);
	Clock::time_point now;
	do {
		if (sendmmsg(fds[i], msgs, kBatch, 0) < 0 && errno != ENOBUFS)
			return 13;
		if (++i == fds.size())
			i = 0;
		now = Clock::now();
	} while (now < end);
	out->seconds = std::chrono::duration<double>(now - t0).count();
	for (int fd : fds)
		close(fd);
	return 0;
}

// An established TCP flow writing 16-byte segments (TCP_NODELAY) for `seconds`.
int tcp_small(uint32_t dst, double seconds, Shared* out) {
	run_undisturbed();
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sockaddr_in a = v4(dst, kTcpPort);
	if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
		return 10;
	char payload[16];
	std::memset(payload, 'D', sizeof(payload));
	auto t0 = Clock::now();
	auto end = t0 + std::chrono::duration<double>(seconds);
	Clock::time_point now;
	do {
		if (write(fd, payload, sizeof(payload)) <= 0)
			return 11;
		now = Clock::now();
	} while (now < end);
	out->seconds = std::chrono::duration<double>(now - t0).count();
	close(fd);
	return 0;
}

// One datagram to each address (every one a new flow), as fast as sendmmsg takes them.
int new_flows(const std::vector<uint32_t>& dsts, Shared* out) {
	run_undisturbed();
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return 10;
	constexpr size_t kBatch = 8;
	char payload[16];
	std::memset(payload, 'N', sizeof(payload));
	iovec iov{payload, sizeof(payload)};
	std::vector<sockaddr_in> addrs(kBatch);
	mmsghdr msgs[kBatch]{};
	auto t0 = Clock::now();
	for (size_t i = 0; i < dsts.size();) {
		size_t n = std::min(kBatch, dsts.size() - i);
		for (size_t k = 0; k < n; ++k) {
			addrs[k] = v4(dsts[i + k], kUdpPort);
			msgs[k].msg_hdr = {};
			msgs[k].msg_hdr.msg_name = &addrs[k];
			msgs[k].msg_hdr.msg_namelen = sizeof(sockaddr_in);
			msgs[k].msg_hdr.msg_iov = &iov;
			msgs[k].msg_hdr.msg_iovlen = 1;
		}
		int r = sendmmsg(fd, msgs, static_cast<unsigned>(n), 0);
		if (r < 0 && errno != ENOBUFS)
			return 11;
		if (r > 0)
			i += static_cast<size_t>(r);
	}
	out->seconds = std::chrono::duration<double>(Clock::now() - t0).count();
	close(fd);
	return 0;
}

// Packets/s of the flow from the pod, and ours in place (both pod programs, per data packet).
struct Sample {
	double pps = 0, inplace_ns = 0, ingress_ns = 0; // ingress_ns: pod_ingress alone, per run
};

// One kind of traffic over the rounds.
struct Series {
	std::vector<double> pps, inplace_ns, ingress_ns;
	void add(const Sample& x, bool ours) {
		pps.push_back(x.pps);
		if (ours) {
			inplace_ns.push_back(x.inplace_ns);
			ingress_ns.push_back(x.ingress_ns);
		}
	}
};

struct Setup {
	std::string filter; // "none", "nftables", "ours"
	std::unique_ptr<PodNet> net;
	std::unique_ptr<ChildCgroup> cg; // the datapath's (nothing is attached to it)
	std::unique_ptr<PinDir> pins;
	std::optional<kernel::Datapath> dp;
	std::optional<kernel::PodLayer> layer;
	std::unique_ptr<NftPeer> nft;
	std::unique_ptr<ChildProcess> sink, echo, iperf;
	Series tcp, udp, fresh; // established TCP, established UDP, new flows
	std::vector<double> gbps;

	~Setup();
};

// Runs fn with this thread in `netns` (the pod layer attaches in the current netns).
template <typename Fn>
void in_netns(const std::string& netns, Fn fn) {
	UniqueFd self(open("/proc/self/ns/net", O_RDONLY));
	UniqueFd target(open(("/run/netns/" + netns).c_str(), O_RDONLY));
	if (!self || !target || setns(target.get(), CLONE_NEWNET) != 0)
		die("entering netns " + netns + ": " + std::strerror(errno));
	fn();
	if (setns(self.get(), CLONE_NEWNET) != 0)
		die("leaving netns " + netns);
}

Setup::~Setup() {
	// Detached in the node's netns (an ifindex means nothing elsewhere), so that uninstall finds no
	// pod interface left to take TC filters off in this process's netns.
	if (layer) {
		uint32_t ifindex = static_cast<uint32_t>(net->host_ifindex());
		in_netns(net->node, [&] { (void)layer->detach(ifindex); });
		layer.reset();
	}
	if (dp) {
		dp.reset();
		in_netns(net->node, [&] { (void)kernel::uninstall(pins->path() + "/egress"); });
	}
}

std::unique_ptr<Setup> make_setup(const std::string& filter, const std::vector<Prefix>& prefixes,
                                  const std::vector<uint32_t>& flows) {
	auto s = std::make_unique<Setup>();
	s->filter = filter;
	s->net = std::make_unique<PodNet>();
	s->cg = std::make_unique<ChildCgroup>();
	if (filter == "nftables") {
		s->nft = std::make_unique<NftPeer>(s->net->node, prefixes, std::vector<std::string>{}, true,
		                                   "forward");
	} else if (filter == "ours") {
		s->pins = std::make_unique<PinDir>();
		kernel::DatapathOptions o;
		o.cgroup_path = s->cg->path();
		o.pin_dir = s->pins->path() + "/egress";
		o.sizes.cidr_entries = 65536;
		auto dp = kernel::Datapath::load(o);
		if (!dp.ok())
			die("loading the datapath: " + dp.error().to_string());
		s->dp.emplace(std::move(*dp));
		PolicyWriter(*s->dp).set_mode(EGRESS_MODE_ENFORCE);
		for (const auto& p : prefixes)
			PolicyWriter(*s->dp).cidr(prefix_text(p), any_port());
		s->layer.emplace(*s->dp);
		kernel::PodInterface pod;
		pod.ifindex = s->net->host_ifindex();
		pod.ifname = s->net->host_if;
		auto ip = ip_from_af(AF_INET, std::array<uint8_t, 4>{10, 244, 0, 5}.data());
		pod.prefixes.push_back({*ip, 32});
		in_netns(s->net->node, [&] {
			auto r = s->layer->attach(pod, s->cg->id());
			if (!r.ok())
				die("attaching the pod programs: " + r.error().to_string());
		});
	}
	s->sink = std::make_unique<ChildProcess>(s->net->inet, nullptr, []() -> int { sinks(); });
	s->echo =
	    std::make_unique<ChildProcess>(s->net->inet, nullptr, [flows]() -> int { udp_echo(flows); });
	s->iperf = iperf3_server(s->net->inet, kIperfPort);
	usleep(300000); // the sinks bind
	return s;
}

Shared* shared() {
	void* mem = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap failed");
	return new (mem) Shared{0};
}

template <typename Body>
Sample measure(Setup& s, Body body) {
	int in = s.dp ? bpf_program__fd(s.dp->skeleton()->progs.pod_ingress) : -1;
	int out = s.dp ? bpf_program__fd(s.dp->skeleton()->progs.pod_egress) : -1;
	ProgStats i0 = s.dp ? prog_stats(in) : ProgStats{}, o0 = s.dp ? prog_stats(out) : ProgStats{};
	uint64_t p0 = s.net->from_pod_packets();
	Shared* r = shared();
	int rc = run_in(s.net->pod, nullptr, [&] { return body(r); });
	double secs = r->seconds;
	munmap(r, sizeof(Shared));
	if (rc != 0)
		die("sender failed (" + std::to_string(rc) + ") with filter " + s.filter);
	uint64_t packets = s.net->from_pod_packets() - p0;
	Sample out_sample;
	out_sample.pps = secs > 0 ? static_cast<double>(packets) / secs : 0;
	if (s.dp && packets) {
		ProgStats i1 = prog_stats(in), o1 = prog_stats(out);
		out_sample.inplace_ns = static_cast<double>((i1.run_time_ns - i0.run_time_ns) +
		                                            (o1.run_time_ns - o0.run_time_ns)) /
		                        static_cast<double>(packets);
		out_sample.ingress_ns = ns_per_run(i0, i1);
	}
	return out_sample;
}

double measure_gbps(Setup& s, uint32_t dst, int seconds) {
	double g = iperf3_gbps(s.net->pod, nullptr, addr_text(dst), kIperfPort, seconds);
	if (g < 0)
		die("iperf3 failed with filter " + s.filter);
	return g;
}

// Distinct addresses inside the prefixes, shuffled: every round sends to a slice of its own.
std::vector<uint32_t> fresh_addresses(const std::vector<Prefix>& prefixes, size_t n) {
	std::mt19937 rng(7);
	std::vector<uint32_t> all;
	for (const auto& p : prefixes)
		for (uint64_t a = p.addr;
		     a < uint64_t(p.addr) + (uint64_t(1) << (32 - p.len)) && all.size() < 4 * n; ++a)
			all.push_back(static_cast<uint32_t>(a));
	std::shuffle(all.begin(), all.end(), rng);
	if (all.size() < n)
		die("the prefixes hold too few addresses");
	all.resize(n);
	return all;
}

std::string ratio_text(double a, double b) {
	char buf[64];
	std::snprintf(buf, sizeof(buf), "ours/nft %.2fx", b != 0 ? a / b : 0);
	return buf;
}

// The three rows of one kind of traffic: packets/s, ns/packet over no filter, ours in place.
void series_rows(const std::string& what, const Series& none, const Series& nft, const Series& ours,
                 const std::string& nft_path, const std::string& ours_path) {
	const std::string target = "<= 1/3 of nftables";
	auto nft_added = spread(added_ns(nft.pps, none.pps));
	auto ours_added = spread(added_ns(ours.pps, none.pps));
	auto in_place = spread(ours.inplace_ns);
	// As traffic_bench: a target is judged only where nftables' figure is resolved from 0.
	std::string judged = nft_added.lo <= 0 ? target + ": not resolved (nftables' spread reaches 0)"
	                                       : verdict(target, in_place.median <= nft_added.median / 3);
	print_row("pod interface, " + what + ": packets/s", cell(spread(ours.pps), "pps"),
	          cell(spread(nft.pps), "pps"), "-", cell(spread(none.pps), "pps") + " (no filter)", "-",
	          "-");
	print_row("pod interface, " + what + ": ns/packet over no filter (forwarded)", cell(ours_added, "ns"),
	          cell(nft_added, "ns") + " (FORWARD, " + nft_path + ")", "-", "0 (no filter)",
	          ratio_text(ours_added.median, nft_added.median), "-");
	print_row("pod interface, " + what + ": in place (bpf_stats, " + ours_path +
	              "); nftables column: its throughput-derived ns/packet",
	          cell(in_place, "ns") + " (pod_ingress alone " + cell(spread(ours.ingress_ns), "ns") +
	              "/run)",
	          cell(nft_added, "ns"), "-", "-", ratio_text(in_place.median, nft_added.median), judged);
}

void rows(const Setup& none, const Setup& nft, const Setup& ours, const Options& opt) {
	std::string rules = std::to_string(kRules / 1000) + "k prefixes";
	series_rows("established TCP flow (16 B segments, NODELAY), " + rules, none.tcp, nft.tcp, ours.tcp,
	            "ct established", "pod_ingress + pod_egress per data packet, ACKs included");
	series_rows("256 established UDP flows (16 B, sendmmsg), " + rules, none.udp, nft.udp, ours.udp,
	            "ct established", "flow-table hit");
	series_rows(std::to_string(kNewFlowsPerRound / 1000) +
	                "k new flows (UDP, one datagram to each fresh address), " + rules,
	            none.fresh, nft.fresh, ours.fresh, "conntrack NEW + set",
	            "per packet: CIDR lookup + flow-table insert");
	auto g_ours = spread(ours.gbps), g_none = spread(none.gbps);
	char r[64];
	std::snprintf(r, sizeof(r), "ours/no filter %.2fx",
	              g_none.median > 0 ? g_ours.median / g_none.median : 0);
	print_row("pod interface, TCP iperf3 " + std::to_string(opt.iperf_seconds) +
	              " s, 1 flow, pod -> internet, " + rules,
	          cell(g_ours, "Gbit/s", 1), cell(spread(nft.gbps), "Gbit/s", 1), "-",
	          cell(g_none, "Gbit/s", 1) + " (no filter)", r,
	          verdict("no measurable loss (>= 0.95x)",
	                  g_none.median > 0 && g_ours.median >= 0.95 * g_none.median));
}

} // namespace

int main(int argc, char** argv) {
	if (!is_root()) {
		std::fprintf(stderr, "pod_bench needs root (BPF, namespaces, netfilter)\n");
		return 1;
	}
	Options opt;
	bool header = true;
	for (int i = 1; i < argc; ++i) {
		std::string a = argv[i];
		if (a == "--quick") {
			opt = {3, 0.2, 1, 1};
		} else if (a == "--no-header") {
			header = false;
		} else {
			std::fprintf(stderr, "usage: pod_bench [--quick] [--no-header]\n");
			return 2;
		}
	}
	kernel::install_libbpf_logger();
	log::set_level(log::Level::warn);
	auto prefixes = disjoint_prefixes(kRules, 42);
	auto fresh = fresh_addresses(prefixes, kNewFlowsPerRound * static_cast<size_t>(opt.rounds));
	std::mt19937 rng(3);
	uint32_t tcp_dst = random_inside(prefixes[rng() % prefixes.size()], rng);

	std::vector<uint32_t> flows;
	while (flows.size() < kFlows)
		flows.push_back(random_inside(prefixes[rng() % prefixes.size()], rng));
	std::sort(flows.begin(), flows.end());
	flows.erase(std::unique(flows.begin(), flows.end()), flows.end());
	std::vector<std::unique_ptr<Setup>> setups;
	for (const char* f : {"none", "nftables", "ours"})
		setups.push_back(make_setup(f, prefixes, flows));
	UniqueFd stats(bpf_enable_stats(BPF_STATS_RUN_TIME));
	if (!stats)
		die(std::string("BPF_ENABLE_STATS failed: ") + std::strerror(errno));
	for (int r = 0; r < opt.rounds; ++r) {
		std::vector<uint32_t> slice(fresh.begin() + r * static_cast<long>(kNewFlowsPerRound),
		                            fresh.begin() + (r + 1) * static_cast<long>(kNewFlowsPerRound));
		for (auto& s : setups) {
			bool ours = s->dp.has_value();
			s->tcp.add(
			    measure(*s, [&](Shared* out) { return tcp_small(tcp_dst, opt.tcp_s, out); }),
			    ours);
			s->udp.add(
			    measure(*s, [&](Shared* out) { return udp_established(flows, opt.tcp_s, out); }),
			    ours);
			s->fresh.add(measure(*s, [&](Shared* out) { return new_flows(slice, out); }), ours);
		}
	}
	for (int r = 0; r < opt.iperf_rounds; ++r)
		for (auto& s : setups)
			s->gbps.push_back(measure_gbps(*s, tcp_dst, opt.iperf_seconds));
	if (header)
		print_header();
	rows(*setups[0], *setups[1], *setups[2], opt);
	std::printf("\npod_bench: %s, %s; %d rounds; load average %s\n", cpu_model().c_str(),
	            kernel_release().c_str(), opt.rounds, read_file("/proc/loadavg").substr(0, 14).c_str());
	return 0;
}
