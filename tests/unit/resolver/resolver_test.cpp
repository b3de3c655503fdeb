// The resolver's schedule, TTL clamps, stale grace and backoff, driven by a scripted transport on
// a manual clock: every time below is exact.
#include "resolver/resolver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

#include "fake_transport.h"

namespace egress::resolver {
namespace {

using namespace std::chrono_literals;
using testing::FakeTransport;
using testing::v4;

constexpr std::uint64_t kSec = 1'000'000'000ULL;

Answer v6(const char* text, std::uint32_t ttl) {
	Answer a;
	a.address = *parse_ip(text);
	a.ttl_seconds = ttl;
	return a;
}

Options test_options() {
	Options o;
	o.min_ttl = 5s;
	o.max_ttl = 300s;
	o.grace = 2s;
	o.stale_grace = 60s;
	o.backoff_initial = 1s;
	o.backoff_max = 8s;
	o.ipv6 = false;
	return o;
}

std::string show(const AddressChange& c) {
	return std::string(change_kind_name(c.kind)) + " " + c.name + " " + c.address.to_string() +
	       (c.stale ? " stale" : "");
}

std::vector<std::string> show(const std::vector<AddressChange>& changes) {
	std::vector<std::string> out;
	for (const auto& c : changes)
		out.push_back(show(c));
	return out;
}

class ResolverTest : public ::testing::Test {
protected:
	void make(Options o = test_options()) {
		auto r = Resolver::create(o, transport_, clock_);
		ASSERT_TRUE(r.ok()) << r.error().to_string();
		resolver_.emplace(std::move(*r));
	}
	Resolver& r() { return *resolver_; }
	std::uint64_t now() const { return clock_.boot_ns(); }
	// Moves the clock to `t` and ticks.
	std::vector<AddressChange> tick_at(std::uint64_t t) {
		EXPECT_GE(t, now());
		clock_.advance(std::chrono::nanoseconds(t - now()));
		return r().tick();
	}
	// Ticks at every wake-up the resolver asks for until `until`, collecting the changes.
	std::vector<AddressChange> run_until(std::uint64_t until) {
		std::vector<AddressChange> all;
		for (int guard = 0; guard < 10000; ++guard) {
			std::uint64_t next = r().next_wakeup_ns();
			if (next > until)
				break;
			auto c = tick_at(std::max(next, now()));
			all.insert(all.end(), c.begin(), c.end());
		}
		if (until > now())
			clock_.advance(std::chrono::nanoseconds(until - now()));
		return all;
	}

