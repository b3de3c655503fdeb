// The host guard (BPF LSM) end to end: egressd as a binary on the simulated node, in a cgroup of
// its own as its container would be, and what a host process or hostNetwork pod (the node's pod
// cgroup, in the node's namespace) or another root process (this test) can still do.
//
// Which half runs is the kernel's to say, read here from the kernel itself and not from egressd:
//   - "bpf" in /sys/kernel/security/lsm (the qemu kernel matrix, tools/vm/run-kernel.sh boots
//     lsm=...,bpf): packet, AF_XDP and raw IP sockets are refused (EPERM, a deny line with the
//     pod), and no frame reaches the recorder on the internet side; our pins, maps, programs and
//     links cannot be opened for writing, by id, unlinked or renamed by anything but egressd.
//   - anything else (this CI machine): the gap is real (the frame arrives, the map opens for
//     writing) and said: `status` and ONE deny-log notice line.
// Neither half skips. Each refusal has a self-test (rawSockets/objects: off, or the allow-list)
// where the same socket opens and the same frame arrives.
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "common/mounts.h"
#include "common/unique_handle.h"
#include "kernel/pins.h"
#include "pod_attacks.h"
#include "root.h"
#include "sim_node.h"
#include "system.h"

namespace egress::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kNotGuarded = "raw frames from host processes are not guarded on this kernel";
constexpr Sender kFrameSenders[] = {Sender::packet_raw, Sender::packet_dgram, Sender::packet_bypass,
                                    Sender::xdp};
constexpr const char* kAnyMac = "02:00:00:00:aa:01";
constexpr const char* kBroadcast = "ff:ff:ff:ff:ff:ff"; // the recorder's veth takes it

// The kernel's own word, independent of egressd's reading of it.
bool kernel_runs_bpf_lsm() {
	std::ifstream f("/sys/kernel/security/lsm");
	std::string list;
	if (!std::getline(f, list))
		return false;
	std::stringstream in(list);
	for (std::string item; std::getline(in, item, ',');)
		if (item == "bpf")
			return access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	return false;
}

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 5s) {
	for (auto end = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < end;) {
		if (pred())
			return true;
		std::this_thread::sleep_for(50ms);
	}
	return pred();
}

std::vector<json> log_lines(const std::string& path) {
	std::vector<json> out;
	std::ifstream in(path);
	for (std::string line; std::getline(in, line);)
		if (!line.empty())
			out.push_back(json::parse(line));
	return out;
}

