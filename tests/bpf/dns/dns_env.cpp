#include "dns_env.h"

#include <bpf/bpf.h>

#include <cstring>
#include <stdexcept>

#include "dns/name_match.h"
#include "dns/name_rules.h"
#include "kernel/event_reader.h"
#include "kernel/map_writer.h"

namespace egress::testlib {
namespace {

void check(const Status& st) {
	if (!st.ok())
		throw std::runtime_error(st.error().to_string());
}

void put16(Bytes& b, uint16_t v) {
	b.push_back(static_cast<uint8_t>(v >> 8));
	b.push_back(static_cast<uint8_t>(v));
}

} // namespace

void append_rr(Bytes& msg, const Bytes& owner_wire, uint16_t type, uint32_t ttl, const Bytes& rdata) {
	msg.insert(msg.end(), owner_wire.begin(), owner_wire.end());
	put16(msg, type);
	put16(msg, 1);
	put16(msg, static_cast<uint16_t>(ttl >> 16));
	put16(msg, static_cast<uint16_t>(ttl));
	put16(msg, static_cast<uint16_t>(rdata.size()));
	msg.insert(msg.end(), rdata.begin(), rdata.end());
	uint16_t an = static_cast<uint16_t>((msg[6] << 8 | msg[7]) + 1);
	msg[6] = static_cast<uint8_t>(an >> 8);
	msg[7] = static_cast<uint8_t>(an);
}

Bytes pointer(uint16_t offset) {
	return {static_cast<uint8_t>(0xc0 | (offset >> 8)), static_cast<uint8_t>(offset)};
}

DnsEnv::DnsEnv(uint64_t check_key) : check_key_(check_key), maps_(env_.dp()) {
	check(maps_.trust_resolver(ip_bytes(kResolver4)));
	check(maps_.trust_resolver(ip_bytes(kResolver6)));
	// As the daemon does with dnsServers: the resolvers are in the floor for DNS. Only queries
	// the verdict allowed are recorded (bpf/lib/dns_query.h).
	auto dns_ports = make_ports({{EGRESS_PROTO_UDP, 53, 53}, {EGRESS_PROTO_TCP, 53, 53}}, 2);
	env_.floor(std::string(kResolver4) + "/32", dns_ports);
	env_.floor(std::string(kResolver6) + "/128", dns_ports);
	settings(EGRESS_DNS_DEFAULT_MIN_TTL_S, EGRESS_DNS_DEFAULT_MAX_TTL_S, EGRESS_DNS_DEFAULT_GRACE_S);
}

void DnsEnv::settings(uint32_t min_ttl, uint32_t max_ttl, uint32_t grace) {
	settings_.check_key = check_key_;
	settings_.min_ttl_s = min_ttl;
	settings_.max_ttl_s = max_ttl;
	settings_.grace_s = grace;
	check(maps_.write_settings(settings_));
}

void DnsEnv::query_policy(uint8_t policy) {
	settings_.query_policy = policy;
	check(maps_.write_settings(settings_));
}

void DnsEnv::allow(const std::vector<std::string>& patterns, uint32_t rule_id,
                   std::vector<egress_port_range> ports) {
	std::vector<dns::NameRuleInput> rules;
	for (const auto& text : patterns) {
		auto p = dns::Pattern::parse(text);
		if (!p.ok())
			throw std::runtime_error(p.error().to_string());
		rules.push_back({*p, rule_id, ports});
	}
	auto entries = dns::rule_entries(rules, check_key_);
	if (!entries.ok())
		throw std::runtime_error(entries.error().to_string());
	auto names = maps_.names();
	if (!names.ok())
		throw std::runtime_error(names.error().to_string());
	for (const auto& e : *entries)
		check(names->put(e.key, e.value));
}

Bytes DnsEnv::query_packet(uint16_t id, const std::string& name, bool v6, uint16_t port) const {
	PacketBuilder b;
	b.ethernet();
	if (v6)
		b.ipv6(kClient6, kResolver6);
	else
		b.ipv4(kClient4, kResolver4);
	return b.udp(port, 53).payload(DnsBuilder::query(id).question(name).build()).build();
}

Bytes DnsEnv::response_packet(const Bytes& dns, bool v6, uint16_t port, const std::string& resolver) const {
	PacketBuilder b;
	b.ethernet();
	if (v6)
		b.ipv6(resolver.empty() ? kResolver6 : resolver, kClient6);
	else
		b.ipv4(resolver.empty() ? kResolver4 : resolver, kClient4);
	return b.udp(53, port).payload(dns).build();
}

void DnsEnv::query(uint16_t id, const std::string& name, bool v6, uint16_t port) {
	auto r = env_.egress(query_packet(id, name, v6, port));
	if (r.err)
		throw std::runtime_error("test_run egress: " + std::to_string(r.err));
}

void DnsEnv::respond(const Bytes& dns, bool v6, uint16_t port, const std::string& resolver) {
	auto r = env_.ingress(response_packet(dns, v6, port, resolver));
	if (r.err)
		throw std::runtime_error("test_run ingress: " + std::to_string(r.err));
	if (r.retval != 1)
		throw std::runtime_error("cgroup_skb/ingress dropped a DNS response");
}

void DnsEnv::exchange(uint16_t id, const std::string& name, const Bytes& dns, bool v6) {
	query(id, name, v6);
	respond(dns, v6);
}

std::optional<egress_learned_value> DnsEnv::learned(const std::string& addr_text) const {
	auto addr = ip_bytes(addr_text);
	egress_learned_value v{};
	int err;
	if (addr.size() == 4) {
		egress_learned4_key k{};
		std::memcpy(k.addr, addr.data(), 4);
		err = bpf_map_lookup_elem(const_cast<DatapathEnv&>(env_).dp().map_fd(kernel::MapId::learned4),
		                          &k, &v);
	} else {
		egress_learned6_key k{};
		std::memcpy(k.addr, addr.data(), 16);
		err = bpf_map_lookup_elem(const_cast<DatapathEnv&>(env_).dp().map_fd(kernel::MapId::learned6),
		                          &k, &v);
	}
	if (err)
		return std::nullopt;
	return v;
}

size_t DnsEnv::learned_count() const {
	auto& dp = const_cast<DatapathEnv&>(env_).dp();
	auto m4 = kernel::TypedMap<egress_learned4_key, egress_learned_value>::open(
	    dp.map_fd(kernel::MapId::learned4));
	auto m6 = kernel::TypedMap<egress_learned6_key, egress_learned_value>::open(
	    dp.map_fd(kernel::MapId::learned6));
	if (!m4.ok() || !m6.ok())
		throw std::runtime_error("opening the learned maps");
	auto e4 = m4->entries();
	auto e6 = m6->entries();
	if (!e4.ok() || !e6.ok())
		throw std::runtime_error("reading the learned maps");
	return e4->size() + e6->size();
}

size_t DnsEnv::outstanding_queries() const {
	auto q = maps_.queries();
	if (!q.ok())
		throw std::runtime_error(q.error().to_string());
	auto e = q->entries();
	if (!e.ok())
		throw std::runtime_error(e.error().to_string());
	return e->size();
}

std::vector<egress_learn_event> DnsEnv::drain_learn_events() {
	std::vector<egress_learn_event> out;
	kernel::EventReader::Handlers h;
	h.learn = [&](const egress_learn_event& e) { out.push_back(e); };
	auto reader = kernel::EventReader::open(env_.dp().map_fd(kernel::MapId::events), std::move(h));
	if (!reader.ok())
		throw std::runtime_error(reader.error().to_string());
	auto n = reader->consume();
	if (!n.ok())
		throw std::runtime_error(n.error().to_string());
	return out;
}

} // namespace egress::testlib
