// The control verbs (docs/daemon.md) and the HTTP endpoint's paths, answered from the daemon's
// live state: the policy in force, the kernel's maps and counters, the deny feed.
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include "audit/deny_record.h"
#include "daemon/daemon_state.h"
#include "daemon/map_sync.h"
#include "daemon/pinned_reader.h"
#include "policy/check.h"

namespace egress::daemon {

using nlohmann::json;

namespace {

audit::Address audit_address(const resolver::Address& a) {
	audit::Address out;
	out.family = a.family == resolver::Family::v4 ? AF_INET : AF_INET6;
	out.bytes = a.bytes;
	return out;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
	return audit::format_rfc3339_ms(t);
}

} // namespace

control::Response Daemon::State::handle(const control::Request& r) {
	control::Response out;
	switch (r.cmd) {
	case control::Command::status:
		out.result = status_json();
		return out;
	case control::Command::ips:
		out.result = ips_json();
		return out;
	case control::Command::check: {
		auto j = check_json(r);
		if (!j.ok())
			return control::error_response(j.error());
		out.result = std::move(*j);
		return out;
	}
	case control::Command::denies: {
		auto j = denies_json(r);
		if (!j.ok())
			return control::error_response(j.error());
		out.result = std::move(*j);
		return out;
	}
	case control::Command::reload: {
		watcher->invalidate();
		auto st = reload("control");
		(void)watcher->read_if_changed(); // remember the content now in force
		if (!st.ok()) {
			auto e = control::error_response(st.error());
			e.error = "reload failed, generation " + std::to_string(active.generation) +
			          " stays enforced: " + e.error;
			return e;
		}
		out.result = {{"generation", active.generation}};
		return out;
	}
	}
	return control::error_response(Error("unhandled command", EINVAL));
}

json Daemon::State::uplink_status() {
	std::optional<kernel::Uplink> uplink;
	if (uplink_watcher) {
		uplink = uplink_watcher->current();
	} else if (uplink_mode == UplinkMode::named) {
		// A named interface need not carry the default route: take the route's details only when
		// it does.
		if (auto found = kernel::find_uplink(); found.ok() && found->ifname == active.config.uplink) {
			uplink = std::move(*found);
		} else if (unsigned idx = if_nametoindex(active.config.uplink.c_str()); idx != 0) {
			uplink =
			    kernel::Uplink{active.config.uplink, static_cast<int>(idx), {}, std::nullopt};
		}
	}
	return uplink_json(uplink_mode, active.config.uplink, uplink, backstop_ifindex, false);
}

json Daemon::State::status_json() {
	json j;
	j["daemon"] = "up";
	j["source"] = "daemon";
	j["pid"] = getpid();
	j["uptime_s"] =
	    std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
	        .count();
	j["config"] = opts.config_path;
	j["mode"] = std::string(policy::mode_name(active.config.mode));
	j["fail_mode"] = std::string(policy::fail_mode_name(active.config.fail_mode));
	j["policy_generation"] = active.generation;
	j["last_good_generation"] = active.generation;
	j["last_reload"] = {{"ok", last_reload.ok},
	                    {"trigger", last_reload.trigger},
	                    {"time", rfc3339(last_reload.time)},
	                    {"error", last_reload.error},
	                    {"generation", last_reload.generation},
	                    {"apply_ms", last_reload.apply_ms},
	                    {"maps_ms", last_reload.maps_ms}};
	j["last_error"] = last_error;
	j["reload_errors"] = reload_errors;
	j["cgroup"] = {{"path", cgroup_path}, {"id", dp->cgroup_id()}};
	j["pin_dir"] = active.config.pin_path;
	j["adopted"] = dp->adopted();
	j["pins_persist"] = dp->pins_persist();
	j["heartbeat_stale_s"] = static_cast<double>(opts.heartbeat_stale.count()) / 1000.0;
	j["rules"] = {{"names", active.compiled.names.size()},
	              {"exact_names", active.desired.exact_names.size()},
	              {"cidrs", active.compiled.cidrs.size()},
	              {"warnings", active.compiled.warnings.size()}};
	json maps = json::object();
	for (auto id : kernel::kAllMaps) {
		if (!reports_fill(id))
			continue;
		auto fill = map_fill(dp->map_fd(id));
		if (fill.ok())
			maps[std::string(kernel::map_name(id))] = {{"entries", fill->entries},
			                                           {"max_entries", fill->max_entries}};
	}
	j["maps"] = maps;
	if (auto c = dp->counters(); c.ok())
		j["counters"] = counters_summary(*c);
	auto dl = deny_log->stats();
	j["deny_log"] = {{"lines", dl.lines}, {"dropped", dl.dropped}, {"write_errors", dl.write_errors}};
	json res = {{"names", active.desired.exact_names.size()}, {"enabled", resolver != nullptr}};
	if (resolver) {
		size_t failing = 0;
		for (const auto& st : resolver->status())
			failing += st.consecutive_failures ? 1 : 0;
		res["failing_record_sets"] = failing;
		res["servers"] = resolver->servers();
	}
	j["resolver"] = res;
	// The key itself stays private: knowing it is what lets one craft check-hash collisions.
	json trusted = json::array();
	for (const auto& ip : active.desired.resolvers)
		trusted.push_back(ip.to_string());
	j["dns_learning"] = {{"name_entries", active.desired.names.size()},
	                     {"trusted_resolvers", trusted},
	                     {"resolv_conf", opts.resolv_conf},
	                     {"check_key_set", check_key != 0}};
	j["uplink"] = uplink_status();
	if (auto addrs = kernel::node_addresses(); addrs.ok()) {
		j["node_addresses"] = *addrs;
	} else {
		j["node_addresses"] = json::array();
		j["node_addresses_error"] = addrs.error().to_string();
	}
	j["control_connections"] = control ? control->connections() : 0;
	return j;
}

json Daemon::State::ips_json() {
	auto entries = read_learned(dp->map_fd(kernel::MapId::learned4), dp->map_fd(kernel::MapId::learned6));
	json list = json::array();
	uint64_t now = boot_ns();
	if (entries.ok()) {
		for (const auto& e : *entries) {
			json item = learned_json(e, now);
			auto parsed = resolver::parse_address(e.address);
			std::set<std::string> known;
			std::string source = "dns";
			if (parsed.ok()) {
				if (auto it = book.held().find(*parsed); it != book.held().end()) {
					source = "resolver";
					for (const auto& h : it->second)
						known.insert(h.name);
				}
				for (const auto& n : names.names(audit_address(*parsed), now))
					known.insert(n);
			}
			item["names"] = known;
			item["source"] = source;
			if (const RuleRef* rule = active.desired.rule(e.value.ports.rule_id))
				item["rule"] = rule->destination;
			list.push_back(item);
		}
	}
	json j = {{"source", "daemon"}, {"entries", list}};
	if (!entries.ok())
		j["error"] = entries.error().to_string();
	return j;
}

Result<json> Daemon::State::check_json(const control::Request& r) {
	auto proto = policy::parse_port_spec(r.proto);
	if (!proto.ok() || !proto->all_ports())
		return Error("proto \"" + r.proto + "\": expected tcp, udp, icmp, icmpv6 or any", EINVAL);
	auto query = policy::parse_check_query(r.dest, proto->proto);
	if (!query.ok())
		return std::move(query).error();
	auto result = policy::check(active.compiled, *query, &catalog, &active.config);
	json j = policy::to_json(result);
	j["policy_generation"] = active.generation;
	uint64_t now = boot_ns();
	if (query->is_address) {
		// The kernel's order: floor, then learned addresses, then CIDR rules. The offline check
		// knows the rules; the daemon adds what was learned at run time.
		resolver::Address a;
		a.family =
		    query->address.family == policy::Family::v4 ? resolver::Family::v4 : resolver::Family::v6;
		a.bytes = query->address.bytes;
		auto entries =
		    read_learned(a.family == resolver::Family::v4 ? dp->map_fd(kernel::MapId::learned4) : -1,
		                 a.family == resolver::Family::v6 ? dp->map_fd(kernel::MapId::learned6) : -1);
		if (entries.ok()) {
			for (const auto& e : *entries) {
				if (e.address != query->address.to_string())
					continue;
				json learned = learned_json(e, now);
				std::set<std::string> known;
				if (auto it = book.held().find(a); it != book.held().end())
					for (const auto& h : it->second)
						known.insert(h.name);
				for (const auto& n : names.names(audit_address(a), now))
					known.insert(n);
				learned["names"] = known;
				j["learned"] = learned;
				auto ports = policy_ports(e.value.ports);
				bool port_ok =
				    query->port ? policy::ports_allow(ports, query->proto, *query->port)
				                : std::any_of(ports.begin(), ports.end(), [&](const auto& p) {
					                  return p.proto == policy::Proto::any ||
					                         p.proto == query->proto;
				                  });
				if (!result.allowed && e.value.expires_ns > now && port_ok) {
					j["verdict"] = "allowed";
					j["reason"] = "learned";
				} else if (!result.allowed && e.value.expires_ns <= now &&
				           j["reason"] == "no_rule") {
					j["reason"] = "expired";
				}
			}
		}
	} else {
		// The addresses the name resolves to right now (active resolution).
		json addrs = json::array();
		for (const auto& [address, held] : book.held())
			for (const auto& h : held)
				if (h.name == query->destination)
					addrs.push_back(
					    {{"address", address.to_string()},
					     {"expires_in_s",
					      h.expiry_ns > now ? (h.expiry_ns - now) / 1'000'000'000 : 0}});
		j["addresses"] = addrs;
	}
	return j;
}

Result<json> Daemon::State::denies_json(const control::Request& r) {
	std::string since = r.since;
	if (!since.empty()) {
		if (auto secs = control::parse_duration_seconds(since))
			since = rfc3339(std::chrono::system_clock::now() - std::chrono::seconds(*secs));
		else if (since.size() < 20 || since[4] != '-' || since[10] != 'T')
			return Error("since \"" + r.since +
			                 "\": expected a duration (30s, 5m, 2h, 1d) or an RFC 3339 time",
			             EINVAL);
	}
	json lines = json::array();
	for (const auto& line : feed->recent(since, r.limit)) {
		json d = json::parse(line, nullptr, false);
		lines.push_back(d.is_discarded() ? json{{"raw", line}} : d);
	}
	return json{{"lines", lines}};
}

HttpResponse Daemon::State::serve_http(const std::string& path) {
	if (path == "/metrics")
		return {200, "text/plain; version=0.0.4; charset=utf-8", metrics.render()};
	if (path == "/healthz")
		return {200, "text/plain; charset=utf-8", "ok\n"};
	if (path == "/readyz")
		return ready ? HttpResponse{200, "text/plain; charset=utf-8", "ready\n"}
		             : HttpResponse{503, "text/plain; charset=utf-8", "not ready\n"};
	return {404, "text/plain; charset=utf-8", "not found\n"};
}

} // namespace egress::daemon
