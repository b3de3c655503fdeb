// The control verbs (docs/daemon.md) and the HTTP endpoint's paths, answered from the daemon's
// parts: the policy in force, the kernel's maps and counters, the resolver, the audit trail.
#include <unistd.h>

#include <cerrno>
#include <set>

#include "audit/deny_record.h"
#include "common/clock.h"
#include "daemon/daemon_state.h"
#include "kernel/uplink.h"
#include "policy/check.h"
#include "verdict/check.h"
#include "verdict/report.h"

namespace egress::daemon {

using nlohmann::json;

namespace {

std::string rfc3339(std::chrono::system_clock::time_point t) {
	return audit::format_rfc3339_ms(t);
}

json reload_json(const ReloadResult& r) {
	return {{"ok", r.ok},          {"trigger", r.trigger},       {"time", rfc3339(r.time)},
	        {"error", r.error},    {"generation", r.generation}, {"apply_ms", r.apply_ms},
	        {"maps_ms", r.maps_ms}};
}

} // namespace

control::Response Daemon::State::handle(const control::Request& r) {
	control::Response out;
	auto answer = [&](Result<json> j) {
		if (!j.ok())
			return control::error_response(j.error());
		out.result = std::move(*j);
		return out;
	};
	switch (r.cmd) {
	case control::Command::status:
		return answer(status_json());
	case control::Command::ips:
		return answer(ips_json());
	case control::Command::check:
		return answer(check_json(r));
	case control::Command::denies:
		return answer(denies_json(r));
	case control::Command::reload: {
		watcher->invalidate();
		auto st = reload("control");
		(void)watcher->read_if_changed(); // remember the content now in force
		if (!st.ok()) {
			auto e = control::error_response(st.error());
			e.error = "reload failed, generation " + std::to_string(policy->active().generation) +
			          " stays enforced: " + e.error;
			return e;
		}
		return answer(json{{"generation", policy->active().generation}});
	}
	}
	return control::error_response(Error("unhandled command", EINVAL));
}

json Daemon::State::status_json() {
	const ActivePolicy& active = policy->active();
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
	j["last_reload"] = reload_json(reloads.last);
	j["last_error"] = reloads.last_error;
	j["reload_errors"] = reloads.errors;
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
	for (const auto& m : kernel::kMaps)
		if (m.reports_fill)
			if (auto fill = dp->fill(m.id); fill.ok())
				maps[std::string(m.name)] = {{"entries", fill->entries},
				                             {"max_entries", fill->max_entries}};
	j["maps"] = maps;
	if (auto c = dp->counters(); c.ok())
		j["counters"] = verdict::counters_summary(*c);
	auto dl = audit->stats();
	j["deny_log"] = {{"lines", dl.lines}, {"dropped", dl.dropped}, {"write_errors", dl.write_errors}};
	j["resolver"] = resolution->status(active.desired.exact_names.size());
	// The key itself stays private: knowing it is what lets one craft check-hash collisions.
	json trusted = json::array();
	for (const auto& ip : active.desired.resolvers)
		trusted.push_back(ip.to_string());
	j["dns_learning"] = {{"name_entries", active.desired.names.size()},
	                     {"trusted_resolvers", trusted},
	                     {"resolv_conf", opts.resolv_conf},
	                     {"check_key_set", policy->check_key() != 0}};
	j["uplink"] = uplink->status();
	j["pods"] = pods ? pods->status() : json::object();
	j["tamper"] = tamper.status();
	j["host_guard"] = guard ? guard->status() : json::object();
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
	auto entries = dp->verdict_maps().learned_entries();
	json list = json::array();
	uint64_t now = boot_ns();
	const ActivePolicy& active = policy->active();
	if (entries.ok()) {
		for (const auto& e : *entries) {
			json item = verdict::learned_json(e.address, e.value, now);
			std::set<std::string> known = resolution->names_of(e.address);
			for (const auto& n : audit->names().names(e.address, now))
				known.insert(n);
			item["names"] = known;
			item["source"] = resolution->holds(e.address) ? "resolver" : "dns";
			if (const verdict::RuleRef* rule = active.desired.rule(e.value.ports.rule_id))
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
	const ActivePolicy& active = policy->active();
	verdict::CheckContext ctx{&active.compiled, &active.desired, &catalog, &active.config};
	uint64_t now = boot_ns();
	verdict::AddressEntries entries;
	IpAddress judged;
	if (query->is_address) {
		judged = verdict::judged_address(verdict::address_query(*query));
		auto found = verdict::lookup(dp->verdict_maps(), judged);
		if (!found.ok())
			return std::move(found).error();
		entries = std::move(*found);
	}
	json j = verdict::to_json(verdict::check(ctx, *query, entries, now), now);
	j["policy_generation"] = active.generation;
	if (query->is_address && entries.learned) {
		json learned = verdict::learned_json(judged, *entries.learned, now);
		std::set<std::string> known = resolution->names_of(judged);
		for (const auto& n : audit->names().names(judged, now))
			known.insert(n);
		learned["names"] = known;
		j["learned"] = learned;
	} else if (!query->is_address) {
		// The addresses the name resolves to right now (active resolution).
		j["addresses"] = resolution->addresses_of(query->destination, now);
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
	for (const auto& line : audit->feed().recent(since, r.limit)) {
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