	ManualClock clock_;
	FakeTransport transport_{clock_};
	std::optional<Resolver> resolver_;
};

TEST_F(ResolverTest, NewNameIsAskedAtOnceAndItsAddressesAdded) {
	make();
	transport_.answer("mcr.microsoft.com", Family::v4, {v4("10.1.2.3", 30), v4("10.1.2.4", 30)});
	ASSERT_TRUE(r().set_names({"MCR.Microsoft.com."}).ok());
	EXPECT_EQ(r().next_wakeup_ns(), now());
	const std::uint64_t t0 = now();
	auto changes = r().tick();
	EXPECT_THAT(show(changes), ::testing::ElementsAre("added mcr.microsoft.com 10.1.2.3",
	                                                  "added mcr.microsoft.com 10.1.2.4"));
	for (const auto& c : changes) {
		EXPECT_EQ(c.expiry_ns, t0 + 32 * kSec); // TTL 30 + grace 2
		EXPECT_EQ(c.ttl_seconds, 30u);
		EXPECT_FALSE(c.stale);
	}
	EXPECT_EQ(r().next_wakeup_ns(), t0 + 30 * kSec);
	EXPECT_THAT(r().names(), ::testing::ElementsAre("mcr.microsoft.com"));
}

TEST_F(ResolverTest, RefreshesAtTheTtlAndNotBefore) {
	make();
	transport_.answer("a.example", Family::v4, {v4("192.0.2.1", 30)});
	ASSERT_TRUE(r().set_names({"a.example"}).ok());
	const std::uint64_t t0 = now();
	r().tick();
	EXPECT_TRUE(tick_at(t0 + 30 * kSec - 1).empty());
	EXPECT_EQ(transport_.asked().size(), 1u);
	auto changes = tick_at(t0 + 30 * kSec);
	ASSERT_EQ(transport_.asked().size(), 2u);
	ASSERT_EQ(changes.size(), 1u);
	EXPECT_EQ(changes[0].kind, ChangeKind::updated);
	EXPECT_EQ(changes[0].expiry_ns, t0 + 62 * kSec);
}

TEST_F(ResolverTest, TtlZeroIsClampedToMinTtl) {
	make();
	transport_.answer("local.test", Family::v4, {v4("10.9.9.9", 0)});
	ASSERT_TRUE(r().set_names({"local.test"}).ok());
	const std::uint64_t t0 = now();
	auto changes = r().tick();
	ASSERT_EQ(changes.size(), 1u);
	EXPECT_EQ(changes[0].expiry_ns, t0 + 7 * kSec); // minTTL 5 + grace 2
	EXPECT_EQ(changes[0].ttl_seconds, 0u);
	EXPECT_EQ(r().next_wakeup_ns(), t0 + 5 * kSec);
	// Over a minute of TTL-0 answers: asked every 5 s, never more often.
	run_until(t0 + 60 * kSec);
	auto at = transport_.asked_at("local.test", Family::v4);
	ASSERT_EQ(at.size(), 13u);
	for (std::size_t i = 1; i < at.size(); ++i)
		EXPECT_EQ(at[i] - at[i - 1], 5 * kSec);
}

TEST_F(ResolverTest, TtlAboveMaxTtlIsClamped) {
	make();
	transport_.answer("long.test", Family::v4, {v4("10.0.0.1", 7 * 86400)});
	ASSERT_TRUE(r().set_names({"long.test"}).ok());
	const std::uint64_t t0 = now();
	auto changes = r().tick();
	ASSERT_EQ(changes.size(), 1u);
	EXPECT_EQ(changes[0].expiry_ns, t0 + 302 * kSec);
	EXPECT_EQ(changes[0].ttl_seconds, 7u * 86400);
	EXPECT_EQ(r().next_wakeup_ns(), t0 + 300 * kSec);
}

TEST_F(ResolverTest, SmallestTtlOfTheAnswerDrivesTheRefresh) {
	make();
	transport_.answer("mixed.test", Family::v4, {v4("10.0.0.1", 10), v4("10.0.0.2", 50)});
	ASSERT_TRUE(r().set_names({"mixed.test"}).ok());
	const std::uint64_t t0 = now();
	auto changes = r().tick();
	ASSERT_EQ(changes.size(), 2u);
	EXPECT_EQ(changes[0].expiry_ns, t0 + 12 * kSec);
	EXPECT_EQ(changes[1].expiry_ns, t0 + 52 * kSec);
	EXPECT_EQ(r().next_wakeup_ns(), t0 + 10 * kSec);
}

TEST_F(ResolverTest, ExpiryCountsFromWhenTheAnswerArrived) {
	make();
	transport_.set_latency(1500ms);
	transport_.answer("slow.test", Family::v4, {v4("10.0.0.1", 10)});
	ASSERT_TRUE(r().set_names({"slow.test"}).ok());
	const std::uint64_t t0 = now();
	auto changes = r().tick();
	ASSERT_EQ(changes.size(), 1u);
	EXPECT_EQ(changes[0].expiry_ns, t0 + 1500 * kSec / 1000 + 12 * kSec);
}

TEST_F(ResolverTest, AnAnsweredAddressNeverExpires) {
	make();
	// Slow answers and TTL 0: the worst case for an address lapsing between refreshes.
	transport_.set_latency(1900ms);
	transport_.answer("steady.test", Family::v4, {v4("10.0.0.1", 0)});
	ASSERT_TRUE(r().set_names({"steady.test"}).ok());
	const std::uint64_t t0 = now();
	auto changes = run_until(t0 + 600 * kSec);
	ASSERT_FALSE(changes.empty());
	EXPECT_EQ(show(changes.front()), "added steady.test 10.0.0.1");
	std::uint64_t expiry = changes.front().expiry_ns;
	for (std::size_t i = 1; i < changes.size(); ++i) {
		EXPECT_EQ(changes[i].kind, ChangeKind::updated) << i;
		EXPECT_GT(changes[i].expiry_ns, expiry);
		expiry = changes[i].expiry_ns;
	}
	EXPECT_GT(transport_.asked().size(), 80u);
}

TEST_F(ResolverTest, ChangedAnswerAddsTheNewAddressAndRemovesTheOldAfterGrace) {
	make();
	transport_.answer("moving.test", Family::v4, {v4("10.0.0.1", 30)});
	ASSERT_TRUE(r().set_names({"moving.test"}).ok());
	const std::uint64_t t0 = now();
	r().tick();
	transport_.answer("moving.test", Family::v4, {v4("10.0.0.2", 30)});
	auto changes = tick_at(t0 + 30 * kSec);
	// The old address keeps its expiry (t0 + 32 s): a client that cached it may still connect.
	EXPECT_THAT(show(changes), ::testing::ElementsAre("added moving.test 10.0.0.2"));
	EXPECT_TRUE(tick_at(t0 + 32 * kSec - 1).empty());
	changes = tick_at(t0 + 32 * kSec);
	EXPECT_THAT(show(changes), ::testing::ElementsAre("removed moving.test 10.0.0.1"));
	ASSERT_EQ(r().entries().size(), 1u);
	EXPECT_EQ(r().entries()[0].address.to_string(), "10.0.0.2");
}

TEST_F(ResolverTest, DroppedAddressIsCutBackToTheGraceAfterAStaleSpell) {
	make();
	transport_.answer("moving.test", Family::v4, {v4("10.0.0.1", 30)});
	ASSERT_TRUE(r().set_names({"moving.test"}).ok());
	const std::uint64_t t0 = now();
	r().tick();
	transport_.fail("moving.test", Family::v4);
	tick_at(t0 + 30 * kSec); // stale: 10.0.0.1 held until t0 + 90 s
	transport_.answer("moving.test", Family::v4, {v4("10.0.0.2", 30)});
	auto changes = tick_at(t0 + 31 * kSec);
	EXPECT_THAT(show(changes),
	            ::testing::ElementsAre("updated moving.test 10.0.0.1", "added moving.test 10.0.0.2"));
	EXPECT_EQ(changes[0].expiry_ns, t0 + 33 * kSec);
	EXPECT_THAT(show(tick_at(t0 + 33 * kSec)), ::testing::ElementsAre("removed moving.test 10.0.0.1"));
}

TEST_F(ResolverTest, FailureKeepsTheLastAnswerForTheStaleGraceThenRemovesIt) {
	make();
	transport_.answer("down.test", Family::v4, {v4("10.0.0.1", 30)});
	ASSERT_TRUE(r().set_names({"down.test"}).ok());
	const std::uint64_t t0 = now();
	r().tick();
	transport_.fail("down.test", Family::v4, "timeout");
	const std::uint64_t t_fail = t0 + 30 * kSec;
	auto changes = tick_at(t_fail);
	EXPECT_THAT(show(changes), ::testing::ElementsAre("updated down.test 10.0.0.1 stale"));
	EXPECT_EQ(changes[0].expiry_ns, t_fail + 60 * kSec);
	auto st = r().status();
	ASSERT_EQ(st.size(), 1u);
	EXPECT_EQ(st[0].consecutive_failures, 1u);
	EXPECT_EQ(st[0].stale_until_ns, t_fail + 60 * kSec);
	EXPECT_EQ(st[0].last_error, "timeout");
	EXPECT_TRUE(r().entries()[0].stale);

	// Retries during the grace change nothing; the address goes exactly when the grace ends.
	changes = run_until(t_fail + 60 * kSec - 1);
	EXPECT_TRUE(changes.empty()) << ::testing::PrintToString(show(changes));
	changes = run_until(t_fail + 60 * kSec);
	EXPECT_THAT(show(changes), ::testing::ElementsAre("removed down.test 10.0.0.1 stale"));
	EXPECT_TRUE(r().entries().empty());
}

TEST_F(ResolverTest, RetriesBackOffExponentiallyUpToTheCap) {
	make();
	transport_.fail("down.test", Family::v4);
	ASSERT_TRUE(r().set_names({"down.test"}).ok());
	const std::uint64_t t0 = now();
	run_until(t0 + 40 * kSec);
	auto at = transport_.asked_at("down.test", Family::v4);
	std::vector<std::uint64_t> gaps;
	for (std::size_t i = 1; i < at.size(); ++i)
		gaps.push_back((at[i] - at[i - 1]) / kSec);
	// 1, 2, 4, 8 then capped at 8: t0, +1, +3, +7, +15, +23, +31, +39
	EXPECT_THAT(gaps, ::testing::ElementsAre(1, 2, 4, 8, 8, 8, 8));
	EXPECT_EQ(r().status()[0].consecutive_failures, 8u);
	EXPECT_EQ(r().status()[0].last_success_ns, 0u);
}

TEST_F(ResolverTest, RecoveryWithinTheGraceKeepsTheAddressWithoutRemoval) {
	make();
	transport_.answer("flaky.test", Family::v4, {v4("10.0.0.1", 30)});
	ASSERT_TRUE(r().set_names({"flaky.test"}).ok());
	const std::uint64_t t0 = now();
	r().tick();
	transport_.fail("flaky.test", Family::v4);
	auto changes = run_until(t0 + 40 * kSec);
	EXPECT_THAT(show(changes), ::testing::ElementsAre("updated flaky.test 10.0.0.1 stale"));
	transport_.answer("flaky.test", Family::v4, {v4("10.0.0.1", 30)});
	changes = run_until(t0 + 50 * kSec);
	// Back to normal: no add/remove flap, the TTL rules again, a later outage gets a full grace.
	EXPECT_THAT(show(changes), ::testing::ElementsAre());
	auto st = r().status()[0];
	EXPECT_EQ(st.consecutive_failures, 0u);
	EXPECT_EQ(st.stale_until_ns, 0u);
	EXPECT_EQ(st.last_error, "");
	EXPECT_FALSE(r().entries()[0].stale);
	const std::uint64_t t_back = st.last_success_ns;
	EXPECT_EQ(st.next_refresh_ns, t_back + 30 * kSec);
	transport_.fail("flaky.test", Family::v4);
	changes = run_until(t_back + 30 * kSec);
	EXPECT_THAT(show(changes), ::testing::ElementsAre("updated flaky.test 10.0.0.1 stale"));
	EXPECT_EQ(changes[0].expiry_ns, t_back + 90 * kSec);
}

TEST_F(ResolverTest, RecoveryAfterTheGraceAddsTheAddressAgain) {
	make();
	transport_.answer("back.test", Family::v4, {v4("10.0.0.1", 30)});
	ASSERT_TRUE(r().set_names({"back.test"}).ok());
	const std::uint64_t t0 = now();
	r().tick();
	transport_.fail("back.test", Family::v4);
	auto changes = run_until(t0 + 100 * kSec);
	EXPECT_THAT(show(changes), ::testing::ElementsAre("updated back.test 10.0.0.1 stale",
	                                                  "removed back.test 10.0.0.1 stale"));
	transport_.answer("back.test", Family::v4, {v4("10.0.0.1", 30)});
	changes = run_until(t0 + 110 * kSec); // the next retry is at most backoff_max away
	EXPECT_THAT(show(changes), ::testing::ElementsAre("added back.test 10.0.0.1"));
}

TEST_F(ResolverTest, AnEmptyAnswerIsNotAFailure) {
	make();
	transport_.answer("gone.test", Family::v4, {v4("10.0.0.1", 30)});
	ASSERT_TRUE(r().set_names({"gone.test"}).ok());
	const std::uint64_t t0 = now();
	r().tick();
	transport_.answer("gone.test", Family::v4, {}); // NXDOMAIN / NODATA
	EXPECT_TRUE(tick_at(t0 + 30 * kSec).empty());
	auto st = r().status()[0];
	EXPECT_EQ(st.consecutive_failures, 0u);
	EXPECT_EQ(st.stale_until_ns, 0u);
	EXPECT_EQ(st.next_refresh_ns, t0 + 35 * kSec); // minTTL
	EXPECT_THAT(show(tick_at(t0 + 32 * kSec)), ::testing::ElementsAre("removed gone.test 10.0.0.1"));
}

TEST_F(ResolverTest, SetNamesIsADiff) {
	make();
	transport_.answer("a.test", Family::v4, {v4("10.0.0.1", 30)});
	transport_.answer("b.test", Family::v4, {v4("10.0.0.2", 30)});
	transport_.answer("c.test", Family::v4, {v4("10.0.0.3", 30)});
	ASSERT_TRUE(r().set_names({"a.test", "b.test"}).ok());
	const std::uint64_t t0 = now();
	EXPECT_EQ(r().tick().size(), 2u);
	transport_.clear();
	clock_.advance(10s);
	ASSERT_TRUE(r().set_names({"c.test", "B.TEST", "b.test."}).ok());
	EXPECT_EQ(r().next_wakeup_ns(), 0u); // the removal is waiting
	auto changes = r().tick();
	EXPECT_THAT(show(changes),
	            ::testing::ElementsAre("removed a.test 10.0.0.1", "added c.test 10.0.0.3"));
	// b.test kept its schedule: not asked again until its TTL.
	ASSERT_EQ(transport_.asked().size(), 1u);
	EXPECT_EQ(transport_.asked()[0].name, "c.test");
	EXPECT_THAT(r().names(), ::testing::ElementsAre("b.test", "c.test"));
	EXPECT_EQ(r().status().size(), 2u);
	run_until(t0 + 30 * kSec);
	EXPECT_THAT(transport_.asked_at("b.test", Family::v4), ::testing::ElementsAre(t0 + 30 * kSec));
	EXPECT_TRUE(transport_.asked_at("a.test", Family::v4).empty());
}

TEST_F(ResolverTest, AnInvalidNameChangesNothing) {
	make();
	ASSERT_TRUE(r().set_names({"a.test"}).ok());
	auto st = r().set_names({"b.test", "*.wild.test"});
	ASSERT_FALSE(st.ok());
	EXPECT_NE(st.error().to_string().find("*.wild.test"), std::string::npos);
	EXPECT_EQ(st.error().code(), EINVAL);
	EXPECT_THAT(r().names(), ::testing::ElementsAre("a.test"));
}

TEST_F(ResolverTest, ARecordsAndAaaaRecordsHaveTheirOwnSchedule) {
	Options o = test_options();
	o.ipv6 = true;
	make(o);
	transport_.answer("dual.test", Family::v4, {v4("10.0.0.1", 10)});
	transport_.answer("dual.test", Family::v6, {v6("fd00::1", 40)});
	ASSERT_TRUE(r().set_names({"dual.test"}).ok());
	const std::uint64_t t0 = now();
	auto changes = r().tick();
	EXPECT_THAT(show(changes),
	            ::testing::ElementsAre("added dual.test 10.0.0.1", "added dual.test fd00::1"));
	EXPECT_EQ(transport_.batches(), 1); // both asked in one batch
	transport_.fail("dual.test", Family::v6);
	run_until(t0 + 40 * kSec);
	EXPECT_EQ(transport_.asked_at("dual.test", Family::v4).size(), 5u); // t0, +10, +20, +30, +40
	EXPECT_EQ(transport_.asked_at("dual.test", Family::v6).size(), 2u);
	auto st = r().status();
	ASSERT_EQ(st.size(), 2u);
	EXPECT_EQ(st[0].consecutive_failures, 0u);
	EXPECT_EQ(st[1].family, Family::v6);
	EXPECT_EQ(st[1].consecutive_failures, 1u);
}

TEST_F(ResolverTest, AnswersOfTheOtherFamilyAreIgnored) {
	make();
	transport_.answer("odd.test", Family::v4, {v4("10.0.0.1", 10), v6("fd00::1", 10)});
	ASSERT_TRUE(r().set_names({"odd.test"}).ok());
	EXPECT_THAT(show(r().tick()), ::testing::ElementsAre("added odd.test 10.0.0.1"));
}

TEST_F(ResolverTest, OnlyIpv4IsAskedWhenIpv6IsOff) {
	make();
	ASSERT_TRUE(r().set_names({"v4only.test"}).ok());
	r().tick();
	ASSERT_EQ(transport_.asked().size(), 1u);
	EXPECT_EQ(transport_.asked()[0].family, Family::v4);
}

TEST_F(ResolverTest, AnAddressSharedByTwoNamesIsReportedUnderEach) {
	make();
	transport_.answer("one.test", Family::v4, {v4("10.0.0.1", 30)});
	transport_.answer("two.test", Family::v4, {v4("10.0.0.1", 30)});
	ASSERT_TRUE(r().set_names({"one.test", "two.test"}).ok());
	EXPECT_THAT(show(r().tick()),
	            ::testing::ElementsAre("added one.test 10.0.0.1", "added two.test 10.0.0.1"));
	ASSERT_TRUE(r().set_names({"two.test"}).ok());
	EXPECT_THAT(show(r().tick()), ::testing::ElementsAre("removed one.test 10.0.0.1"));
	EXPECT_EQ(r().entries().size(), 1u);
}

TEST_F(ResolverTest, DueNamesShareOneBatch) {
	make();
	ASSERT_TRUE(r().set_names({"a.test", "b.test", "c.test"}).ok());
	r().tick();
	EXPECT_EQ(transport_.batches(), 1);
	EXPECT_EQ(transport_.asked().size(), 3u);
	EXPECT_TRUE(r().tick().empty());
	EXPECT_EQ(transport_.batches(), 1); // nothing due: the transport is not called
}

TEST_F(ResolverTest, NothingToDoMeansNoWakeup) {
	make();
	EXPECT_EQ(r().next_wakeup_ns(), Resolver::kNever);
	EXPECT_TRUE(r().tick().empty());
	EXPECT_EQ(transport_.batches(), 0);
}

TEST(ResolverOptions, InvalidOptionsAreRefused) {
	ManualClock clock;
	FakeTransport transport(clock);
	auto refused = [&](auto edit) {
		Options o;
		edit(o);
		auto r = Resolver::create(o, transport, clock);
		return !r.ok() && r.error().code() == EINVAL;
	};
	EXPECT_TRUE(Options().validate().ok());
	EXPECT_TRUE(refused([](Options& o) { o.min_ttl = 0s; }));
	EXPECT_TRUE(refused([](Options& o) { o.min_ttl = 100s, o.max_ttl = 10s; }));
	EXPECT_TRUE(refused([](Options& o) { o.grace = -1s; }));
	EXPECT_TRUE(refused([](Options& o) { o.stale_grace = -1s; }));
	EXPECT_TRUE(refused([](Options& o) { o.backoff_initial = 0s; }));
	EXPECT_TRUE(refused([](Options& o) { o.backoff_initial = 10s, o.backoff_max = 1s; }));
	EXPECT_TRUE(refused([](Options& o) { o.ipv4 = false, o.ipv6 = false; }));
}

} // namespace
} // namespace egress::resolver
