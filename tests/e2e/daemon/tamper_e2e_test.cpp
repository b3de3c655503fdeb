// Our own objects are tamper-evident: whoever reaches the pins rewrites the config map, adds a
// CIDR rule, detaches or unpins a link, or takes the pod program off a pod's interface — and within
// one heartbeat (1 s) egressd has put it back, logged it and counted it. Each test first shows the
// tampering works (what it opens really opens), then that it is repaired. The tampering runs as
// root here: that a pod's uid 0 can do the same, and that BPF LSM stops it, is host_guard's.
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "kernel/map_writer.h"
#include "kernel/pins.h"
#include "kernel/pod_attach.h"
#include "pod_attacks.h"
#include "root.h"
#include "sim_node.h"
#include "system.h"

namespace egress::e2e {
namespace {

using namespace std::chrono_literals;

constexpr auto kOneHeartbeat = 1500ms; // the 1 s heartbeat plus scheduling slack

// Polls `pred` until it holds; returns how long it took, or nullopt.
template <typename Pred>
std::optional<std::chrono::milliseconds> within(std::chrono::milliseconds limit, Pred pred) {
	auto t0 = std::chrono::steady_clock::now();
	for (;;) {
		auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
		    std::chrono::steady_clock::now() - t0);
		if (pred())
			return spent;
		if (spent > limit)
			return std::nullopt;
		std::this_thread::sleep_for(20ms);
	}
}

class Tamper : public ::testing::Test {
protected:
	void SetUp() override {
		EGRESS_REQUIRE_ROOT();
		node_ = std::make_unique<SimNode>();
		denied_ = node_->add_host("denied.example");
		node_->start_resolver(SimNode::default_resolver());
		NodeConfig c;
		c.extra = "hostGuard: {rawSockets: off, objects: off}\n";
		node_->publish_config(node_->render(c));
		node_->start_egressd();
		ASSERT_EQ(node_->tcp(denied_, 443), EPERM);
	}

	kernel::PinLayout pins() const { return kernel::PinLayout(node_->pin_dir()); }

	template <typename K, typename V>
	kernel::TypedMap<K, V> pinned(kernel::MapId id) {
		fds_.emplace_back(bpf_obj_get(pins().map(id).c_str()));
		auto m = kernel::TypedMap<K, V>::open(fds_.back().get());
		if (!m.ok())
			throw std::runtime_error(m.error().to_string());
		return *m;
	}

	uint64_t repairs(const std::string& object) {
		auto r = node_->status()["tamper"]["repairs"];
		return r.contains(object) ? r[object].get<uint64_t>() : 0;
	}

	void expect_logged(const std::string& object) {
		auto log = node_->egressd_log();
		EXPECT_NE(log.find("tamper: " + object + ":"), std::string::npos) << log;
		EXPECT_GE(repairs(object), 1u);
	}