int open_socket(int family, int type, int protocol) {
	int fd = socket(family, type, protocol);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

class HostGuardE2e : public ::testing::Test {
protected:
	// `host_guard`: YAML appended to the config; `allow_the_node`: the node's cgroup (every probe's
	// ancestor) on hostGuard.allow.
	void start(const std::string& host_guard, bool allow_the_node = false) {
		EGRESS_REQUIRE_ROOT();
		lsm_ = kernel_runs_bpf_lsm();
		std::printf("bpf LSM on this kernel: %s\n",
		            lsm_ ? "yes (enforcing path)" : "no (not-guarded path)");
		egressd_cgroup_ = std::make_unique<testlib::ChildCgroup>();
		node_ = std::make_unique<SimNode>();
		denied_ = node_->add_host("denied.example");
		node_->start_resolver(SimNode::default_resolver());
		NodeConfig c;
		c.extra = host_guard;
		if (allow_the_node)
			c.extra += "hostGuard: {allow: [" + below_mount(node_->cgroup_path()) + "]}\n";
		node_->publish_config(node_->render(c));
		node_->start_egressd(egressd_cgroup_.get());
	}

	void TearDown() override {
		node_.reset(); // egressd first, then its cgroup
		egressd_cgroup_.reset();
	}

	json guard_status() const { return node_->status()["host_guard"]; }

	// `path` below the cgroup2 mount, as hostGuard.allow names cgroups.
	static std::string below_mount(const std::string& path) {
		return path.substr(cgroup2_mount()->size());
	}

	// Sends a UDP frame with a marker to the denied host from a hostNetwork pod (the node's pod
	// cgroup and namespace) out of the node's uplink; the sender's result and whether it arrived.
	std::pair<int, bool> send_from_host(Sender how) {
		std::string marker = testlib::unique_name("aeg-hg-");
		auto rec = node_->record({}, marker);
		auto frame =
		    udp_frame(testlib::NetnsPair::kClientV4, denied_, 443, marker, kAnyMac, kBroadcast);
		std::string ifname = node_->net().client_if();
		int rc = node_->in_pod([how, ifname, frame] { return send_frame(how, ifname, frame); });
		bool arrived = false;
		for (const auto& f : rec->frames())
			arrived = arrived || f.marker;
		return {rc, arrived};
	}

	std::vector<json> deny_lines_of(const std::string& reason) const {
		std::vector<json> out;
		for (auto& l : log_lines(node_->deny_log_path()))
			if (l.value("reason", "") == reason)
				out.push_back(l);
		return out;
	}

	bool lsm_ = false;
	std::unique_ptr<testlib::ChildCgroup> egressd_cgroup_;
	std::unique_ptr<SimNode> node_;
	std::string denied_;
};

TEST_F(HostGuardE2e, StatusAndTheDenyLogSayWhatThisKernelGuards) {
	start("");
	json g = guard_status();
	ASSERT_TRUE(g.is_object()) << node_->status().dump(2);
	EXPECT_EQ(g["raw_sockets"]["guarded"], lsm_) << g.dump(2);
	EXPECT_EQ(g["objects"]["guarded"], lsm_) << g.dump(2);
	std::this_thread::sleep_for(2500ms); // two heartbeats: the notice is said once, not per beat
	size_t notices = 0;
	for (auto& l : log_lines(node_->deny_log_path()))
		if (l.contains("notice")) {
			++notices;
			EXPECT_NE(l["notice"].get<std::string>().find(kNotGuarded), std::string::npos)
			    << l.dump();
			EXPECT_EQ(l["node"], "aks-test-node-0");
			EXPECT_EQ(l["schema"].get<int>(), 1) << l.dump();
		}
	// What an operator sees: `egressctl status` (its table flattens the same JSON).
	auto ctl =
	    testlib::run(std::string(EGRESSCTL_BINARY) + " --socket " + node_->control_socket() + " status");
	EXPECT_EQ(ctl.status, 0) << ctl.output;
	EXPECT_NE(
	    ctl.output.find(std::string("host_guard.raw_sockets.guarded: ") + (lsm_ ? "true" : "false")),
	    std::string::npos)
	    << ctl.output;
	if (lsm_) {
		EXPECT_EQ(notices, 0u) << testlib::read_file(node_->deny_log_path());
		EXPECT_FALSE(g.contains("notice")) << g.dump(2);
		EXPECT_GT(g["objects"]["protected"].get<size_t>(), 0u) << g.dump(2);
		EXPECT_GT(g["objects"]["owner_pid"].get<int>(), 0) << g.dump(2);
	} else {
		EXPECT_EQ(notices, 1u) << testlib::read_file(node_->deny_log_path());
		EXPECT_NE(g.value("notice", "").find(kNotGuarded), std::string::npos) << g.dump(2);
		EXPECT_FALSE(g["raw_sockets"].value("why_not", "").empty()) << g.dump(2);
		EXPECT_NE(node_->egressd_log().find(kNotGuarded), std::string::npos);
		EXPECT_NE(ctl.output.find(std::string("host_guard.notice: ") + kNotGuarded),
		          std::string::npos)
		    << ctl.output;
	}
}

TEST_F(HostGuardE2e, RawSocketsOutsideTheAllowListAreRefusedAndTheirFramesNeverLeave) {
	start("");
	for (Sender how : kFrameSenders) {
		auto [rc, arrived] = send_from_host(how);
		if (lsm_) {
			EXPECT_EQ(rc, EPERM) << sender_name(how);
			EXPECT_FALSE(arrived) << sender_name(how);
		} else {
			// The documented gap of a kernel without BPF LSM: the frame leaves.
			EXPECT_EQ(rc, 0) << sender_name(how) << ": " << std::strerror(rc);
			EXPECT_TRUE(arrived) << sender_name(how);
		}
	}
	int want = lsm_ ? EPERM : 0;
	EXPECT_EQ(node_->in_pod([] { return open_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP); }), want);
	EXPECT_EQ(node_->in_pod([] { return open_socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6); }), want);
	// Netlink sockets are SOCK_RAW too; ip, systemd and the kubelet need them.
	EXPECT_EQ(node_->in_pod([] { return open_socket(AF_NETLINK, SOCK_RAW, 0); }), 0);
	EXPECT_EQ(node_->in_pod([] { return open_socket(AF_INET, SOCK_DGRAM, 0); }), 0);
	if (!lsm_)
		return;
	// One deny line per kind of socket, with the pod it came from.
	std::set<std::string> families;
	ASSERT_TRUE(eventually([&] {
		families.clear();
		for (auto& l : deny_lines_of("raw_socket_refused"))
			families.insert(l["family"].get<std::string>());
		return families.size() == 4;
	})) << testlib::read_file(node_->deny_log_path());
	for (auto& l : deny_lines_of("raw_socket_refused")) {
		EXPECT_EQ(l["hook"], "lsm");
		EXPECT_EQ(l["verdict"], "denied");
		EXPECT_EQ(l["cgroup_id"].get<uint64_t>(), node_->pod_cgroup_id());
		EXPECT_EQ(l["pod"]["name"], kPodName) << l.dump();
		EXPECT_EQ(l["pod"]["namespace"], kPodNamespace) << l.dump();
		EXPECT_TRUE(l["dst"].is_null()) << l.dump();
		EXPECT_TRUE(l["socket"].is_object()) << l.dump();
	}
	EXPECT_EQ(families, (std::set<std::string>{"packet", "xdp", "ipv4", "ipv6"}));
}

