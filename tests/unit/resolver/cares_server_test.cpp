// The c-ares transport's configuration (no network: creating a channel sends nothing).
#include "resolver/cares_transport.h"

#include <gtest/gtest.h>

namespace egress::resolver {
namespace {

TEST(CaresServer, AcceptsAddressesWithAndWithoutPorts) {
	EXPECT_EQ(*cares_server("10.0.0.10"), "10.0.0.10:53");
	EXPECT_EQ(*cares_server("10.0.0.10:5353"), "10.0.0.10:5353");
	EXPECT_EQ(*cares_server("fd00::10"), "[fd00::10]:53");
	EXPECT_EQ(*cares_server("[fd00::10]"), "[fd00::10]:53");
	EXPECT_EQ(*cares_server("[FD00::10]:5353"), "[fd00::10]:5353");
}

TEST(CaresServer, RejectsWhatIsNotAnAddressAndPort) {
	for (const char* bad : {"", "dns.example", "10.0.0.10:", "10.0.0.10:0", "10.0.0.10:65536",
	                        "10.0.0.10:53x", "[fd00::10", "[fd00::10]53", "[10.0.0.1:53"}) {
		auto r = cares_server(bad);
		EXPECT_FALSE(r.ok()) << bad;
		if (!r.ok()) {
			EXPECT_EQ(r.error().code(), EINVAL);
		}
	}
}

TEST(CaresTransport, NeedsServersAndSaneTimeouts) {
	EXPECT_FALSE(CaresTransport::create({}).ok());
	CaresOptions o;
	o.servers = {"127.0.0.1:5300", "[::1]:5300"};
	o.tries = 0;
	EXPECT_FALSE(CaresTransport::create(o).ok());
	o.tries = 2;
	o.servers.push_back("resolver.example");
	EXPECT_FALSE(CaresTransport::create(o).ok());
	o.servers.pop_back();
	auto t = CaresTransport::create(o);
	ASSERT_TRUE(t.ok()) << t.error().to_string();
	EXPECT_EQ((*t)->servers_csv(), "127.0.0.1:5300,[::1]:5300");
}

} // namespace
} // namespace egress::resolver