	std::unique_ptr<SimNode> node_;
	std::string denied_;
	std::vector<UniqueFd> fds_;
};

TEST_F(Tamper, TheConfigMapSetToAuditIsEnforcingAgainWithinAHeartbeat) {
	auto config = pinned<uint32_t, egress_config>(kernel::MapId::config);
	auto cfg = config.get(0);
	ASSERT_TRUE(cfg.ok() && *cfg);
	egress_config audit = **cfg;
	audit.mode = EGRESS_MODE_AUDIT;
	ASSERT_TRUE(config.put(0, audit).ok());
	EXPECT_EQ(node_->tcp(denied_, 443), 0); // audit: the tampering opened the node
	auto took = within(kOneHeartbeat, [&] { return (*config.get(0))->mode == EGRESS_MODE_ENFORCE; });
	ASSERT_TRUE(took) << node_->egressd_log();
	std::printf("config map repaired after %lld ms\n", static_cast<long long>(took->count()));
	EXPECT_EQ(node_->tcp(denied_, 443), EPERM);
	expect_logged("config");
}

TEST_F(Tamper, AnAllowEverythingCidrEntryIsGoneWithinAHeartbeat) {
	auto cidr4 = pinned<egress_lpm4_key, egress_ports>(kernel::MapId::cidr4);
	egress_lpm4_key all{0, {0, 0, 0, 0}};
	egress_ports any{};
	any.n_ranges = 1;
	any.ranges[0] = {0, 65535, EGRESS_PROTO_ANY, {}};
	ASSERT_TRUE(cidr4.put(all, any).ok());
	EXPECT_EQ(node_->tcp(denied_, 443), 0);
	auto took = within(kOneHeartbeat, [&] { return !*cidr4.get(all); });
	ASSERT_TRUE(took) << node_->egressd_log();
	std::printf("CIDR map repaired after %lld ms\n", static_cast<long long>(took->count()));
	EXPECT_EQ(node_->tcp(denied_, 443), EPERM);
	expect_logged("policy_maps");
}

TEST_F(Tamper, ADetachedAndAnUnpinnedLinkAreAttachedAgainWithinAHeartbeat) {
	// Detached through its pin: with connect4 gone a TCP connect is judged by nothing.
	UniqueFd link(bpf_obj_get(pins().link("connect4").c_str()));
	ASSERT_TRUE(link) << std::strerror(errno);
	ASSERT_EQ(bpf_link_detach(link.get()), 0) << std::strerror(errno);
	EXPECT_EQ(node_->tcp(denied_, 443), 0);
	auto took = within(kOneHeartbeat, [&] { return node_->tcp(denied_, 443) == EPERM; });
	ASSERT_TRUE(took) << node_->egressd_log();
	std::printf("detached connect4 repaired after %lld ms\n", static_cast<long long>(took->count()));
	// Unpinned: the last reference goes, and the link with it (the kernel frees it from a work
	// queue, a moment later; a heartbeat may even put it back before a connect sees the gap).
	link.reset();
	ASSERT_EQ(unlink(pins().link("connect4").c_str()), 0);
	EXPECT_TRUE(within(500ms, [&] { return node_->tcp(denied_, 443) == 0 || repairs("link") >= 2; }));
	took =
	    within(kOneHeartbeat, [&] { return repairs("link") >= 2 && node_->tcp(denied_, 443) == EPERM; });
	ASSERT_TRUE(took) << node_->egressd_log();
	std::printf("unpinned connect4 repaired after %lld ms\n", static_cast<long long>(took->count()));
	expect_logged("link");
	EXPECT_GE(repairs("link"), 2u);
}

TEST_F(Tamper, APodProgramTakenOffItsInterfaceIsBackWithinAHeartbeat) {
	Pod& pod = node_->add_pod();
	ASSERT_TRUE(within(3000ms, [&] { return node_->status()["pods"]["guarded"] == 1; }));
	auto pods = pinned<uint32_t, egress_pod_iface>(kernel::MapId::pods);
	auto entry = pods.get(static_cast<uint32_t>(pod.host_ifindex()));
	ASSERT_TRUE(entry.ok() && *entry);
	uint32_t flags = (*entry)->flags, ifindex = static_cast<uint32_t>(pod.host_ifindex());
	std::string pin_dir = node_->pin_dir();
	// Off, as `tc filter del` or a TCX link detach would take it (in the node's netns).
	ASSERT_EQ(
	    testlib::run_in(
	        node_->net().client(), nullptr,
	        [=] {
		        return kernel::detach_pod_programs(ifindex, flags, kernel::PinLayout(pin_dir)).ok()
		                   ? 0
		                   : 1;
	        }),
	    0);
	// A raw frame to a denied address gets out now (unless a heartbeat came first)...
	auto frame_arrives = [&] {
		auto rec = node_->record({denied_});
		auto frame = udp_frame(pod.ipv4(), denied_, 9999, "tamper", pod.mac(), pod.gateway_mac());
		pod.run(Identity::container_root,
		        [frame] { return send_frame(Sender::packet_raw, "eth0", frame); });
		return !rec->frames(200ms).empty();
	};
	EXPECT_TRUE(frame_arrives() || repairs("pod_interface") >= 1);
	auto took = within(kOneHeartbeat, [&] { return repairs("pod_interface") >= 1; });
	ASSERT_TRUE(took) << node_->egressd_log();
	// ...and not once the program is back.
	EXPECT_FALSE(frame_arrives());
	std::printf("pod program repaired after %lld ms (%s)\n", static_cast<long long>(took->count()),
	            (flags & EGRESS_POD_TCX) ? "tcx" : "tc");
	expect_logged("pod_interface");
}

} // namespace
} // namespace egress::e2e
