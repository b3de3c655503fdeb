// egressd with `uplink: auto` on the simulated node: the TC backstop goes on the interface of the
// default route, follows `ip route replace default` to a second interface (a veth pair with both
// ends in the client namespace: test kernels lack the dummy driver), leaves a clsact it did not
// create in place, and survives the loss of every default route; `status` tells each step, with
// the apply timings of every reload.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "daemon_node.h"
#include "root.h"
#include "system.h"

namespace {

using namespace egress;
using namespace egress::e2e;
using namespace std::chrono_literals;
using nlohmann::json;

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 10s) {
	auto end = std::chrono::steady_clock::now() + timeout;
	while (std::chrono::steady_clock::now() < end) {
		if (pred())
			return true;
		std::this_thread::sleep_for(100ms);
	}
	return pred();
}

bool contains(const json& array, const std::string& value) {
	return array.is_array() && std::find(array.begin(), array.end(), json(value)) != array.end();
}

class EgressdE2eUplink : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		node_ = std::make_unique<DaemonNode>();
		ns_ = node_->net().client();
		veth_ = node_->net().client_if();
		node_->publish_config(node_->config_yaml() + "uplink: auto\n");
	}
	void TearDown() override {
		if (node_ && HasFailure())
			std::cerr << "---- egressd log ----\n"
			          << node_->egressd_log() << "---------------------\n";
		node_.reset();
	}

	json status() const {
		auto r = node_->control("status");
		EXPECT_TRUE(r.value("ok", false)) << r.dump();
		return r.value("result", json::object());
	}

	void ip(const std::string& args) const { testlib::run_or_throw("ip -n " + ns_ + " " + args); }

	int ifindex(const std::string& ifname) const {
		// "7: name@peer: <...": the index before the first colon.
		auto out = testlib::run_or_throw("ip -n " + ns_ + " -o link show dev " + ifname);
		return std::stoi(out.substr(0, out.find(':')));
	}

	// Our filter (kernel::kTcHandle, 0x4145, priority 0x4145 = 16709) on `ifname`'s egress.
	bool has_our_filter(const std::string& ifname) const {
		auto r = testlib::run("tc -n " + ns_ + " filter show dev " + ifname + " egress");
		return r.status == 0 && r.output.find("handle 0x4145") != std::string::npos &&
		       r.output.find("pref 16709") != std::string::npos;
	}

	bool has_clsact(const std::string& ifname) const {
		auto r = testlib::run("tc -n " + ns_ + " qdisc show dev " + ifname);
		return r.status == 0 && r.output.find("clsact") != std::string::npos;
	}

	bool uplink_is(const std::string& ifname) const {
		auto u = status()["uplink"];
		return u["interface"] == ifname && u["backstop"]["attached"] == true &&
		       u["backstop"]["ifindex"] == u["ifindex"];
	}

	std::unique_ptr<DaemonNode> node_;
	std::string ns_, veth_;
};