// The self-test of the refusal: with the guard off, the same sockets open and the frames arrive.
TEST_F(HostGuardE2e, SelfTestWithRawSocketsOffEverySocketOpensAndItsFrameArrives) {
	start("hostGuard: {rawSockets: off}\n");
	for (Sender how : kFrameSenders) {
		auto [rc, arrived] = send_from_host(how);
		EXPECT_EQ(rc, 0) << sender_name(how) << ": " << std::strerror(rc);
		EXPECT_TRUE(arrived) << sender_name(how);
	}
	EXPECT_EQ(node_->in_pod([] { return open_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP); }), 0);
	json g = guard_status();
	EXPECT_FALSE(g["raw_sockets"]["guarded"].get<bool>());
	if (lsm_) {
		EXPECT_EQ(g["raw_sockets"]["why_not"], "hostGuard.rawSockets: off") << g.dump(2);
	}
	EXPECT_NE(g.value("notice", "").find(kNotGuarded), std::string::npos) << g.dump(2);
}

TEST_F(HostGuardE2e, AnAllowListedCgroupKeepsItsRawSockets) {
	// The node's cgroup: an ancestor of the pod's, as a systemd slice is of its services.
	start("", /*allow_the_node=*/true);
	for (Sender how : kFrameSenders) {
		auto [rc, arrived] = send_from_host(how);
		EXPECT_EQ(rc, 0) << sender_name(how) << ": " << std::strerror(rc);
		EXPECT_TRUE(arrived) << sender_name(how);
	}
	EXPECT_EQ(node_->in_pod([] { return open_socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6); }), 0);
	json g = guard_status();
	EXPECT_EQ(g["raw_sockets"]["guarded"], lsm_) << g.dump(2);
	if (!lsm_)
		return;
	bool listed = false;
	for (auto& a : g["raw_sockets"]["allow"])
		listed = listed || (a["cgroup"] == below_mount(node_->cgroup_path()) && a["present"] == true);
	EXPECT_TRUE(listed) << g.dump(2);
	EXPECT_TRUE(deny_lines_of("raw_socket_refused").empty())
	    << testlib::read_file(node_->deny_log_path());
}

// What someone other than egressd (this test process, root with every capability) can do to our
// objects: each returns 0 or the errno. `write_ops` also unlinks and renames.
struct ObjectAccess {
	int map_pin_rw = -1, map_pin_ro = -1, map_id_rw = -1, map_id_ro = -1, link_pin = -1;
	size_t progs_refused = 0, links_refused = 0, links_opened = 0;
	int unlink_link = -1, rename_dir = -1;
};

