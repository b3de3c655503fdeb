// dns_race_bench (issue 5 item 5): resolve, then connect at once, through a real dnsmasq, with
// a fresh name and a fresh address every iteration so that nothing is allowed in advance or cached.
//
// Topology, identical for the three enforcers (each in its own netns pair):
//   client netns: the client process (in a child cgroup), and a forwarding dnsmasq on
//                 127.0.0.53 (the node-local resolver; outside the cgroup, like a node daemon);
//   server netns: the authoritative dnsmasq (10.200.0.2, one host record per name) and a TCP
//                 acceptor on :443 owning 198.18.0.0/15 (AnyIP).
// Enforcers: none; aks-egress-guard (datapath on the client's cgroup, rule *.race.test tcp/443,
// 127.0.0.53 trusted); the peer: the forwarder runs with --nftset=/race.test/4#inet#aegbench#allowed
// and the client netns has an nftables output chain with policy drop. dnsmasq adds to nft sets only
// for answers it forwards (checked: a local --host-record answer adds nothing), hence the forwarder.
//
// A first connect fails when connect() is refused (our EPERM) or does not complete within 200 ms
// (a dropped SYN is retransmitted after 1 s). Blocks of 100 iterations alternate between the
// enforcers so that load changes on the shared machine hit all of them alike.
//
// Then: ns per DNS response parsed and learned in BPF at 1, 4 and 16 answers (BPF_PROG_TEST_RUN).
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "baseline.skel.h"
#include "bench_stats.h"
#include "common/logger.h"
#include "dns/message.h"
#include "dns/name_match.h"
#include "dns/name_rules.h"
#include "dns_env.h"
#include "dnsmasq.h"
#include "egress.skel.h"
#include "fixtures.h"
#include "kernel/dns_maps.h"
#include "kernel/libbpf_handles.h"
#include "kernel/libbpf_log.h"
#include "peers/netfilter.h"
#include "peers/table.h"
#include "prog_test_run.h"
#include "system.h"

namespace {

using namespace egress;
using namespace egress::testlib;
using namespace egress::bench;
using namespace egress::bench::peers;
using Clock = std::chrono::steady_clock;

constexpr const char* kForwarder = "127.0.0.53";
constexpr uint64_t kCheckKey = 0x0123456789abcdefULL;
constexpr int kBlock = 100;
constexpr int kConnectWaitMs = 200;
bool g_nft_interval = false; // --nft-interval: the peer's set with `flags interval`

enum Outcome : uint8_t { kOk = 0, kDnsFailed, kWrongAddress, kRefused, kTimedOut };

// Per iteration, written by the client child into shared memory.
struct Sample {
	float query_us;
	uint8_t outcome;
	uint8_t err; // errno of a refused connect
};

[[noreturn]] void die(const std::string& what) {
	std::fprintf(stderr, "dns_race_bench: %s\n", what.c_str());
	std::exit(2);
}

void must(const Status& s, const char* what) {
	if (!s.ok())
		die(std::string(what) + ": " + s.error().to_string());
}

uint32_t race_addr(int scenario, int iters, int i) {
	uint32_t k = static_cast<uint32_t>(scenario * iters + i);
	return 0xc6120000u + (k / 250) * 256 + k % 250 + 1; // 198.18.0.0/15, .1-.250 of each /24
}

std::string race_name(int scenario, int i) {
	return std::string(1, "nop"[scenario]) + std::to_string(i) + ".race.test";
}

[[noreturn]] void tcp_acceptor() {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(443);
	if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 4096) != 0)
		_exit(90);
	for (;;) {
		int c = accept(fd, nullptr, nullptr);
		if (c >= 0)
			close(c);
	}
}

// One A query over a connected UDP socket to the forwarder (what a stub resolver does).
bool lookup(const std::string& name, uint16_t id, uint32_t& addr) {
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	sockaddr_in to{};
	to.sin_family = AF_INET;
	to.sin_port = htons(53);
	inet_pton(AF_INET, kForwarder, &to.sin_addr);
	auto q = dns::build_query(id, name, dns::kTypeA);
	uint8_t buf[1500];
	ssize_t n = -1;
	if (fd >= 0 && q.ok() && connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) == 0 &&
	    send(fd, q->data(), q->size(), 0) == static_cast<ssize_t>(q->size())) {
		pollfd p{fd, POLLIN, 0};
		if (poll(&p, 1, 2000) == 1)
			n = recv(fd, buf, sizeof(buf), 0);
	}
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	auto msg = dns::parse_message(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
	if (!msg.ok())
		return false;
	auto chain = dns::answer_chain(*msg);
	if (chain.addresses.empty())
		return false;
	auto text = chain.addresses[0].address.to_string();
	in_addr a{};
	if (inet_pton(AF_INET, text.c_str(), &a) != 1)
		return false;
	addr = ntohl(a.s_addr);
	return true;
}

