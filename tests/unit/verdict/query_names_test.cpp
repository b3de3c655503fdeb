#include <gtest/gtest.h>

#include <algorithm>

#include "verdict/query_names.h"

namespace {

using egress::catalog::Cloud;
using egress::verdict::query_only_names;

bool has(const std::vector<std::string>& v, const std::string& s) {
	return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(QueryOnlyNames, ClusterReverseZonesCloudSuffixAndSearchDomains) {
	auto q = query_only_names(Cloud::azure_cloud, "cluster.local",
	                          {"svc.cluster.local", "Corp.Example.", "abc.internal.cloudapp.net"});
	for (const char* s : {"in-addr.arpa", "ip6.arpa", "cluster.local", "internal.cloudapp.net",
	                      "svc.cluster.local", "corp.example", "abc.internal.cloudapp.net"})
		EXPECT_TRUE(has(q.suffixes, s)) << s;
	EXPECT_TRUE(std::is_sorted(q.suffixes.begin(), q.suffixes.end()));
	EXPECT_TRUE(q.ignored.empty());
}

TEST(QueryOnlyNames, EachCloudHasItsOwnInternalSuffix) {
	EXPECT_TRUE(has(query_only_names(Cloud::azure_china_cloud, "cluster.local", {}).suffixes,
	                "internal.chinacloudapp.cn"));
	EXPECT_TRUE(has(query_only_names(Cloud::azure_us_government, "cluster.local", {}).suffixes,
	                "internal.usgovcloudapp.net"));
}

TEST(QueryOnlyNames, ASingleLabelOrABadSearchDomainIsIgnoredAndSaidWhy) {
	auto q = query_only_names(Cloud::azure_cloud, "cluster.local", {"com", "bad name!", "com"});
	EXPECT_FALSE(has(q.suffixes, "com")) << "every .com name would be a tunnel";
	ASSERT_EQ(q.ignored.size(), 3u);
	EXPECT_NE(q.ignored[0].find("single label"), std::string::npos) << q.ignored[0];
	EXPECT_NE(q.ignored[1].find("bad name!"), std::string::npos) << q.ignored[1];
}

TEST(QueryOnlyNames, DuplicatesMerge) {
	auto q = query_only_names(Cloud::azure_cloud, "cluster.local", {"cluster.local", "CLUSTER.local"});
	EXPECT_EQ(std::count(q.suffixes.begin(), q.suffixes.end(), "cluster.local"), 1);
}

} // namespace
