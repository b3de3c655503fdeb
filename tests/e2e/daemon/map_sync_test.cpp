// map_sync against real kernel maps: a datapath loaded into a private bpffs for a child cgroup
// (nothing attached), then the daemon's writers: policy diff, learned writes, relearn, GC.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>

#include <memory>

#include "common/clock.h"
#include "daemon/check_key.h"
#include "verdict/desired_state.h"
#include "daemon/learned_book.h"
#include "daemon/map_sync.h"
#include "fixtures.h"
#include "kernel/datapath.h"
#include "kernel/dns_maps.h"
#include "root.h"

namespace {

using namespace egress;
using namespace egress::daemon;
using egress::Proto;
using policy::PortRange;

policy::CidrRule cidr(const std::string& text, std::vector<PortRange> ports, bool floor = false) {
	auto c = policy::parse_cidr(text);
	EXPECT_TRUE(c.ok()) << text;
	return {*c, std::move(ports), {"test"}, floor};
}

class MapSync : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		cg_ = std::make_unique<testlib::ChildCgroup>();
		pins_ = std::make_unique<testlib::PinDir>();
		kernel::DatapathOptions o;
		o.cgroup_path = cg_->path();
		o.pin_dir = pins_->path() + "/egress";
		o.sizes.learned_entries = 20;
		opts_ = o;
		auto dp = kernel::Datapath::load(o);
		ASSERT_TRUE(dp.ok()) << dp.error().to_string();
		dp_.emplace(std::move(*dp));
	}
	void TearDown() override {
		dp_.reset();
		if (pins_)
			(void)kernel::uninstall(pins_->path() + "/egress");
	}

	size_t entries(kernel::MapId id) {
		auto f = dp_->fill(id);
		EXPECT_TRUE(f.ok());
		return f.ok() ? f->entries : 0;
	}

	LearnedWrite learned(const std::string& addr, uint64_t expires, uint64_t name_hash = 0) {
		auto a = parse_ip(addr);
		EXPECT_TRUE(a.ok());
		egress_learned_value v{};
		v.expires_ns = expires;
		v.name_hash = name_hash;
		v.ports.n_ranges = 1;
		v.ports.ranges[0] = {443, 443, EGRESS_PROTO_TCP, {}};
		return {*a, v, 0};
	}

	std::unique_ptr<testlib::ChildCgroup> cg_;
	std::unique_ptr<testlib::PinDir> pins_;
	std::optional<kernel::Datapath> dp_;
	kernel::DatapathOptions opts_;
};

TEST_F(MapSync, PolicyMapsHoldExactlyTheDesiredStateAndOnlyChangesAreWritten) {
	policy::CompiledPolicy p;
	p.cidrs = {cidr("10.0.0.0/8", {{Proto::any, 0, 65535}}, true),
	           cidr("198.51.100.0/24", {{Proto::tcp, 443, 443}}),
	           cidr("198.51.100.128/25", {{Proto::udp, 53, 53}}),
	           cidr("2001:db8::/32", {{Proto::tcp, 443, 443}})};
	auto d = verdict::build_desired_state(p);
	ASSERT_TRUE(d.ok());
	auto first = apply_policy_maps(*dp_, *d);
	ASSERT_TRUE(first.ok()) << first.error().to_string();
	EXPECT_EQ(first->added, 4u);
	EXPECT_EQ(entries(kernel::MapId::floor4), 1u);
	EXPECT_EQ(entries(kernel::MapId::cidr4), 2u);
	EXPECT_EQ(entries(kernel::MapId::cidr6), 1u);

	// The kernel's longest-prefix lookup of an address in the /25 finds the folded ports.
	egress_lpm4_key k{32, {}};
	inet_pton(AF_INET, "198.51.100.200", k.addr);
	egress_ports v{};
	ASSERT_EQ(bpf_map_lookup_elem(dp_->map_fd(kernel::MapId::cidr4), &k, &v), 0);
	EXPECT_EQ(policy::ports_text(verdict::policy_ports(v)), "tcp/443,udp/53");

	auto again = apply_policy_maps(*dp_, *d);
	ASSERT_TRUE(again.ok());
	EXPECT_EQ(again->added + again->changed + again->removed, 0u);
	EXPECT_EQ(again->unchanged, 4u);

	p.cidrs.pop_back();
	p.cidrs[1].ports.push_back({Proto::tcp, 80, 80});
	auto d2 = verdict::build_desired_state(p);
	ASSERT_TRUE(d2.ok());
	auto third = apply_policy_maps(*dp_, *d2);
	ASSERT_TRUE(third.ok());
	EXPECT_EQ(third->removed, 1u);
	EXPECT_EQ(third->changed, 2u) << "the /24 and the /25 that folds it";
	EXPECT_EQ(entries(kernel::MapId::cidr6), 0u);
}

