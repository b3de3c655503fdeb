// The c-ares transport and the resolver against a real dnsmasq: the resolver runs in the client
// namespace of a NetnsPair (in a child process that streams what it sees back over a pipe),
// dnsmasq in the server namespace on a non-53 port.
#include <gtest/gtest.h>

#include <time.h>

#include <chrono>
#include <optional>
#include <stdexcept>

#include "common/clock.h"
#include "dnsmasq.h"
#include "fixtures.h"
#include "line_pipe.h"
#include "resolver/cares_transport.h"
#include "resolver/resolver.h"
#include "root.h"

namespace egress::resolver::e2e {
namespace {

using namespace std::chrono_literals;
using testlib::ChildProcess;
using testlib::NetnsPair;

constexpr std::uint16_t kPort = 5300;

std::string describe(const QueryResult& r) {
	if (!r.ok())
		return "error errno=" + std::to_string(r.error().code()) + " " + r.error().to_string();
	if (r->empty())
		return "none";
	std::string out;
	for (const auto& a : *r)
		out += (out.empty() ? "" : " ") + a.address.to_string() + "/" + std::to_string(a.ttl_seconds);
	return out;
}

std::unique_ptr<CaresTransport> transport(const std::string& server, std::chrono::milliseconds timeout) {
	CaresOptions o;
	o.servers = {server};
	o.timeout = timeout;
	o.tries = 1;
	auto t = CaresTransport::create(o);
	if (!t.ok())
		throw std::runtime_error(t.error().to_string());
	return std::move(*t);
}

TEST(CaresTransportE2E, ReadsAnswersWithTtlsAndTellsNoAnswerFromFailure) {
	EGRESS_REQUIRE_ROOT();
	NetnsPair net;
	Dnsmasq dns({net.server(),
	             NetnsPair::kServerV4,
	             kPort,
	             42,
	             {"--host-record=mcr.microsoft.com,10.1.2.3", "--local=/mcr.microsoft.com/",
	              "--host-record=packages.aks.azure.com,10.1.2.5,fd00:1::5",
	              "--host-record=multi.test,10.1.2.6", "--host-record=multi.test,10.1.2.7",
	              "--cname=alias.test,packages.aks.azure.com", "--address=/gone.test/"}});
	const std::string server = dns.server();
	LinePipe out;
	ChildProcess child(net.client(), nullptr, [&] {
		auto t = transport(server, 500ms);
		std::vector<Query> queries = {
		    {"mcr.microsoft.com", Family::v4},
		    {"mcr.microsoft.com", Family::v6},
		    {"packages.aks.azure.com", Family::v6},
		    {"multi.test", Family::v4},
		    {"alias.test", Family::v4},
		    {"gone.test", Family::v4},
		    {"not-served.test", Family::v4},
		};
		auto results = t->resolve_batch(queries);
		for (std::size_t i = 0; i < queries.size(); ++i)
			out.write_line(queries[i].name + (queries[i].family == Family::v4 ? " A" : " AAAA") +
			               " -> " + describe(results[i]));
		// Nothing listens on this port: the ICMP port unreachable ends the query at once.
		auto closed = transport(std::string(NetnsPair::kServerV4) + ":5399", 500ms);
		out.write_line("closed port -> " +
		               describe(closed->resolve("mcr.microsoft.com", Family::v4)));
		// Packets to this address are dropped (routed to the server namespace, which does not
		// forward): only c-ares' timeout ends the query.
		auto start = std::chrono::steady_clock::now();
		auto r = transport("198.51.100.99:5300", 300ms)->resolve("mcr.microsoft.com", Family::v4);
		auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
		    std::chrono::steady_clock::now() - start);
		out.write_line("silent server -> " + describe(r));
		out.write_line("silent server took " + std::to_string(ms.count()) + " ms");
		return 0;
	});
	out.close_write();
	std::string all = out.read_all(15s);
	EXPECT_EQ(child.wait(), 0);
	auto has = [&](const std::string& line) { return all.find(line + "\n") != std::string::npos; };
	EXPECT_TRUE(has("mcr.microsoft.com A -> 10.1.2.3/42")) << all;
	// NOERROR without AAAA records (--local makes dnsmasq authoritative for the name).
	EXPECT_TRUE(has("mcr.microsoft.com AAAA -> none")) << all;
	EXPECT_TRUE(has("packages.aks.azure.com AAAA -> fd00:1::5/42")) << all;
	EXPECT_TRUE(has("multi.test A -> 10.1.2.6/42 10.1.2.7/42") ||
	            has("multi.test A -> 10.1.2.7/42 10.1.2.6/42"))
	    << all;
	EXPECT_TRUE(has("alias.test A -> 10.1.2.5/42")) << all; // the CNAME is followed
	EXPECT_TRUE(has("gone.test A -> none")) << all;         // NXDOMAIN
	// REFUSED is a failure, not "no addresses" (c-ares reports it as "could not contact").
	EXPECT_TRUE(has("not-served.test A -> error errno=" + std::to_string(ECONNREFUSED) + " asking " +
	                server + ": Could not contact DNS servers"))
	    << all;
	EXPECT_NE(all.find("closed port -> error errno=" + std::to_string(ECONNREFUSED)), std::string::npos)
	    << all;
	EXPECT_NE(all.find("silent server -> error errno=" + std::to_string(ETIMEDOUT)), std::string::npos)
	    << all;
	auto took = all.find("silent server took ");
	ASSERT_NE(took, std::string::npos) << all;
	int ms = std::stoi(all.substr(took + 19));
	EXPECT_GE(ms, 250);
	EXPECT_LT(ms, 2000);
}

// The resolver in a loop, as the daemon runs it; each change becomes a line
// "<ms since start> <kind> <name> <address> stale=<0|1>".
int run_resolver(const std::string& server, const LinePipe& out) {
	Options o;
	o.min_ttl = 1s; // dnsmasq answers with TTL 0: asked again every second
	o.max_ttl = 60s;
	o.grace = 500ms;
	o.stale_grace = 3s;
	o.backoff_initial = 200ms;
	o.backoff_max = 800ms;
	auto t = transport(server, 300ms);
	const Clock& clock = SystemClock::instance();
	auto r = Resolver::create(o, *t, clock);
	if (!r.ok() || !r->set_names({"mcr.microsoft.com", "packages.aks.azure.com"}).ok())
		return 2;
	const auto start = std::chrono::steady_clock::now();
	while (std::chrono::steady_clock::now() - start < 40s) {
		for (const auto& c : r->tick()) {
			auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
			    std::chrono::steady_clock::now() - start);
			out.write_line(std::to_string(ms.count()) + " " +
			               std::string(change_kind_name(c.kind)) + " " + c.name + " " +
			               c.address.to_string() + " stale=" + (c.stale ? "1" : "0"));
		}
		std::uint64_t next = r->next_wakeup_ns(), now = clock.boot_ns();
		std::uint64_t wait = next > now ? std::min<std::uint64_t>(next - now, 100'000'000) : 0;
		timespec ts{0, static_cast<long>(wait)};
		nanosleep(&ts, nullptr);
	}
	return 3; // the test ends it long before
}