// connect() without waiting for more than kConnectWaitMs; the Outcome.
uint8_t try_connect(uint32_t addr, uint8_t& err_out) {
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(443);
	a.sin_addr.s_addr = htonl(addr);
	linger l{1, 0}; // RST on close: no TIME_WAIT pile-up over 10k connections
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	uint8_t outcome = kOk;
	int rc = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
	if (rc != 0 && errno != EINPROGRESS) {
		outcome = kRefused;
		err_out = static_cast<uint8_t>(errno);
	} else if (rc != 0) {
		pollfd p{fd, POLLOUT, 0};
		int err = 0;
		socklen_t len = sizeof(err);
		if (poll(&p, 1, kConnectWaitMs) != 1) {
			outcome = kTimedOut;
		} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
			outcome = kRefused;
			err_out = static_cast<uint8_t>(err);
		}
	}
	close(fd);
	return outcome;
}

Sample resolve_then_connect(int scenario, int iters, int i) {
	Sample s{0, kOk, 0};
	uint32_t addr = 0;
	auto t0 = Clock::now();
	bool ok = lookup(race_name(scenario, i), static_cast<uint16_t>(i * 7919 + scenario), addr);
	s.query_us = std::chrono::duration<float, std::micro>(Clock::now() - t0).count();
	if (!ok) {
		s.outcome = kDnsFailed;
		return s;
	}
	if (addr != race_addr(scenario, iters, i)) {
		s.outcome = kWrongAddress;
		return s;
	}
	// No sleep, no retry: connect the moment the answer is read.
	s.outcome = try_connect(addr, s.err);
	return s;
}

struct Scenario {
	std::string name;
	int index = 0;
	std::unique_ptr<NetnsPair> net;
	std::unique_ptr<ChildCgroup> cg;
	std::unique_ptr<PinDir> pins;
	std::optional<kernel::Datapath> dp;
	std::unique_ptr<NftPeer> nft;
	std::unique_ptr<ChildProcess> acceptor;
	std::unique_ptr<resolver::e2e::Dnsmasq> upstream, forwarder;
	Sample* samples = nullptr; // shared with the client children

	~Scenario() {
		forwarder.reset();
		if (dp) {
			dp.reset();
			(void)kernel::uninstall(pins->path() + "/egress");
		}
	}
};

void install_ours(Scenario& s) {
	s.pins = std::make_unique<PinDir>();
	kernel::DatapathOptions o;
	o.cgroup_path = s.cg->path();
	o.pin_dir = s.pins->path() + "/egress";
	auto dp = kernel::Datapath::load(o);
	if (!dp.ok())
		die("loading the datapath: " + dp.error().to_string());
	s.dp.emplace(std::move(*dp));
	PolicyWriter p(*s.dp);
	p.set_mode(EGRESS_MODE_ENFORCE);
	p.cidr(std::string(kForwarder) + "/32", make_ports({{EGRESS_PROTO_UDP, 53, 53}}));
	kernel::DnsMaps dns(*s.dp);
	egress_dns_settings st{};
	st.check_key = kCheckKey;
	st.min_ttl_s = 60;
	st.max_ttl_s = 3600;
	st.grace_s = 30;
	must(dns.write_settings(st), "dns settings");
	must(dns.trust_resolver(ip_bytes(kForwarder)), "trusting the forwarder");
	auto pat = dns::Pattern::parse("*.race.test");
	if (!pat.ok())
		die(pat.error().to_string());
	std::vector<dns::NameRuleInput> rules = {{*pat, 7, {{443, 443, EGRESS_PROTO_TCP, {}}}}};
	auto entries = dns::rule_entries(rules, kCheckKey);
	if (!entries.ok())
		die(entries.error().to_string());
	auto names = dns.names();
	if (!names.ok())
		die(names.error().to_string());
	for (const auto& e : *entries)
		must(names->put(e.key, e.value), "name rule");
	must(s.dp->attach(), "attaching");
}

