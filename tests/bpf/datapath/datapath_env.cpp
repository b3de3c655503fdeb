#include "datapath_env.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/socket.h>
#include <time.h>

#include <cstring>
#include <fstream>
#include <stdexcept>

#include "common/cgroup.h"
#include "common/mounts.h"
#include "egress.skel.h"
#include "kernel/event_reader.h"
#include "kernel/map_writer.h"
#include "kernel/pod_layer.h"

namespace egress::testlib {
namespace {

std::pair<std::vector<uint8_t>, uint32_t> parse_cidr(const std::string& cidr) {
	auto slash = cidr.find('/');
	auto addr = ip_bytes(cidr.substr(0, slash));
	uint32_t len = slash == std::string::npos ? static_cast<uint32_t>(addr.size() * 8)
	                                          : static_cast<uint32_t>(std::stoul(cidr.substr(slash + 1)));
	return {addr, len};
}

template <typename K, typename V>
void put(int fd, const K& k, const V& v) {
	auto map = kernel::TypedMap<K, V>::open(fd);
	if (!map.ok())
		throw std::runtime_error(map.error().to_string());
	auto st = map->put(k, v);
	if (!st.ok())
		throw std::runtime_error(st.error().to_string());
}

void put_lpm(const kernel::Datapath& dp, kernel::MapId v4, kernel::MapId v6, const std::string& cidr,
             const egress_ports& ports) {
	auto [addr, len] = parse_cidr(cidr);
	if (addr.size() == 4) {
		egress_lpm4_key k{len, {}};
		std::memcpy(k.addr, addr.data(), 4);
		put(dp.map_fd(v4), k, ports);
	} else {
		egress_lpm6_key k{len, {}};
		std::memcpy(k.addr, addr.data(), 16);
		put(dp.map_fd(v6), k, ports);
	}
}

} // namespace

uint64_t boot_ns_now() {
	timespec ts{};
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

egress_ports make_ports(std::initializer_list<PortRange> ranges, uint32_t rule_id) {
	egress_ports p{};
	p.rule_id = rule_id;
	for (const auto& r : ranges) {
		auto& out = p.ranges[p.n_ranges++];
		out.proto = r.proto;
		out.port_lo = r.lo;
		out.port_hi = r.hi;
	}
	return p;
}

void PolicyWriter::set_mode(uint8_t mode, uint8_t fail_mode, uint64_t heartbeat_ns, uint64_t stale_ns,
                            uint64_t generation) const {
	egress_config cfg{};
	cfg.mode = mode;
	cfg.fail_mode = fail_mode;
	cfg.heartbeat_ns = heartbeat_ns;
	cfg.heartbeat_stale_ns = stale_ns;
	cfg.policy_generation = generation;
	auto st = const_cast<kernel::Datapath&>(dp_).write_config(cfg);
	if (!st.ok())
		throw std::runtime_error(st.error().to_string());
}

void PolicyWriter::floor(const std::string& cidr, const egress_ports& ports) const {
	egress_ports p = ports;
	p.flags |= EGRESS_PORTS_FLOOR;
	put_lpm(dp_, kernel::MapId::floor4, kernel::MapId::floor6, cidr, p);
}

void PolicyWriter::cidr(const std::string& cidr, const egress_ports& ports) const {
	put_lpm(dp_, kernel::MapId::cidr4, kernel::MapId::cidr6, cidr, ports);
}

void PolicyWriter::learn(const std::string& addr_text, uint64_t expires_ns, const egress_ports& ports) const {
	auto addr = ip_bytes(addr_text);
	egress_learned_value v{};
	v.expires_ns = expires_ns;
	v.ttl = 30;
	v.ports = ports;
	if (addr.size() == 4) {
		egress_learned4_key k{};
		std::memcpy(k.addr, addr.data(), 4);
		put(dp_.map_fd(kernel::MapId::learned4), k, v);
	} else {
		egress_learned6_key k{};
		std::memcpy(k.addr, addr.data(), 16);
		put(dp_.map_fd(kernel::MapId::learned6), k, v);
	}
}

DatapathEnv::DatapathEnv(kernel::DatapathOptions opts) : opts_(std::move(opts)) {
	opts_.cgroup_path = cgroup_.path();
	opts_.pin_dir = pins_.path() + "/egress";
	auto dp = kernel::Datapath::load(opts_);
	if (!dp.ok())
		throw std::runtime_error(dp.error().to_string());
	dp_.emplace(std::move(*dp));
}

uint64_t DatapathEnv::counter(uint32_t hook, uint32_t reason) {
	auto all = dp_->counters();
	if (!all.ok())
		throw std::runtime_error(all.error().to_string());
	return (*all)[EGRESS_COUNTER_INDEX(hook, reason)];
}

TestRunResult DatapathEnv::egress(const Bytes& pkt, Device device) {
	return prog_test_run(bpf_program__fd(dp_->skeleton()->progs.skb_egress), pkt, 1, device);
}
TestRunResult DatapathEnv::ingress(const Bytes& pkt, Device device) {
	return prog_test_run(bpf_program__fd(dp_->skeleton()->progs.skb_ingress), pkt, 1, device);
}

CgroupRef this_process_cgroup() {
	auto root = cgroup2_mount();
	if (!root.ok())
		throw std::runtime_error(root.error().to_string());
	std::ifstream in("/proc/self/cgroup");
	std::string line;
	while (std::getline(in, line))
		if (line.rfind("0::", 0) == 0) {
			auto ref = cgroup_ref(*root, *root + line.substr(3));
			if (!ref.ok())
				throw std::runtime_error(ref.error().to_string());
			return *ref;
		}
	throw std::runtime_error("no cgroup v2 line in /proc/self/cgroup");
}

void DatapathEnv::pods_are_this_process() {
	auto cfg = dp_->read_config();
	if (!cfg.ok())
		throw std::runtime_error(cfg.error().to_string());
	auto self = this_process_cgroup();
	cfg->pods_cgroup_id = self.id;
	cfg->pods_cgroup_level = self.level;
	auto st = dp_->write_config(*cfg);
	if (!st.ok())
		throw std::runtime_error(st.error().to_string());
}

TestRunResult DatapathEnv::tc(const Bytes& pkt) {
	return prog_test_run(bpf_program__fd(dp_->skeleton()->progs.tc_backstop), pkt);
}

// The pod programs run as on interface 1 (Device::loopback), which the pod tests enter in
// egress_pods as the pod's interface.
TestRunResult DatapathEnv::pod_in(const Bytes& pkt) {
	return prog_test_run(bpf_program__fd(dp_->skeleton()->progs.pod_ingress), pkt, 1, Device::loopback);
}
TestRunResult DatapathEnv::pod_out(const Bytes& pkt) {
	return prog_test_run(bpf_program__fd(dp_->skeleton()->progs.pod_egress), pkt, 1, Device::loopback);
}
TestRunResult DatapathEnv::uplink_in(const Bytes& pkt) {
	return prog_test_run(bpf_program__fd(dp_->skeleton()->progs.uplink_ingress), pkt);
}

void DatapathEnv::pod(uint32_t ifindex, const std::vector<std::string>& prefixes, uint64_t cgroup_id,
                      bool bridge_port) {
	kernel::PodInterface p;
	p.ifindex = static_cast<int>(ifindex);
	p.ifname = "test" + std::to_string(ifindex);
	p.bridge_port = bridge_port;
	for (const auto& text : prefixes) {
		auto [addr, len] = parse_cidr(text);
		auto ip = ip_from_af(addr.size() == 4 ? AF_INET : AF_INET6, addr.data());
		if (!ip.ok())
			throw std::runtime_error(ip.error().to_string());
		p.prefixes.push_back({*ip, static_cast<uint8_t>(len)});
	}
	put(dp_->map_fd(kernel::MapId::pods), ifindex, kernel::pod_entry(p, cgroup_id, 0, nullptr));
}

size_t DatapathEnv::flows() {
	auto map = kernel::TypedMap<egress_ct_key, egress_ct_value>::open(dp_->map_fd(kernel::MapId::ct));
	if (!map.ok())
		throw std::runtime_error(map.error().to_string());
	auto all = map->entries();
	if (!all.ok())
		throw std::runtime_error(all.error().to_string());
	return all->size();
}

std::vector<egress_deny_event> DatapathEnv::drain_events() {
	std::vector<egress_deny_event> out;
	kernel::EventReader::Handlers h;
	h.deny = [&](const egress_deny_event& e) { out.push_back(e); };
	auto reader = kernel::EventReader::open(dp_->map_fd(kernel::MapId::events), std::move(h));
	if (!reader.ok())
		throw std::runtime_error(reader.error().to_string());
	auto n = reader->consume();
	if (!n.ok())
		throw std::runtime_error(n.error().to_string());
	return out;
}

} // namespace egress::testlib