TEST(ResolverE2E, FollowsDnsmasqThroughAChangeAndKeepsTheAnswerThroughAnOutage) {
	EGRESS_REQUIRE_ROOT();
	NetnsPair net;
	auto config = [&](const char* mcr) {
		return DnsmasqConfig{net.server(),
		                     NetnsPair::kServerV4,
		                     kPort,
		                     0,
		                     {std::string("--host-record=mcr.microsoft.com,") + mcr,
		                      "--local=/mcr.microsoft.com/",
		                      "--host-record=packages.aks.azure.com,10.1.2.5,fd00:1::5"}};
	};
	std::optional<Dnsmasq> dns;
	dns.emplace(config("10.1.2.3"));
	const std::string server = dns->server();

	LinePipe out;
	ChildProcess resolver(net.client(), nullptr, [&] { return run_resolver(server, out); });
	out.close_write();
	auto expect = [&](const std::string& needle, std::chrono::milliseconds within) -> long {
		auto line = out.wait_for(needle, within);
		EXPECT_TRUE(line.has_value())
		    << "no \"" << needle << "\" within " << within.count() << " ms; seen:\n"
		    << out.transcript() << "dnsmasq log:\n"
		    << (dns ? dns->log() : "(stopped)");
		return line ? std::stol(*line) : -1;
	};

	// First answers, then a refresh at minTTL (dnsmasq's TTL is 0).
	expect("added mcr.microsoft.com 10.1.2.3 stale=0", 3s);
	expect("added packages.aks.azure.com fd00:1::5 stale=0", 3s);
	expect("updated mcr.microsoft.com 10.1.2.3 stale=0", 3s);

	// The answer changes: the new address is added, the old one removed once its grace is over.
	dns.reset();
	dns.emplace(config("10.1.2.4"));
	expect("added mcr.microsoft.com 10.1.2.4 stale=0", 4s);
	expect("removed mcr.microsoft.com 10.1.2.3 stale=0", 3s);
	expect("updated mcr.microsoft.com 10.1.2.4 stale=0", 3s);

	// The resolver goes away: the last answer is kept for the stale grace (3 s), then removed.
	dns.reset();
	long stale_at = expect("updated mcr.microsoft.com 10.1.2.4 stale=1", 3s);
	long removed_at = expect("removed mcr.microsoft.com 10.1.2.4 stale=1", 6s);
	EXPECT_GE(removed_at - stale_at, 3000);
	EXPECT_LT(removed_at - stale_at, 4500); // slack for a loaded machine

	std::string seen = out.transcript();
	// 10.1.2.4 was removed once, by the end of the stale grace; 10.1.2.3 only by the changed answer.
	EXPECT_EQ(seen.find("removed mcr.microsoft.com 10.1.2.4 stale=0"), std::string::npos) << seen;
	EXPECT_EQ(seen.find("removed mcr.microsoft.com 10.1.2.3 stale=1"), std::string::npos) << seen;
	resolver.kill();
	resolver.wait();
}

} // namespace
} // namespace egress::resolver::e2e