std::unique_ptr<Scenario> make_scenario(const std::string& name, int index, const std::string& hosts_file,
                                        int iters) {
	auto s = std::make_unique<Scenario>();
	s->name = name;
	s->index = index;
	s->net = std::make_unique<NetnsPair>();
	s->cg = std::make_unique<ChildCgroup>();
	run_or_throw("ip -n " + s->net->server() + " route add local 198.18.0.0/15 dev lo");
	run_or_throw("ip -n " + s->net->client() + " addr add " + kForwarder + "/32 dev lo");
	s->acceptor =
	    std::make_unique<ChildProcess>(s->net->server(), nullptr, []() -> int { tcp_acceptor(); });
	resolver::e2e::DnsmasqConfig up;
	up.netns = s->net->server();
	up.listen = NetnsPair::kServerV4;
	up.port = 53;
	up.records = {"--addn-hosts=" + hosts_file};
	s->upstream = std::make_unique<resolver::e2e::Dnsmasq>(up);
	resolver::e2e::DnsmasqConfig fw;
	fw.netns = s->net->client();
	fw.listen = kForwarder;
	fw.port = 53;
	fw.records = {std::string("--server=") + NetnsPair::kServerV4};
	if (name == "nftset") {
		// The forwarder itself must reach the upstream; the client's answers come back over lo.
		s->nft = std::make_unique<NftPeer>(
		    s->net->client(), std::vector<Prefix>{},
		    std::vector<std::string>{"oif \"lo\" accept", std::string("ip daddr ") +
		                                                      NetnsPair::kServerV4 +
		                                                      " udp dport 53 accept"},
		    g_nft_interval);
		fw.records.push_back("--nftset=/race.test/4#inet#aegbench#allowed");
	}
	s->forwarder = std::make_unique<resolver::e2e::Dnsmasq>(fw);
	if (name == "ours")
		install_ours(*s);
	void* mem = mmap(nullptr, sizeof(Sample) * static_cast<size_t>(iters), PROT_READ | PROT_WRITE,
	                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap failed");
	s->samples = static_cast<Sample*>(mem);
	return s;
}

struct Tally {
	int ok = 0, dns_failed = 0, wrong = 0, refused = 0, timed_out = 0;
	std::vector<double> query_us;
	int failures() const { return refused + timed_out; }
};

Tally tally(const Scenario& s, int iters) {
	Tally t;
	for (int i = 0; i < iters; ++i) {
		const Sample& x = s.samples[i];
		t.query_us.push_back(x.query_us);
		switch (x.outcome) {
		case kOk:
			++t.ok;
			break;
		case kDnsFailed:
			++t.dns_failed;
			break;
		case kWrongAddress:
			++t.wrong;
			break;
		case kRefused:
			++t.refused;
			break;
		default:
			++t.timed_out;
			break;
		}
	}
	return t;
}

std::string race_cell(const Tally& t, int iters) {
	std::string s = std::to_string(t.failures()) + " / " + std::to_string(iters);
	if (t.refused || t.timed_out)
		s += " (" + std::to_string(t.refused) + " refused, " + std::to_string(t.timed_out) +
		     " SYN lost)";
	if (t.dns_failed || t.wrong)
		s += "; DNS failed " + std::to_string(t.dns_failed + t.wrong);
	return s;
}

std::string us(double v) {
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.0f us", v);
	return buf;
}

std::string plus_us(double v) {
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%+.0f us", v);
	return buf;
}

// ns per response through cgroup_skb/ingress, parsed and learned: single test_run calls (a
// response consumes its query, so `repeat` would measure the rejection path from the second run
// on), each after its query went through cgroup_skb/egress, minus an empty cgroup_skb program
// run the same way on the same packet. Fresh ids and addresses each time.
struct ParseCost {
	std::vector<double> ns, empty_ns;
	uint64_t learned = 0;
};

ParseCost parse_cost(DnsEnv& env, int empty_fd, int answers, int runs) {
	ParseCost c;
	int ingress = bpf_program__fd(env.env().dp().skeleton()->progs.skb_ingress);
	uint64_t before = env.counter(EGRESS_REASON_DNS_LEARNED);
	for (int i = 0; i < runs; ++i) {
		uint16_t id = static_cast<uint16_t>(i + 1);
		std::string name = "q" + std::to_string(i) + ".race.test";
		auto b = DnsBuilder::response(id).question(name);
		for (int a = 0; a < answers; ++a) {
			uint32_t addr =
			    0x0a000000u + static_cast<uint32_t>(answers * 100000 + i * answers + a);
			b.answer_a_ptr(12, addr_text(addr), 300);
		}
		Bytes pkt = env.response_packet(b.build());
		env.query(id, name);
		auto r = prog_test_run(ingress, pkt, 1);
		auto e = prog_test_run(empty_fd, pkt, 1);
		if (r.err || r.retval != 1 || e.err)
			die("test_run of a DNS response failed");
		c.ns.push_back(r.duration_ns);
		c.empty_ns.push_back(e.duration_ns);
		if (i % 32 == 31)
			(void)env.drain_learn_events(); // keep the ring buffer from filling
	}
	(void)env.drain_learn_events();
	c.learned = env.counter(EGRESS_REASON_DNS_LEARNED) - before;
	return c;
}

std::string loadavg() {
	std::string s = read_file("/proc/loadavg");
	return s.substr(0, s.find(' ', s.find(' ', s.find(' ') + 1) + 1));
}

} // namespace