TEST_F(EgressdE2eUplink, TheBackstopSitsOnTheDefaultRoutesInterfaceAndFollowsItWhenTheRouteMoves) {
	ASSERT_FALSE(has_clsact(veth_));
	node_->start_egressd();

	// 1. At start: the veth of the default route, our filter on its egress.
	json s = status();
	json u = s["uplink"];
	EXPECT_EQ(u["mode"], "auto") << u.dump();
	EXPECT_EQ(u["interface"], veth_) << u.dump();
	EXPECT_EQ(u["ifindex"], ifindex(veth_)) << u.dump();
	EXPECT_EQ(u["gateway"], testlib::NetnsPair::kServerV4) << u.dump();
	EXPECT_EQ(u["addresses"], json::array({std::string(testlib::NetnsPair::kClientV4) + "/24",
	                                       std::string(testlib::NetnsPair::kClientV6) + "/64"}))
	    << u.dump();
	EXPECT_EQ(u["backstop"]["attached"], true) << u.dump();
	EXPECT_EQ(u["backstop"]["ifindex"], ifindex(veth_)) << u.dump();
	EXPECT_EQ(u["backstop"]["enforce"], false) << u.dump();
	EXPECT_TRUE(contains(s["node_addresses"], std::string(testlib::NetnsPair::kClientV4) + "/24"))
	    << s["node_addresses"].dump();
	EXPECT_TRUE(has_our_filter(veth_));
	EXPECT_TRUE(has_clsact(veth_)); // created by us

	// 2. A second interface whose clsact belongs to someone else, then the default route onto it.
	std::string second = testlib::unique_name("eu");
	ip("link add " + second + " type veth peer name " + second + "p");
	ip("link set " + second + "p up");
	ip("addr add 100.64.0.1/24 dev " + second);
	ip("link set " + second + " up");
	testlib::run_or_throw("tc -n " + ns_ + " qdisc add dev " + second + " clsact");
	ip("route replace default via 100.64.0.2 dev " + second);

	ASSERT_TRUE(eventually([&] { return uplink_is(second); })) << status()["uplink"].dump();
	u = status()["uplink"];
	EXPECT_EQ(u["ifindex"], ifindex(second));
	EXPECT_EQ(u["gateway"], "100.64.0.2");
	EXPECT_EQ(u["addresses"], json::array({"100.64.0.1/24"}));
	EXPECT_TRUE(contains(status()["node_addresses"], "100.64.0.1/24"));
	EXPECT_TRUE(has_our_filter(second));
	EXPECT_FALSE(has_our_filter(veth_));
	EXPECT_FALSE(has_clsact(veth_)) << "the clsact we created on the old uplink stays behind";

	// 3. Back to the veth: our filter leaves the second interface, its clsact (not ours) stays.
	ip("route replace default via " + std::string(testlib::NetnsPair::kServerV4) + " dev " + veth_);
	ASSERT_TRUE(eventually([&] { return uplink_is(veth_); })) << status()["uplink"].dump();
	EXPECT_TRUE(has_our_filter(veth_));
	EXPECT_FALSE(has_our_filter(second));
	EXPECT_TRUE(has_clsact(second)) << "a clsact we did not create was removed";

	// 4. No default route at all (IPv6 would be the fallback): no backstop, egressd goes on.
	ip("route del default");
	ip("-6 route del default");
	ASSERT_TRUE(eventually([&] {
		auto v = status()["uplink"];
		return v["interface"].is_null() && v["backstop"]["attached"] == false;
	})) << status()["uplink"].dump();
	EXPECT_FALSE(has_our_filter(veth_));
	EXPECT_TRUE(node_->egressd_running());
	EXPECT_NE(node_->egressd_log().find("uplink lost"), std::string::npos);

	// 5. A default route comes back: so does the backstop.
	ip("route add default via " + std::string(testlib::NetnsPair::kServerV4));
	ASSERT_TRUE(eventually([&] { return uplink_is(veth_); })) << status()["uplink"].dump();
	EXPECT_TRUE(has_our_filter(veth_));
}

TEST_F(EgressdE2eUplink, ARestartAfterTheUplinkMovedTakesTheFilterOffTheOldInterface) {
	node_->start_egressd();
	ASSERT_TRUE(uplink_is(veth_)) << status()["uplink"].dump();
	node_->kill_egressd(SIGKILL);
	node_->wait_egressd();
	EXPECT_TRUE(has_our_filter(veth_)) << "pinned enforcement keeps the backstop while egressd is down";

	std::string second = testlib::unique_name("eu");
	ip("link add " + second + " type veth peer name " + second + "p");
	ip("link set " + second + "p up");
	ip("addr add 100.64.0.1/24 dev " + second);
	ip("link set " + second + " up");
	ip("route replace default via 100.64.0.2 dev " + second);

	node_->start_egressd();
	json s = status();
	EXPECT_EQ(s["adopted"], true);
	EXPECT_TRUE(uplink_is(second)) << s["uplink"].dump();
	EXPECT_TRUE(has_our_filter(second));
	EXPECT_FALSE(has_our_filter(veth_)) << "the previous egressd's filter stayed on the old uplink";
	EXPECT_FALSE(has_clsact(veth_));
}

TEST_F(EgressdE2eUplink, StatusReportsHowLongEachApplyTookAndTheLogSaysIt) {
	node_->start_egressd();
	json r = status()["last_reload"];
	EXPECT_EQ(r["trigger"], "startup");
	ASSERT_TRUE(r["apply_ms"].is_number()) << r.dump();
	ASSERT_TRUE(r["maps_ms"].is_number()) << r.dump();
	EXPECT_GT(r["apply_ms"].get<double>(), 0.0);
	EXPECT_GT(r["maps_ms"].get<double>(), 0.0);
	EXPECT_LE(r["maps_ms"].get<double>(), r["apply_ms"].get<double>());

	if (std::getenv("EGRESS_PRINT_STATUS"))
		std::cerr << status().dump(2) << "\n";
	auto reloaded = node_->control("reload");
	ASSERT_TRUE(reloaded.value("ok", false)) << reloaded.dump();
	r = status()["last_reload"];
	EXPECT_EQ(r["trigger"], "control");
	EXPECT_GT(r["apply_ms"].get<double>(), 0.0);
	EXPECT_GT(r["maps_ms"].get<double>(), 0.0);
	EXPECT_LE(r["maps_ms"].get<double>(), r["apply_ms"].get<double>());
	auto log = node_->egressd_log();
	EXPECT_NE(log.find("startup: generation"), std::string::npos);
	EXPECT_NE(log.find("reload (control): generation"), std::string::npos) << log;
	EXPECT_NE(log.find("ms (map writes"), std::string::npos);
}

} // namespace