TEST_F(MapSync, GcDeletesExpiredEntriesAndEvictsTheSoonestExpiringAboveTheHighWaterMark) {
	uint64_t now = SystemClock::instance().boot_ns();
	ASSERT_TRUE(write_learned(*dp_, learned("192.0.2.1", now - 1)).ok());
	for (int i = 0; i < 19; ++i)
		ASSERT_TRUE(write_learned(*dp_, learned("192.0.2." + std::to_string(10 + i),
		                                        now + 1'000'000'000ULL * (i + 1)))
		                .ok());
	ASSERT_TRUE(write_learned(*dp_, learned("2001:db8::1", now + 5'000'000'000ULL)).ok());
	auto gc = collect_learned(*dp_, now, 0.9, 0.5);
	ASSERT_TRUE(gc.ok()) << gc.error().to_string();
	EXPECT_EQ(gc->expired, 1u);
	EXPECT_EQ(gc->max_entries, 20u);
	EXPECT_EQ(gc->evicted, 9u) << "19 live > 18 (90 %): down to 10 (50 %)";
	EXPECT_EQ(gc->entries4, 10u);
	EXPECT_EQ(gc->entries6, 1u);
	auto left = dp_->verdict_maps().learned_entries();
	ASSERT_TRUE(left.ok());
	for (const auto& e : *left) {
		if (e.address.family != Family::v4)
			continue; // the IPv6 map was under its mark: nothing evicted there
		EXPECT_GE(e.value.expires_ns, now + 10'000'000'000ULL)
		    << e.address.to_string() << ": the latest-expiring stay";
	}
}

TEST_F(MapSync, ADeleteSparesAnEntryTheKernelRefreshedAndRelearnFollowsTheRules) {
	uint64_t now = SystemClock::instance().boot_ns();
	auto w = learned("192.0.2.1", now + 100'000'000'000ULL);
	ASSERT_TRUE(write_learned(*dp_, w).ok());
	LearnedWrite del{w.address, std::nullopt, now + 50'000'000'000ULL};
	ASSERT_TRUE(write_learned(*dp_, del).ok());
	EXPECT_EQ(entries(kernel::MapId::learned4), 1u) << "refreshed later than the resolver's expiry: kept";
	del.expiry_ns = now + 100'000'000'000ULL;
	ASSERT_TRUE(write_learned(*dp_, del).ok());
	EXPECT_EQ(entries(kernel::MapId::learned4), 0u);

	policy::CompiledPolicy p;
	p.names = {{"*.example.com", policy::NameKind::one_label, {{Proto::tcp, 8443, 8443}}, {"test"}}};
	auto d = verdict::build_desired_state(p);
	ASSERT_TRUE(d.ok());
	ASSERT_TRUE(
	    write_learned(*dp_, learned("192.0.2.2", now + 100'000'000'000ULL, d->names[0].key.hash)).ok());
	ASSERT_TRUE(write_learned(*dp_, learned("192.0.2.3", now + 100'000'000'000ULL, 12345)).ok());
	auto dropped = relearn_all(*dp_, d->names);
	ASSERT_TRUE(dropped.ok());
	EXPECT_EQ(*dropped, 1u) << "no rule has key hash 12345";
	auto left = dp_->verdict_maps().learned_entries();
	ASSERT_TRUE(left.ok());
	ASSERT_EQ(left->size(), 1u);
	EXPECT_EQ((*left)[0].address.to_string(), "192.0.2.2");
	EXPECT_EQ(policy::ports_text(verdict::policy_ports((*left)[0].value.ports)), "tcp/8443")
	    << "the rule's new ports";
}

TEST_F(MapSync, NameRulesAndTrustedResolversAreWrittenAsADiff) {
	policy::CompiledPolicy p;
	p.names = {
	    {"*.hcp.eastus.azmk8s.io", policy::NameKind::one_label, {{Proto::tcp, 443, 443}}, {"catalog"}},
	    {"mcr.microsoft.com", policy::NameKind::exact, {{Proto::tcp, 443, 443}}, {"catalog"}}};
	auto d = verdict::build_desired_state(p, 0x5eed);
	ASSERT_TRUE(d.ok());
	auto ip = [](const char* t) { return *parse_ip(t); };
	d->resolvers = {ip("10.0.0.10"), ip("168.63.129.16"), ip("2001:db8::53")};
	auto first = apply_policy_maps(*dp_, *d);
	ASSERT_TRUE(first.ok()) << first.error().to_string();
	EXPECT_EQ(first->added, 5u) << "2 names + 3 resolvers";

	kernel::DnsMaps dns(*dp_);
	auto names = dns.names();
	ASSERT_TRUE(names.ok());
	auto held = names->entries();
	ASSERT_TRUE(held.ok());
	ASSERT_EQ(held->size(), 2u);
	for (const auto& e : d->names) {
		egress_name_value v{};
		ASSERT_EQ(bpf_map_lookup_elem(dp_->map_fd(kernel::MapId::names), &e.key, &v), 0);
		EXPECT_EQ(v.check, e.value.check) << "hashed with the key given";
	}
	auto r4 = kernel::TypedMap<egress_dns_resolver4_key, uint8_t>::open(
	    dp_->map_fd(kernel::MapId::dns_resolvers4));
	auto r6 = kernel::TypedMap<egress_dns_resolver6_key, uint8_t>::open(
	    dp_->map_fd(kernel::MapId::dns_resolvers6));
	ASSERT_TRUE(r4.ok() && r6.ok());
	EXPECT_EQ(r4->entries()->size(), 2u);
	EXPECT_EQ(r6->entries()->size(), 1u);

	// 168.63.129.16 and the IPv6 server go, 127.0.0.53 comes: only those three keys are written.
	d->resolvers = {ip("10.0.0.10"), ip("127.0.0.53")};
	auto second = apply_policy_maps(*dp_, *d);
	ASSERT_TRUE(second.ok());
	EXPECT_EQ(second->added, 1u);
	EXPECT_EQ(second->removed, 2u);
	EXPECT_EQ(second->changed, 0u);
	auto v4 = r4->entries();
	ASSERT_TRUE(v4.ok());
	std::vector<std::string> left;
	for (const auto& [k, v] : *v4) {
		char buf[INET_ADDRSTRLEN];
		left.push_back(inet_ntop(AF_INET, k.addr, buf, sizeof(buf)));
		EXPECT_EQ(v, 1);
	}
	std::sort(left.begin(), left.end());
	EXPECT_EQ(left, (std::vector<std::string>{"10.0.0.10", "127.0.0.53"}));
	EXPECT_EQ(r6->entries()->size(), 0u);

	// Another check key rewrites every name value (same keys: the first hash is not keyed).
	auto rekeyed = verdict::build_desired_state(p, 0x5eee);
	ASSERT_TRUE(rekeyed.ok());
	rekeyed->resolvers = d->resolvers;
	auto third = apply_policy_maps(*dp_, *rekeyed);
	ASSERT_TRUE(third.ok());
	EXPECT_EQ(third->changed, 2u);
	EXPECT_EQ(third->added + third->removed, 0u);
}

TEST_F(MapSync, TheCheckKeyIsRandomOnAFreshInstallAndKeptOnAdoption) {
	ASSERT_FALSE(dp_->adopted());
	auto fresh = choose_check_key(kernel::DnsMaps(*dp_), dp_->adopted());
	ASSERT_TRUE(fresh.ok()) << fresh.error().to_string();
	EXPECT_TRUE(fresh->generated);
	EXPECT_NE(fresh->key, 0u);
	policy::DnsSettings timing;
	ASSERT_TRUE(kernel::DnsMaps(*dp_).write_settings(dns_settings(fresh->key, timing)).ok());

	auto reload = [&] {
		dp_.reset();
		auto dp = kernel::Datapath::load(opts_);
		ASSERT_TRUE(dp.ok()) << dp.error().to_string();
		dp_.emplace(std::move(*dp));
		ASSERT_TRUE(dp_->adopted());
	};
	reload();
	auto kept = choose_check_key(kernel::DnsMaps(*dp_), dp_->adopted());
	ASSERT_TRUE(kept.ok()) << kept.error().to_string();
	EXPECT_FALSE(kept->generated);
	EXPECT_EQ(kept->key, fresh->key);

	// Key 0 with name entries hashed under it stays 0; without entries it may be replaced.
	ASSERT_TRUE(kernel::DnsMaps(*dp_).write_settings(dns_settings(0, timing)).ok());
	policy::CompiledPolicy p;
	p.names = {{"mcr.microsoft.com", policy::NameKind::exact, {{Proto::tcp, 443, 443}}, {"catalog"}}};
	auto d = verdict::build_desired_state(p, 0);
	ASSERT_TRUE(d.ok());
	ASSERT_TRUE(apply_policy_maps(*dp_, *d).ok());
	reload();
	auto zero = choose_check_key(kernel::DnsMaps(*dp_), dp_->adopted());
	ASSERT_TRUE(zero.ok());
	EXPECT_FALSE(zero->generated);
	EXPECT_EQ(zero->key, 0u);
	ASSERT_TRUE(apply_policy_maps(*dp_, verdict::DesiredState{}).ok());
	auto replaced = choose_check_key(kernel::DnsMaps(*dp_), dp_->adopted());
	ASSERT_TRUE(replaced.ok());
	EXPECT_TRUE(replaced->generated);
	EXPECT_NE(replaced->key, 0u);
}

} // namespace