int main(int argc, char** argv) {
	if (!is_root()) {
		std::fprintf(stderr, "dns_race_bench needs root (BPF, namespaces, cgroups, netfilter)\n");
		return 1;
	}
	int iters = 10000, parse_runs = 2000;
	bool header = true;
	for (int i = 1; i < argc; ++i) {
		std::string a = argv[i];
		if (a == "--quick") {
			iters = 500;
			parse_runs = 300;
		} else if (a == "--no-header") {
			header = false;
		} else if (a == "--nft-interval") {
			g_nft_interval = true;
		} else if (a == "--iterations" && i + 1 < argc) {
			iters = std::max(kBlock, std::stoi(argv[++i]) / kBlock * kBlock);
		} else {
			std::fprintf(stderr, "usage: dns_race_bench [--quick] [--iterations N] "
			                     "[--nft-interval] [--no-header]\n");
			return 2;
		}
	}
	kernel::install_libbpf_logger();
	log::set_level(log::Level::warn);
	std::string load_before = loadavg();

	std::string hosts;
	for (int sc = 0; sc < 3; ++sc)
		for (int i = 0; i < iters; ++i)
			hosts += addr_text(race_addr(sc, iters, i)) + " " + race_name(sc, i) + "\n";
	TempFile hosts_file(hosts);
	chmod(hosts_file.path().c_str(), 0644);

	std::vector<std::unique_ptr<Scenario>> scenarios;
	scenarios.push_back(make_scenario("none", 0, hosts_file.path(), iters));
	scenarios.push_back(make_scenario("ours", 1, hosts_file.path(), iters));
	scenarios.push_back(make_scenario("nftset", 2, hosts_file.path(), iters));

	// Control: an address nobody resolved must be refused by both enforcers (and reachable
	// without one), or the race below would prove nothing.
	constexpr uint32_t kNeverResolved = 0xc613ff01u; // 198.19.255.1
	std::vector<int> control;
	for (auto& s : scenarios)
		control.push_back(run_in(s->net->client(), s->cg.get(), [] {
			uint8_t err = 0;
			return static_cast<int>(try_connect(kNeverResolved, err));
		}));

	auto t0 = Clock::now();
	for (int b = 0; b < iters; b += kBlock)
		for (auto& s : scenarios) {
			Sample* out = s->samples;
			int sc = s->index;
			int rc = run_in(s->net->client(), s->cg.get(), [&]() -> int {
				for (int i = b; i < b + kBlock && i < iters; ++i)
					out[i] = resolve_then_connect(sc, iters, i);
				return 0;
			});
			if (rc != 0)
				die("race client failed in " + s->name);
		}
	double race_s = std::chrono::duration<double>(Clock::now() - t0).count();
	Tally none = tally(*scenarios[0], iters), ours = tally(*scenarios[1], iters),
	      peer = tally(*scenarios[2], iters);
	uint64_t learned = 0;
	{
		auto c = scenarios[1]->dp->counters();
		if (c.ok())
			learned =
			    (*c)[EGRESS_COUNTER_INDEX(EGRESS_HOOK_SKB_INGRESS, EGRESS_REASON_DNS_LEARNED)];
	}
	std::string load_race = loadavg();
	auto set_size =
	    run("ip netns exec " + scenarios[2]->net->client() +
	        " nft list set inet aegbench allowed | grep -o '198\\.1[89]\\.[0-9]*\\.[0-9]*' | wc -l");
	std::string nft_elements = set_size.output.substr(0, set_size.output.find('\n'));
	scenarios.clear();

	// BPF parse cost, on one CPU at SCHED_FIFO (test_run times the loop on the calling CPU).
	kernel::UniqueSkeleton<baseline_bpf> base(baseline_bpf::open_and_load());
	if (!base)
		die("loading the baseline programs failed: " + kernel::take_libbpf_log());
	DnsEnv env(kCheckKey);
	env.settings(60, 3600, 30);
	env.allow({"*.race.test"}, 7);
	run_undisturbed();
	std::vector<std::pair<int, ParseCost>> parse;
	for (int answers : {1, 4, 16})
		parse.push_back(
		    {answers, parse_cost(env, bpf_program__fd(base->progs.empty_skb), answers, parse_runs)});
	sched_param normal{};
	sched_setscheduler(0, SCHED_OTHER, &normal);

	std::printf(
	    "\ndns_race_bench: %s, kernel %s; %d iterations per enforcer in blocks of %d, interleaved "
	    "(%.0f s); load average %s (start) / %s (after the race)\n\n",
	    cpu_model().c_str(), kernel_release().c_str(), iters, kBlock, race_s, load_before.c_str(),
	    load_race.c_str());
	if (header)
		print_header();
	std::string n = std::to_string(iters);
	print_row("DNS race: resolve then connect() at once, fresh name + address each, " + n +
	              " iterations: first-connect failures (ours learned " + std::to_string(learned) +
	              "; nftables column = dnsmasq --nftset)",
	          race_cell(ours, iters), race_cell(peer, iters), "-",
	          race_cell(none, iters) + " (no enforcer)", "-",
	          verdict("0 failures", ours.failures() == 0 && ours.dns_failed == 0 && ours.wrong == 0));
	auto control_text = [](int outcome) {
		return std::string(outcome == kOk        ? "connected"
		                   : outcome == kRefused ? "refused"
		                                         : "SYN dropped");
	};
	print_row(
	    "control: connect() to an address nobody resolved", control_text(control[1]),
	    control_text(control[2]) + " (nft set holds " + nft_elements + " addresses after the race)", "-",
	    control_text(control[0]) + " (no enforcer)", "-",
	    verdict("both enforcers deny", control[1] != kOk && control[2] != kOk && control[0] == kOk));
	double none_med = percentile(none.query_us, 50), none_p99 = percentile(none.query_us, 99);
	double ours_med = percentile(ours.query_us, 50), ours_p99 = percentile(ours.query_us, 99);
	double peer_med = percentile(peer.query_us, 50), peer_p99 = percentile(peer.query_us, 99);
	print_row("DNS query time through the forwarder, median", us(ours_med), us(peer_med), "-",
	          us(none_med) + " (no enforcer)",
	          "added: ours " + plus_us(ours_med - none_med) + ", nftset " + plus_us(peer_med - none_med),
	          "-");
	print_row("DNS query time through the forwarder, p99", us(ours_p99), us(peer_p99), "-",
	          us(none_p99) + " (no enforcer)",
	          "added: ours " + plus_us(ours_p99 - none_p99) + ", nftset " + plus_us(peer_p99 - none_p99),
	          "-");
	// dnsmasq hands every answer to libnftables; if that cost grows with the set, the start and
	// the end of the race differ.
	int edge = std::min(1000, iters / 2);
	auto edge_median = [&](const Tally& t, bool last) {
		auto first = t.query_us.begin() + (last ? iters - edge : 0);
		return percentile(std::vector<double>(first, first + edge), 50);
	};
	auto edges = [&](const Tally& t) {
		return us(edge_median(t, false)) + " -> " + us(edge_median(t, true));
	};
	print_row("DNS query time, median of the first " + std::to_string(edge) + " -> the last " +
	              std::to_string(edge) + " iterations (set " + (g_nft_interval ? "with" : "without") +
	              " flags interval)",
	          edges(ours), edges(peer), "-", edges(none) + " (no enforcer)", "-", "-");
	for (auto& [answers, c] : parse) {
		Spread p = spread(c.ns), e = spread(c.empty_ns);
		std::vector<double> net;
		for (size_t i = 0; i < c.ns.size(); ++i)
			net.push_back(c.ns[i] - c.empty_ns[i]);
		print_row("BPF cgroup_skb/ingress: DNS response with " + std::to_string(answers) +
		              " A answer(s), parsed + learned (test_run, median of " +
		              std::to_string(c.ns.size()) + " single runs; learned " +
		              std::to_string(c.learned) + ")",
		          cell(p, "ns") + ", net " + cell(spread(net).median, "ns"), "-", "-",
		          cell(e, "ns") + " (empty prog)", "-", "-");
	}
	return 0;
}