ObjectAccess try_objects(const kernel::PinLayout& pins, bool write_ops) {
	ObjectAccess a;
	std::string map = pins.map(kernel::MapId::config);
	UniqueFd rw(bpf_obj_get(map.c_str()));
	a.map_pin_rw = rw ? 0 : errno;
	LIBBPF_OPTS(bpf_obj_get_opts, ro_opts, .file_flags = BPF_F_RDONLY);
	UniqueFd ro(bpf_obj_get_opts(map.c_str(), &ro_opts));
	a.map_pin_ro = ro ? 0 : errno;
	if (ro) {
		bpf_map_info info{};
		uint32_t len = sizeof(info);
		bpf_obj_get_info_by_fd(ro.get(), &info, &len);
		UniqueFd by_id(bpf_map_get_fd_by_id(info.id));
		a.map_id_rw = by_id ? 0 : errno;
		LIBBPF_OPTS(bpf_get_fd_by_id_opts, id_opts, .open_flags = BPF_F_RDONLY);
		UniqueFd by_id_ro(bpf_map_get_fd_by_id_opts(info.id, &id_opts));
		a.map_id_ro = by_id_ro ? 0 : errno;
	}
	UniqueFd link(bpf_obj_get(pins.link("connect4").c_str()));
	a.link_pin = link ? 0 : errno;
	// Programs and links have no read-only view: every one that refuses is ours.
	for (uint32_t id = 0; bpf_prog_get_next_id(id, &id) == 0;) {
		UniqueFd fd(bpf_prog_get_fd_by_id(id));
		a.progs_refused += !fd && errno == EPERM;
	}
	for (uint32_t id = 0; bpf_link_get_next_id(id, &id) == 0;) {
		UniqueFd fd(bpf_link_get_fd_by_id(id));
		a.links_refused += !fd && errno == EPERM;
		a.links_opened += static_cast<bool>(fd);
	}
	if (write_ops) {
		a.unlink_link = unlink(pins.link("connect4").c_str()) == 0 ? 0 : errno;
		a.rename_dir = rename(pins.dir().c_str(), (pins.dir() + "-moved").c_str()) == 0 ? 0 : errno;
	}
	return a;
}

TEST_F(HostGuardE2e, OurObjectsAreRefusedToAnythingButEgressd) {
	start("");
	kernel::PinLayout pins(node_->pin_dir());
	size_t pinned_links = kernel::pinned_names(pins.links_dir()).size();
	ASSERT_GT(pinned_links, 0u);
	ObjectAccess a = try_objects(pins, /*write_ops=*/lsm_);
	EXPECT_EQ(a.map_pin_ro, 0) << "reading stays open (egressctl while egressd is down)";
	EXPECT_EQ(a.map_id_ro, 0);
	if (!lsm_) {
		// Tamper-evident only (tamper_e2e_test repairs it): the map opens for writing.
		EXPECT_EQ(a.map_pin_rw, 0);
		EXPECT_EQ(a.map_id_rw, 0);
		EXPECT_EQ(a.link_pin, 0);
		EXPECT_EQ(a.progs_refused + a.links_refused, 0u);
		EXPECT_FALSE(guard_status()["objects"]["guarded"].get<bool>());
		return;
	}
	EXPECT_EQ(a.map_pin_rw, EPERM);
	EXPECT_EQ(a.map_id_rw, EPERM);
	EXPECT_EQ(a.link_pin, EPERM);
	EXPECT_GT(a.progs_refused, 0u);
	EXPECT_GE(a.links_refused, pinned_links);
	EXPECT_EQ(a.unlink_link, EPERM);
	EXPECT_EQ(a.rename_dir, EPERM);
	// Nothing was lost: connect4 still judges, and egressd itself still reaches its pins.
	EXPECT_EQ(node_->tcp(denied_, 443), EPERM);
	EXPECT_EQ(access(pins.link("connect4").c_str(), F_OK), 0);
	std::set<std::string> objects;
	ASSERT_TRUE(eventually([&] {
		objects.clear();
		for (auto& l : deny_lines_of("tamper_refused"))
			objects.insert(l["object"].get<std::string>());
		return objects.count("pin") && objects.count("map") && objects.count("program") &&
		       objects.count("link");
	})) << testlib::read_file(node_->deny_log_path());
	EXPECT_TRUE(guard_status()["objects"]["guarded"].get<bool>());
}

// The self-test of the object guard: off, the same opens succeed.
TEST_F(HostGuardE2e, SelfTestWithObjectsOffTheSameAccessSucceeds) {
	start("hostGuard: {objects: off}\n");
	kernel::PinLayout pins(node_->pin_dir());
	ObjectAccess a = try_objects(pins, /*write_ops=*/false);
	EXPECT_EQ(a.map_pin_rw, 0);
	EXPECT_EQ(a.map_id_rw, 0);
	EXPECT_EQ(a.link_pin, 0);
	EXPECT_EQ(a.progs_refused + a.links_refused, 0u);
	EXPECT_GE(a.links_opened, kernel::pinned_names(pins.links_dir()).size());
	EXPECT_FALSE(guard_status()["objects"]["guarded"].get<bool>());
}

} // namespace
} // namespace egress::e2e
