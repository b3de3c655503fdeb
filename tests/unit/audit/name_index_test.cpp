#include "audit/name_index.h"

#include <gtest/gtest.h>

#include "test_events.h"

namespace egress::audit {
namespace {

using namespace std::chrono_literals;
using testing::addr;
using testing::learn;
using Names = std::vector<std::string>;

constexpr uint64_t kSec = 1'000'000'000ULL;

TEST(NameIndex, MostRecentFirstWithoutDuplicates) {
	NameIndex idx;
	idx.learn(learn("20.60.1.2", "a.blob.core.windows.net", 100 * kSec));
	idx.learn(learn("20.60.1.2", "b.blob.core.windows.net", 100 * kSec));
	idx.learn(learn("20.60.1.2", "a.blob.core.windows.net", 200 * kSec));
	EXPECT_EQ(idx.names(addr("20.60.1.2"), 50 * kSec),
	          (Names{"a.blob.core.windows.net", "b.blob.core.windows.net"}));
	EXPECT_EQ(idx.lookup(addr("20.60.1.2"), 50 * kSec).front().expires_ns, 200 * kSec);
	EXPECT_TRUE(idx.names(addr("20.60.1.3"), 50 * kSec).empty());
}

TEST(NameIndex, KeptForRetentionAfterExpiry) {
	NameIndex idx({.max_addresses = 16, .max_names_per_address = 4, .retention = 60s});
	idx.learn(learn("20.60.1.2", "mcr.microsoft.com", 100 * kSec));
	EXPECT_EQ(idx.names(addr("20.60.1.2"), 150 * kSec), Names{"mcr.microsoft.com"}); // expired, retained
	EXPECT_EQ(idx.names(addr("20.60.1.2"), 160 * kSec), Names{"mcr.microsoft.com"});
	EXPECT_TRUE(idx.names(addr("20.60.1.2"), 161 * kSec).empty());
	EXPECT_EQ(idx.size(), 1u);
	EXPECT_EQ(idx.expire(161 * kSec), 1u);
	EXPECT_EQ(idx.size(), 0u);
}

TEST(NameIndex, BoundedInAddressesAndNames) {
	NameIndex idx({.max_addresses = 2, .max_names_per_address = 2, .retention = 0s});
	idx.learn(learn("10.0.0.1", "one", kSec));
	idx.learn(learn("10.0.0.2", "two", kSec));
	idx.learn(learn("10.0.0.1", "uno", kSec));   // refreshes 10.0.0.1
	idx.learn(learn("10.0.0.3", "three", kSec)); // evicts 10.0.0.2, the least recently learned
	EXPECT_EQ(idx.size(), 2u);
	EXPECT_TRUE(idx.names(addr("10.0.0.2"), 0).empty());
	idx.learn(learn("10.0.0.1", "eins", kSec));
	EXPECT_EQ(idx.names(addr("10.0.0.1"), 0), (Names{"eins", "uno"}));
}

TEST(NameIndex, SnapshotListsLiveEntriesNewestFirst) {
	NameIndex idx({.max_addresses = 16, .max_names_per_address = 4, .retention = 0s});
	idx.learn(learn("10.0.0.1", "old", 5 * kSec));
	idx.learn(learn("10.0.0.2", "live", 50 * kSec));
	idx.learn(learn("2001:db8::2", "live6", 50 * kSec));
	auto snap = idx.snapshot(10 * kSec);
	ASSERT_EQ(snap.size(), 2u);
	EXPECT_EQ(snap[0].address.to_string(), "2001:db8::2");
	EXPECT_EQ(snap[0].names.at(0).name, "live6");
	EXPECT_EQ(snap[1].address.to_string(), "10.0.0.2");
}

TEST(NameIndex, Ipv4MappedIpv6LooksUpIpv4) {
	NameIndex idx;
	idx.learn(learn("20.60.1.2", "x.example.com", 10 * kSec));
	EXPECT_EQ(idx.names(addr("::ffff:20.60.1.2"), 0), Names{"x.example.com"});
	idx.learn(learn("2001:db8::1", "y.example.com", 10 * kSec));
	EXPECT_EQ(idx.names(addr("2001:db8::1"), 0), Names{"y.example.com"});
}

} // namespace
} // namespace egress::audit
