// egressctl check DEST[:PORT]: the verdict for a name or address, with the rule (and its origin)
// that allows it, or why nothing does. Exit 0 allowed, 1 denied. With --config it is the offline
// check of that config; without, egressd answers for the live policy (and what it learned), and
// when egressd is down the pinned maps answer for an address.
#include <cerrno>

#include "cli/inputs.h"
#include "cli/online.h"
#include "cli/output.h"
#include "cli/verb.h"
#include "daemon/pinned_reader.h"
#include "policy/check.h"
#include "verdict/check.h"
#include "verdict/memory_maps.h"

namespace egress::cli {

namespace {

struct CheckArgs {
	std::string destination;
	std::string proto = "tcp";
	ConfigSource source; // neither --config nor --configmap: the online check
	std::string format = "table";
};

std::string list_text(const nlohmann::json& v) {
	if (!v.is_array())
		return v.is_string() ? v.get<std::string>() : v.dump();
	std::string out;
	for (const auto& x : v)
		out += (out.empty() ? "" : ",") + (x.is_string() ? x.get<std::string>() : x.dump());
	return out;
}

// "  learned: ports tcp/443, expires in 620s, names a.example".
std::string learned_line(const nlohmann::json& l) {
	std::string out = "  learned: ports " + list_text(l.value("ports", nlohmann::json("")));
	if (l.value("expired", false))
		out += ", expired";
	else
		out += ", expires in " + list_text(l.value("expires_in_s", 0)) + "s";
	if (l.contains("names") && !l["names"].empty())
		out += ", names " + list_text(l["names"]);
	return out + "\n";
}

// The online answer as text: verdict line, then each covering rule or map entry and the notes.
std::string online_text(const nlohmann::json& r, const std::string& pin_dir) {
	std::string out = r.value("daemon", "") == "down" ? down_banner(pin_dir) : "";
	// The offline check's first line, "denied: DEST tcp/443 (reason)".
	std::string port = r.contains("port") && !r["port"].is_null() ? "/" + r["port"].dump() : "";
	out += r.value("verdict", "?") + ": " + r.value("destination", "") + " " + r.value("proto", "tcp") +
	       port + " (" + r.value("reason", "") + ")\n";
	for (const auto& m : r.value("matches", nlohmann::json::array())) {
		std::string what = m.contains("rule") ? list_text(m["rule"]) : list_text(m.value("map", ""));
		out += "  " + what;
		if (m.contains("ports"))
			out += "  ports " + list_text(m["ports"]);
		if (m.contains("rule_id"))
			out += "  rule " + list_text(m["rule_id"]);
		if (m.contains("origins"))
			out += "  from " + list_text(m["origins"]);
		if (m.value("expired", false))
			out += "  (expired)";
		out += "\n";
	}
	if (auto l = r.find("learned"); l != r.end() && l->is_object())
		out += learned_line(*l);
	if (auto ad = r.find("addresses"); ad != r.end() && ad->is_array() && !ad->empty())
		out += "  resolves to: " + list_text(*ad) + "\n";
	for (const auto& n : r.value("notes", nlohmann::json::array()))
		out += "  note: " + list_text(n) + "\n";
	return out;
}

// Without --config: the daemon's verdict for the live policy, or the pinned maps' when it is down.
int run_online_check(const CheckArgs& a, const Globals& g) {
	auto client = connect_daemon(g.socket);
	if (!client.ok())
		return fail(kExitUnavailable, client.error());
	Result<nlohmann::json> r = Error("unset");
	if (*client) {
		r = (*client)->check(a.destination, a.proto);
		if (r.ok() && !r->contains("source"))
			(*r)["source"] = "daemon";
	} else {
		auto pinned = daemon::pinned_check(g.pins, a.destination, a.proto);
		if (pinned.ok())
			r = nlohmann::json(*pinned);
		else
			r = std::move(pinned).error();
	}
	if (!r.ok()) {
		if (*client)
			// The daemon refusing DEST (EINVAL) is the caller's mistake.
			return fail(r.error().code() == EINVAL ? kExitUsage : kExitUnavailable, r.error());
		return fail(kExitUnavailable,
		            "egressd is down (no daemon at " + g.socket + "): " + r.error().to_string());
	}
	std::string text = a.format == "json" ? r->dump(2) + "\n" : online_text(*r, g.pins);
	auto st = write_output("", text);
	if (!st.ok())
		return fail(kExitFailure, st.error());
	return r->value("verdict", "") == "allowed" ? kExitOk : kExitDenied;
}

int run_check(const CheckArgs& a, const Globals& globals) {
	if (a.source.config.empty() && a.source.configmap.empty()) {
		// Parse first, so a bad DEST is a usage error before anything is contacted.
		auto q = policy::parse_check_query(a.destination, Proto::tcp);
		if (!q.ok())
			return fail(kExitUsage, "DEST: " + q.error().to_string());
		return run_online_check(a, globals);
	}
	auto query = policy::parse_check_query(a.destination, a.proto == "udp" ? Proto::udp : Proto::tcp);
	if (!query.ok())
		return fail(kExitUsage, "DEST: " + query.error().to_string());
	auto in = compile_inputs(globals, a.source);
	if (!in.ok())
		return fail(kExitBadInput, in.error());
	// The maps this policy would put in the kernel, asked the way the kernel asks them.
	auto desired = verdict::build_desired_state(in->policy);
	if (!desired.ok())
		return fail(kExitBadInput, desired.error());
	verdict::MemoryMaps maps(*desired);
	verdict::AddressEntries entries;
	if (query->is_address) {
		auto found = verdict::lookup(maps, verdict::judged_address(verdict::address_query(*query)));
		if (found.ok())
			entries = *found;
	}
	verdict::CheckContext ctx{&in->policy, &*desired, &in->catalog, &in->config};
	auto answer = verdict::check(ctx, *query, entries, 0);
	std::string text =
	    a.format == "json" ? verdict::to_json(answer, 0).dump(2) + "\n" : policy::to_text(answer.result);
	auto st = write_output("", text);
	if (!st.ok())
		return fail(kExitFailure, st.error());
	return answer.result.allowed ? kExitOk : kExitDenied;
}

} // namespace

VerbRun setup_check(CLI::App& command, const Globals& globals) {
	auto a = std::make_shared<CheckArgs>();
	command
	    .add_option(
	        "DEST", a->destination,
	        "A name or an IP address, optionally with :PORT (mcr.microsoft.com:443, 10.0.0.10:53, "
	        "[2001:db8::1]:443); without a port any port of the protocol counts")
	    ->required();
	command.add_option("--proto", a->proto, "Protocol")
	    ->check(CLI::IsMember({"tcp", "udp"}))
	    ->capture_default_str();
	// Offline with --config/--configmap; without, egressd answers for the live policy (the pinned
	// maps when it is down).
	add_config_options(command, a->source);
	command.add_option("-o,--output", a->format, "Output format")
	    ->check(CLI::IsMember({"table", "json"}))
	    ->capture_default_str();
	command.footer("Exit codes: 0 allowed, 1 denied, 2 usage error, 3 bad input file, 5 (without "
	               "--config) egressd down and the pinned maps cannot answer.");
	return [a, &globals]() { return run_check(*a, globals); };
}

} // namespace egress::cli
