// daemon_bench (issue 6 item 7): egressd's own cost, run as the binary on the simulated node of
// the daemon's e2e tests (tests/e2e/daemon/daemon_node: netns pair, pod cgroup, private bpffs).
//
// 1. RSS and CPU. A second dnsmasq on the server side (trusted: it is in dnsServers) answers
//    100k names h<i>.bench.test, one distinct A record each, under the rule **.bench.test. A pod
//    process resolves all of them (warm-up), so the kernel's learner writes 100k learned entries
//    and egressd consumes 100k learn events, the real path. Then: an idle window (no DNS), and a
//    window of 1,000 answers/s (the same names again: each answer is re-learned in the kernel and
//    is one learn event for egressd; the learned map stays at 100k). egressd's VmRSS/VmHWM
//    (/proc/<pid>/status) and utime+stime (/proc/<pid>/stat) are sampled every 500 ms.
// 2. Apply time. A policy of 20k CIDR rules + 1k fqdn rules (operator `allow` rules), published
//    the way kubelet swaps a ConfigMap; the first apply happens at start, then reloads alternate
//    between two such policies that share no prefix and no name, so every reload rewrites maps.
//    When egressd reports status.last_reload.apply_ms / maps_ms they are used; otherwise the
//    `reload` control command is timed end to end (read + parse + compile + map writes + reply).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_stats.h"
#include "common/unique_handle.h"
#include "daemon/control_client.h"
#include "daemon_node.h"
#include "dns_wire.h"
#include "dnsmasq.h"
#include "peers/table.h"
#include "system.h"

