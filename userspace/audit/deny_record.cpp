#include "audit/deny_record.h"

#include <egress/abi.h>
#include <sys/socket.h>
#include <time.h>

#include <cstdio>

#include "common/abi_names.h"

namespace egress::audit {
namespace {

// A code this binary has no string for (a newer kernel object) still gets a stable, parseable
// label instead of an empty string.
std::string code_name(std::string_view name, std::string_view kind, unsigned code) {
	if (!name.empty())
		return std::string(name);
	return std::string(kind) + "_" + std::to_string(code);
}

nlohmann::ordered_json or_null(const std::string& s) {
	return s.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(s);
}

} // namespace

std::string format_rfc3339_ms(std::chrono::system_clock::time_point t) {
	using namespace std::chrono;
	auto ms = time_point_cast<milliseconds>(t);
	auto secs = floor<seconds>(ms);
	auto frac = (ms - secs).count();
	time_t tt = system_clock::to_time_t(secs);
	struct tm tm {};
	gmtime_r(&tt, &tm);
	char buf[96]; // the years of a time_point can take 11 digits; -Wformat-truncation counts them
	std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	              tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac));
	return buf;
}

std::chrono::system_clock::time_point boot_to_wall(uint64_t ts_ns, uint64_t boot_now_ns,
                                                   std::chrono::system_clock::time_point wall_now) {
	if (ts_ns == 0 || ts_ns > boot_now_ns)
		return wall_now;
	auto age = std::chrono::nanoseconds(boot_now_ns - ts_ns);
	return wall_now - std::chrono::duration_cast<std::chrono::system_clock::duration>(age);
}

namespace {

// family "packet" | "xdp" | "ipv4" | "ipv6" with socket {type, protocol} for a refused socket;
// family null with object "pin" | "map" | "program" | "link" for a refused access to our objects;
// no addresses or ports (docs/deny-log.md).
void add_guard_fields(nlohmann::ordered_json& j, const DenyEvent& e) {
	using Json = nlohmann::ordered_json;
	switch (e.socket_family) {
	case AF_PACKET:
		j["family"] = "packet";
		break;
	case AF_XDP:
		j["family"] = "xdp";
		break;
	case AF_INET:
		j["family"] = "ipv4";
		break;
	case AF_INET6:
		j["family"] = "ipv6";
		break;
	default:
		j["family"] = e.socket_family ? Json(std::to_string(e.socket_family)) : Json(nullptr);
	}
	j["proto"] = nullptr;
	j["src"] = nullptr;
	j["sport"] = nullptr;
	j["dst"] = nullptr;
	j["dport"] = nullptr;
	if (e.socket_family) {
		static constexpr const char* kTypes[] = {"0", "stream", "dgram", "raw"};
		j["socket"] = {{"type", e.sport < 4 ? Json(kTypes[e.sport]) : Json(std::to_string(e.sport))},
		               {"protocol", e.dport}};
		return;
	}
	switch (e.proto) {
	case EGRESS_GUARD_MAP:
		j["object"] = "map";
		break;
	case EGRESS_GUARD_PROG:
		j["object"] = "program";
		break;
	case EGRESS_GUARD_LINK:
		j["object"] = "link";
		break;
	default:
		j["object"] = "pin";
	}
}

} // namespace

std::string format_notice_line(std::string_view text, std::string_view node,
                               std::chrono::system_clock::time_point time) {
	nlohmann::ordered_json j = nlohmann::ordered_json::object();
	j["schema"] = kDenyLogSchema;
	j["time"] = format_rfc3339_ms(time);
	j["notice"] = text;
	j["node"] = node;
	return j.dump();
}

nlohmann::ordered_json to_json(const DenyRecord& r, std::string_view node) {
	const DenyEvent& e = r.event;
	using Json = nlohmann::ordered_json;
	Json j = Json::object();
	j["schema"] = kDenyLogSchema;
	j["time"] = format_rfc3339_ms(r.time);
	j["verdict"] = code_name(verdict_name(e.verdict), "verdict", e.verdict);
	j["reason"] = code_name(reason_name(e.reason), "reason", e.reason);
	j["hook"] = code_name(hook_name(e.hook), "hook", e.hook);
	if (e.no_address()) {
		// The host guard: a refused socket or object access, no flow (docs/deny-log.md).
		add_guard_fields(j, e);
	} else {
		j["family"] = family_name(e.dst.family);
		// Protocol 0 in a packet is an IPv6 hop-by-hop header the parser did not get past, not "any".
		j["proto"] = e.proto == 0 ? std::string("0") : proto_name(e.proto);
		j["src"] = e.src.to_string();
		j["sport"] = e.sport;
		j["dst"] = e.dst.to_string();
		j["dport"] = e.dport;
	}
	j["dst_names"] = r.dst_names;
	j["cgroup_id"] = e.cgroup_id;
	if (r.attribution.pod) {
		const PodIdentity& p = *r.attribution.pod;
		Json pod = Json::object();
		pod["namespace"] = or_null(p.ns);
		pod["name"] = or_null(p.name);
		pod["uid"] = p.uid;
		j["pod"] = std::move(pod);
	} else {
		j["pod"] = nullptr;
	}
	j["container_id"] = or_null(r.attribution.container_id);
	j["node"] = node;
	j["count"] = r.count;
	j["policy_generation"] = e.policy_generation;
	if (e.pid != 0)
		j["pid"] = e.pid;
	if (!e.comm.empty())
		j["comm"] = e.comm;
	if (e.reason == EGRESS_REASON_EVENT_BUDGET)
		j["summary"] = std::to_string(r.count) + " more denies from cgroup " +
		               std::to_string(e.cgroup_id) +
		               " suppressed: over its budget of deny events (the last one is shown)";
	return j;
}

std::string format_deny_line(const DenyRecord& record, std::string_view node) {
	// replace: a comm is whatever bytes a process chose; invalid UTF-8 must not stop the log.
	return to_json(record, node).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace egress::audit
