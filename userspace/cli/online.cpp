#include "cli/online.h"

#include <bpf/bpf.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <egress/abi.h>

#include "daemon/pinned_reader.h"
#include "kernel/pins.h"
#include "policy/check.h"

namespace egress::cli {

bool daemon_down(const Error& error) {
	return error.code() == ENOENT || error.code() == ECONNREFUSED;
}

Result<std::optional<daemon::ControlClient>> connect_daemon(const std::string& socket) {
	auto client = daemon::ControlClient::connect(socket, std::chrono::seconds(5));
	if (client.ok())
		return std::optional<daemon::ControlClient>(std::move(*client));
	if (daemon_down(client.error()))
		return std::optional<daemon::ControlClient>();
	return std::move(client).error();
}

std::string down_banner(const std::string& pin_dir) {
	return "daemon: down, read from pinned maps (" + pin_dir + ")\n";
}

namespace {

uint64_t boot_now_ns() {
	timespec ts{};
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

std::string proto_text(uint8_t proto) {
	switch (proto) {
	case EGRESS_PROTO_ANY:
		return "any";
	case EGRESS_PROTO_ICMP:
		return "icmp";
	case EGRESS_PROTO_TCP:
		return "tcp";
	case EGRESS_PROTO_UDP:
		return "udp";
	case EGRESS_PROTO_ICMPV6:
		return "icmpv6";
	default:
		return std::to_string(proto);
	}
}

nlohmann::json ports_json(const egress_ports& p) {
	nlohmann::json out = nlohmann::json::array();
	for (uint8_t i = 0; i < p.n_ranges && i < EGRESS_MAX_PORT_RANGES; ++i) {
		const auto& r = p.ranges[i];
		std::string item = proto_text(r.proto);
		// Appended piece by piece: `"/" + std::string` trips g++ 12's false -Wrestrict at -O3.
		if (r.proto != EGRESS_PROTO_ANY && !(r.port_lo == 0 && r.port_hi == 65535)) {
			item.append("/").append(std::to_string(r.port_lo));
			if (r.port_lo != r.port_hi)
				item.append("-").append(std::to_string(r.port_hi));
		}
		out.push_back(item);
	}
	return out;
}

// The datapath's port test: a range allows the query when its protocol matches (or is "any") and,
// for a query with a port, the port lies inside it. port 0 = the query names no port.
bool ports_allow(const egress_ports& p, uint8_t proto, uint16_t port) {
	for (uint8_t i = 0; i < p.n_ranges && i < EGRESS_MAX_PORT_RANGES; ++i) {
		const auto& r = p.ranges[i];
		if (r.proto != EGRESS_PROTO_ANY && r.proto != proto)
			continue;
		if (port == 0 || (r.port_lo <= port && port <= r.port_hi))
			return true;
	}
	return false;
}

// Looks the address up in one map; false when the map is missing or has no entry for it.
template <typename Key, typename Value>
bool lookup(const kernel::PinLayout& pins, kernel::MapId id, const Key& key, Value& value) {
	auto fd = kernel::open_pinned_map(pins, id);
	return fd.ok() && bpf_map_lookup_elem(fd->get(), &key, &value) == 0;
}

bool lpm_lookup(const kernel::PinLayout& pins, kernel::MapId v4, kernel::MapId v6,
                const policy::IpAddress& addr, egress_ports& out) {
	if (addr.family == policy::Family::v4) {
		egress_lpm4_key key{32, {}};
		std::memcpy(key.addr, addr.bytes.data(), 4);
		return lookup(pins, v4, key, out);
	}
	egress_lpm6_key key{128, {}};
	std::memcpy(key.addr, addr.bytes.data(), 16);
	return lookup(pins, v6, key, out);
}

bool learned_lookup(const kernel::PinLayout& pins, const policy::IpAddress& addr, egress_learned_value& out) {
	if (addr.family == policy::Family::v4) {
		egress_learned4_key key{};
		std::memcpy(key.addr, addr.bytes.data(), 4);
		return lookup(pins, kernel::MapId::learned4, key, out);
	}
	egress_learned6_key key{};
	std::memcpy(key.addr, addr.bytes.data(), 16);
	return lookup(pins, kernel::MapId::learned6, key, out);
}

} // namespace

Result<nlohmann::json> pinned_check(const std::string& pin_dir, const std::string& dest,
                                    const std::string& proto_name) {
	policy::Proto proto = proto_name == "udp" ? policy::Proto::udp : policy::Proto::tcp;
	auto query = policy::parse_check_query(dest, proto);
	if (!query.ok())
		return std::move(query).error();
	if (!query->is_address)
		return Error("the pinned maps hold only hashes of names, so a name cannot be checked while "
		             "egressd is down; check an address, or use --config FILE for the offline check",
		             EINVAL);
	kernel::PinLayout pins(pin_dir);
	if (!pins.installed())
		return Error("nothing is installed at " + pin_dir, ENOENT);
	uint8_t p = static_cast<uint8_t>(proto);
	uint16_t port = query->port.value_or(0);
	const auto& addr = query->address;
	bool v4 = addr.family == policy::Family::v4;

	nlohmann::json matches = nlohmann::json::array();
	std::string reason;
	bool covered = false;
	egress_ports ports{};
	if (lpm_lookup(pins, kernel::MapId::floor4, kernel::MapId::floor6, addr, ports)) {
		covered = true;
		bool ok = ports_allow(ports, p, port);
		matches.push_back({{"type", "safety_floor"},
		                   {"map", v4 ? "egress_floor4" : "egress_floor6"},
		                   {"rule_id", ports.rule_id},
		                   {"ports", ports_json(ports)},
		                   {"portAllowed", ok}});
		if (ok && reason.empty())
			reason = "safety_floor";
	}
	if (lpm_lookup(pins, kernel::MapId::cidr4, kernel::MapId::cidr6, addr, ports)) {
		covered = true;
		bool ok = ports_allow(ports, p, port);
		matches.push_back({{"type", "cidr"},
		                   {"map", v4 ? "egress_cidr4" : "egress_cidr6"},
		                   {"rule_id", ports.rule_id},
		                   {"ports", ports_json(ports)},
		                   {"portAllowed", ok}});
		if (ok && reason.empty())
			reason = "cidr";
	}
	nlohmann::json learned = nullptr;
	egress_learned_value lv{};
	if (learned_lookup(pins, addr, lv)) {
		daemon::LearnedEntry entry{static_cast<uint8_t>(v4 ? AF_INET : AF_INET6), addr.to_string(),
		                           lv};
		learned = daemon::learned_json(entry, boot_now_ns());
		bool live = !learned["expired"].get<bool>();
		bool ok = live && ports_allow(lv.ports, p, port);
		matches.push_back({{"type", "learned"},
		                   {"map", v4 ? "egress_learned4" : "egress_learned6"},
		                   {"rule_id", lv.ports.rule_id},
		                   {"ports", ports_json(lv.ports)},
		                   {"expired", !live},
		                   {"portAllowed", ok}});
		if (ok && reason.empty())
			reason = "learned";
		if (!live && reason.empty() && !covered)
			reason = "expired";
		covered = covered || live;
	}
	bool allowed = reason == "safety_floor" || reason == "cidr" || reason == "learned";
	if (reason.empty())
		reason = covered ? "port_not_allowed" : "no_rule";
	nlohmann::json out = {{"source", "pinned-maps"},
	                      {"daemon", "down"},
	                      {"pin_dir", pin_dir},
	                      {"destination", query->destination},
	                      {"type", "address"},
	                      {"proto", proto_name},
	                      {"port", query->port ? nlohmann::json(*query->port) : nlohmann::json()},
	                      {"verdict", allowed ? "allowed" : "denied"},
	                      {"reason", reason},
	                      {"matches", matches},
	                      {"learned", learned},
	                      {"notes", nlohmann::json::array({"read from the pinned maps: rule ids only, "
	                                                       "no rule names or origins"})}};
	return out;
}

} // namespace egress::cli