namespace {

using namespace egress;
using namespace egress::bench::peers;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kBenchResolver = "192.0.2.54"; // the second dnsmasq, server netns
constexpr int kNames = 100000;
constexpr int kPrefixes = 20000;
constexpr int kApplyNames = 1000;

[[noreturn]] void die(const std::string& what) {
	std::fprintf(stderr, "daemon_bench: %s\n", what.c_str());
	std::exit(2);
}

std::string addr_text(uint32_t host_order) {
	in_addr a{htonl(host_order)};
	char buf[INET_ADDRSTRLEN];
	return inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

// h<i>.bench.test -> 198.18.0.0/15, one distinct address per name.
uint32_t bench_addr(int i) {
	return 0xc6120000u + static_cast<uint32_t>(i) + 1;
}

std::string loadavg() {
	std::string s = testlib::read_file("/proc/loadavg");
	return s.substr(0, s.find(' ', s.find(' ', s.find(' ') + 1) + 1));
}

// ---- egressd's footprint from /proc ---------------------------------------------------------

struct ProcSample {
	double t_s = 0;
	double rss_mib = 0, hwm_mib = 0;
	double cpu_s = 0; // utime + stime
};

double status_kib(const std::string& status, const char* key) {
	size_t p = status.find(key);
	return p == std::string::npos ? 0 : std::strtod(status.c_str() + p + std::strlen(key), nullptr);
}

std::optional<ProcSample> sample(int pid, Clock::time_point t0) {
	std::string status = testlib::read_file("/proc/" + std::to_string(pid) + "/status");
	std::string stat = testlib::read_file("/proc/" + std::to_string(pid) + "/stat");
	size_t paren = stat.rfind(')');
	if (status.empty() || paren == std::string::npos)
		return std::nullopt;
	// After "pid (comm)": field 3 is state; utime and stime are fields 14 and 15.
	std::istringstream in(stat.substr(paren + 2));
	std::string field;
	unsigned long long utime = 0, stime = 0;
	for (int f = 3; f <= 15 && in >> field; ++f) {
		if (f == 14)
			utime = std::stoull(field);
		if (f == 15)
			stime = std::stoull(field);
	}
	ProcSample s;
	s.t_s = std::chrono::duration<double>(Clock::now() - t0).count();
	s.rss_mib = status_kib(status, "VmRSS:") / 1024.0;
	s.hwm_mib = status_kib(status, "VmHWM:") / 1024.0;
	s.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
	return s;
}

struct Window {
	double cpu_pct = 0;    // of one core, over the window
	double rss_max = 0;    // MiB
	double rss_steady = 0; // median of the second half of the samples
	double hwm = 0;        // at the end
};

// Samples `pid` every 500 ms while `body` runs (or for `seconds` when body is empty).
Window watch(int pid, double seconds, const std::function<void()>& body) {
	std::vector<ProcSample> samples;
	std::atomic<bool> done{false};
	Clock::time_point t0 = Clock::now();
	std::thread sampler([&] {
		for (int i = 0; i < 100000; ++i) {
			if (auto s = sample(pid, t0))
				samples.push_back(*s);
			if (done.load() || (!body && samples.back().t_s >= seconds))
				break;
			std::this_thread::sleep_for(500ms);
		}
		if (auto s = sample(pid, t0))
			samples.push_back(*s);
	});
	if (body)
		body();
	done = true;
	sampler.join();
	if (samples.size() < 2)
		die("egressd vanished while being sampled");
	Window w;
	const ProcSample &first = samples.front(), &last = samples.back();
	w.cpu_pct = 100.0 * (last.cpu_s - first.cpu_s) / std::max(0.001, last.t_s - first.t_s);
	std::vector<double> steady;
	for (size_t i = 0; i < samples.size(); ++i) {
		w.rss_max = std::max(w.rss_max, samples[i].rss_mib);
		if (i >= samples.size() / 2)
			steady.push_back(samples[i].rss_mib);
	}
	w.rss_steady = percentile(steady, 50);
	w.hwm = last.hwm_mib;
	return w;
}

// ---- the pod's DNS client --------------------------------------------------------------------

struct DnsTally {
	uint64_t sent = 0, answered = 0;
	double seconds = 0;
};

// In the pod: queries h<first..first+count-1>.bench.test (mod kNames) at `rate` per second over
// one UDP socket, counting answers with at least one record; the tally lands in shared memory.
DnsTally resolve_in_pod(const e2e::DaemonNode& node, int first, int count, double rate) {
	auto* out = static_cast<DnsTally*>(
	    mmap(nullptr, sizeof(DnsTally), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	if (out == MAP_FAILED)
		die("mmap");
	*out = {};
	int rc = node.in_pod([=]() -> int {
		UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
		int buf = 4 << 20;
		setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_port = htons(53);
		inet_pton(AF_INET, kBenchResolver, &a.sin_addr);
		if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
			return 1;
		auto drain = [&](int timeout_ms) {
			pollfd p{fd.get(), POLLIN, 0};
			if (poll(&p, 1, timeout_ms) != 1)
				return;
			uint8_t m[512];
			for (;;) {
				ssize_t n = recv(fd.get(), m, sizeof(m), MSG_DONTWAIT);
				if (n < 0)
					return;
				if (n >= 12 && (m[3] & 0x0f) == 0 && (m[6] | m[7]) != 0)
					++out->answered;
			}
		};
		Clock::time_point t0 = Clock::now();
		for (int i = 0; i < count; ++i) {
			auto due = t0 + std::chrono::duration_cast<Clock::duration>(
			                    std::chrono::duration<double>(i / rate));
			for (Clock::time_point now = Clock::now(); now < due; now = Clock::now())
				drain(std::max<int>(
				    1, static_cast<int>(
				           std::chrono::duration_cast<std::chrono::milliseconds>(due - now)
				               .count())));
			int k = (first + i) % kNames;
			auto q =
			    e2e::a_query("h" + std::to_string(k) + ".bench.test", static_cast<uint16_t>(k));
			if (send(fd.get(), q.data(), q.size(), 0) >= 0)
				++out->sent;
			drain(0);
		}
		out->seconds = std::chrono::duration<double>(Clock::now() - t0).count();
		for (int i = 0; i < 20 && out->answered < out->sent; ++i)
			drain(100);
		return 0;
	});
	DnsTally t = *out;
	munmap(out, sizeof(DnsTally));
	if (rc != 0)
		die("the pod's DNS client failed (status " + std::to_string(rc) + ")");
	return t;
}

// dnsmasq's --addn-hosts file, removed on exit.
class HostsFile {
public:
	explicit HostsFile(const std::string& content)
	    : path_("/tmp/" + testlib::unique_name("aegbench-hosts-") + ".txt") {
		testlib::write_file(path_, content);
	}
	~HostsFile() { unlink(path_.c_str()); }
	HostsFile(const HostsFile&) = delete;
	HostsFile& operator=(const HostsFile&) = delete;
	const std::string& path() const { return path_; }

private:
	std::string path_;
};

// ---- control socket helpers ------------------------------------------------------------------

nlohmann::json status_of(const e2e::DaemonNode& node) {
	auto r = node.control("status");
	if (!r.value("ok", false))
		die("status: " + r.dump());
	return r["result"];
}

uint64_t learned_entries(const nlohmann::json& status) {
	const auto& maps = status.value("maps", nlohmann::json::object());
	if (maps.contains("egress_learned4"))
		return maps["egress_learned4"].value("entries", 0ull);
	return 0;
}

std::optional<double> reload_field(const nlohmann::json& status, const char* key) {
	const auto& r = status.value("last_reload", nlohmann::json::object());
	if (r.contains(key) && r[key].is_number())
		return r[key].get<double>();
	return std::nullopt;
}

// ---- the apply-time policies -----------------------------------------------------------------

// 20k /24s and 1k names, disjoint between variant 0 and 1 (20.x.y.0/24 vs 40.x.y.0/24).
std::string big_allow(int variant) {
	std::string s;
	s.reserve(700000);
	int first_octet = variant ? 40 : 20;
	for (int i = 0; i < kPrefixes; ++i)
		s += "  - {cidr: " + std::to_string(first_octet + i / 65536) + "." +
		     std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) + ".0/24}\n";
	for (int i = 0; i < kApplyNames; ++i)
		s += "  - {fqdn: \"api" + std::to_string(i) + ".policy-" + std::to_string(variant) +
		     ".test\"}\n";
	return s;
}

std::string ms(double v) {
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%.1f ms", v);
	return buf;
}

std::string mib(double v) {
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%.1f MiB", v);
	return buf;
}

std::string pct(double v) {
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%.2f %%", v);
	return buf;
}

struct ApplyResult {
	std::vector<double> reload_ms;  // egressd's apply_ms, or the timed `reload` command
	std::vector<double> maps_ms;    // egressd's maps_ms when reported
	std::vector<double> command_ms; // the `reload` command timed end to end, always
	std::optional<double> first_ms; // apply_ms of the start-up apply
	double startup_ms = 0;          // exec to the control socket answering
	bool reported = false;          // the numbers are egressd's own
	int failed = 0;
};

ApplyResult measure_apply(int reloads) {
	e2e::DaemonNode node;
	ApplyResult r;
	node.publish_config(node.config_yaml(big_allow(0)));
	Clock::time_point t0 = Clock::now();
	node.start_egressd();
	r.startup_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
	nlohmann::json st = status_of(node);
	r.first_ms = reload_field(st, "apply_ms");
	auto rules = st.value("rules", nlohmann::json::object());
	if (rules.value("cidrs", 0) < kPrefixes)
		die("the start-up policy holds " + rules.dump() + ", expected >= 20000 cidrs");
	for (int i = 1; i <= reloads; ++i) {
		node.publish_config(node.config_yaml(big_allow(i % 2)));
		uint64_t before = status_of(node).value("policy_generation", 0ull);
		auto c = daemon::ControlClient::connect(node.control_socket(), 30s);
		if (!c.ok())
			die("control socket: " + c.error().to_string());
		Clock::time_point t = Clock::now();
		auto res = c->reload();
		double took = std::chrono::duration<double, std::milli>(Clock::now() - t).count();
		if (!res.ok()) {
			++r.failed;
			continue;
		}
		st = status_of(node);
		if (st.value("policy_generation", 0ull) == before)
			die("a reload did not change the policy generation");
		auto apply = reload_field(st, "apply_ms");
		auto maps = reload_field(st, "maps_ms");
		r.reported = apply.has_value();
		r.reload_ms.push_back(apply.value_or(took));
		r.command_ms.push_back(took);
		if (maps)
			r.maps_ms.push_back(*maps);
		// The inotify event of the swap fires a debounced (300 ms) re-read; let it pass so it
		// never overlaps the next measured reload.
		std::this_thread::sleep_for(800ms);
	}
	return r;
}

} // namespace

int main(int argc, char** argv) {
	if (!testlib::is_root()) {
		std::fprintf(stderr, "daemon_bench needs root (namespaces, cgroups, bpffs, BPF)\n");
		return 1;
	}
	bool header = true;
	double rate_s = 20, idle_s = 20;
	int reloads = 7;
	for (int i = 1; i < argc; ++i) {
		std::string a = argv[i];
		if (a == "--quick") {
			rate_s = 8;
			idle_s = 5;
			reloads = 5;
		} else if (a == "--no-header") {
			header = false;
		} else {
			std::fprintf(stderr, "usage: daemon_bench [--quick] [--no-header]\n");
			return 2;
		}
	}
	std::string load_start = loadavg();

	// ---- 2. apply time (its own node, so the footprint run starts clean) ----
	ApplyResult apply = measure_apply(reloads);

	// ---- 1. footprint ----
	e2e::DaemonNode node;
	// net() is const here; the address goes on the server's loopback like add_server_address does.
	testlib::run_or_throw("ip -n " + node.net().server() + " addr add " + kBenchResolver + "/32 dev lo");
	std::string hosts;
	hosts.reserve(kNames * 32);
	for (int i = 0; i < kNames; ++i)
		hosts += addr_text(bench_addr(i)) + " h" + std::to_string(i) + ".bench.test\n";
	HostsFile hosts_file(hosts);
	resolver::e2e::DnsmasqConfig dns;
	dns.netns = node.net().server();
	dns.listen = kBenchResolver;
	dns.port = 53;
	dns.local_ttl = 3600;
	dns.records = {"--addn-hosts=" + hosts_file.path(), "--cache-size=0"};
	resolver::e2e::Dnsmasq bench_dns(dns);

	std::string yaml = node.config_yaml("  - fqdn: \"**.bench.test\"\n");
	const std::string servers = "dnsServers: [" + std::string(testlib::NetnsPair::kServerV4);
	size_t at = yaml.find(servers);
	if (at == std::string::npos)
		die("config_yaml() no longer names dnsServers as expected");
	yaml.insert(at + servers.size(), std::string(", ") + kBenchResolver);
	node.publish_config(yaml);
	node.start_egressd();
	int pid = status_of(node).value("pid", 0);
	if (pid <= 0)
		die("status has no pid");
	std::this_thread::sleep_for(1s);
	auto at_start = sample(pid, Clock::now());
	if (!at_start)
		die("egressd vanished after start");

	// Warm-up: every name once, as fast as dnsmasq keeps up (a second pass re-asks the lost ones'
	// neighbours too; the map count below is what counts).
	DnsTally warm{};
	Window warm_w = watch(pid, 0, [&] {
		warm = resolve_in_pod(node, 0, kNames, 4000);
		if (learned_entries(status_of(node)) < kNames)
			(void)resolve_in_pod(node, 0, kNames, 2000);
	});
	nlohmann::json st = status_of(node);
	uint64_t entries = learned_entries(st);
	std::this_thread::sleep_for(2s);

	Window idle = watch(pid, idle_s, {});
	uint64_t lost_before = st.value("counters", nlohmann::json::object()).value("lost_events", 0ull);
	DnsTally rate{};
	Window busy =
	    watch(pid, 0, [&] { rate = resolve_in_pod(node, 0, static_cast<int>(1000 * rate_s), 1000); });
	st = status_of(node);
	uint64_t entries_after = learned_entries(st);
	uint64_t lost_after = st.value("counters", nlohmann::json::object()).value("lost_events", 0ull);
	std::string load_end = loadavg();

	// ---- the table ----
	std::printf("\ndaemon_bench: %s, kernel %s; egressd pid %d on a simulated node; load average "
	            "%s (start) / %s (end)\n",
	            egress::bench::cpu_model().c_str(), egress::bench::kernel_release().c_str(), pid,
	            load_start.c_str(), load_end.c_str());
	std::printf("  warm-up: %llu queries for distinct names in %.1f s, %llu answered; egress_learned4 "
	            "holds %llu entries (%llu after the rate window), all learned by the kernel from "
	            "dnsmasq's answers; egressd peaked at %.1f MiB RSS, %.1f %% CPU during the warm-up\n",
	            static_cast<unsigned long long>(warm.sent), warm.seconds,
	            static_cast<unsigned long long>(warm.answered), static_cast<unsigned long long>(entries),
	            static_cast<unsigned long long>(entries_after), warm_w.rss_max, warm_w.cpu_pct);
	std::printf("  rate window: %llu queries in %.1f s (%.0f/s), %llu answered; ring-buffer losses "
	            "during it: %llu\n",
	            static_cast<unsigned long long>(rate.sent), rate.seconds,
	            rate.sent / std::max(0.001, rate.seconds), static_cast<unsigned long long>(rate.answered),
	            static_cast<unsigned long long>(lost_after - lost_before));
	std::printf("  apply: %s; %d reloads alternating between two disjoint policies of %d CIDR + %d "
	            "fqdn rules%s\n\n",
	            apply.reported ? "status.last_reload.apply_ms / maps_ms as egressd reports them"
	                           : "egressd reports no apply_ms: the `reload` control command timed end to "
	                             "end (read + parse + compile + map writes + reply)",
	            reloads, kPrefixes, kApplyNames,
	            apply.failed ? (", " + std::to_string(apply.failed) + " FAILED").c_str() : "");
	if (header)
		print_header();
	bool enough = entries >= static_cast<uint64_t>(kNames) * 99 / 100;
	std::string n = std::to_string(entries) + " learned entries";
	print_row("egressd RSS 1 s after start, before any learning (VmRSS; VmHWM)",
	          mib(at_start->rss_mib) + "; HWM " + mib(at_start->hwm_mib), "-", "-", "-", "-", "-");
	print_row("egressd RSS, idle, " + n + " (max / steady)",
	          mib(idle.rss_max) + " / " + mib(idle.rss_steady), "-", "-", "-", "-",
	          verdict("<= 40 MiB", enough && idle.rss_max <= 40));
	print_row("egressd CPU, idle, " + n + " (" + std::to_string(static_cast<int>(idle_s)) + " s)",
	          pct(idle.cpu_pct) + " of a core", "-", "-", "-", "-", "-");
	print_row("egressd RSS, " + n + " + 1,000 DNS answers/s learned (max / steady; VmHWM)",
	          mib(busy.rss_max) + " / " + mib(busy.rss_steady) + "; HWM " + mib(busy.hwm), "-", "-",
	          mib(idle.rss_steady) + " (idle)", "-", verdict("<= 40 MiB", enough && busy.rss_max <= 40));
	print_row("egressd CPU, " + n + " + 1,000 DNS answers/s learned (" +
	              std::to_string(static_cast<int>(rate_s)) + " s)",
	          pct(busy.cpu_pct) + " of a core", "-", "-", pct(idle.cpu_pct) + " (idle)", "-",
	          verdict("<= 5 %", enough && busy.cpu_pct <= 5));
	std::string how = apply.reported ? "egressd's apply_ms" : "timed `reload` command";
	if (apply.first_ms)
		print_row("policy apply at start, 20k prefixes + 1k names (apply_ms)", ms(*apply.first_ms),
		          "-", "-", "-", "-", verdict("<= 100 ms", *apply.first_ms <= 100));
	print_row("egressd start-up to control socket answering, 20k prefixes + 1k names (includes the "
	          "first apply)",
	          ms(apply.startup_ms), "-", "-", "-", "-", "-");
	Spread rs = spread(apply.reload_ms);
	print_row("policy reload, 20k prefixes + 1k names, maps changed each time (" + how + ", median of " +
	              std::to_string(apply.reload_ms.size()) + ")",
	          cell(rs, "ms", 1), "-", "-", "-", "-",
	          verdict("<= 100 ms", !rs.empty && apply.failed == 0 && rs.median <= 100));
	if (!apply.maps_ms.empty())
		print_row("  of which map writes (maps_ms)", cell(spread(apply.maps_ms), "ms", 1), "-", "-",
		          "-", "-", "-");
	if (apply.reported)
		print_row("  the same reloads seen from outside: `reload` control command round trip (read + "
		          "parse + compile + apply + reply)",
		          cell(spread(apply.command_ms), "ms", 1), "-", "-", "-", "-", "-");
	return 0;
}
