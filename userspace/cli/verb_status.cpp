// egressctl status: egressd's own view over the control socket, or, when egressd is down, what the
// pinned maps say (mode, generation, heartbeat, fill levels, counters), marked as such.
#include "cli/online.h"
#include "cli/output.h"
#include "cli/verb.h"
#include "daemon/pinned_reader.h"

namespace egress::cli {

namespace {

struct StatusArgs {
	std::string format = "table";
};

std::string scalar_text(const nlohmann::json& v) {
	return v.is_string() ? v.get<std::string>() : v.dump();
}

// One "key: value" line per leaf, nested keys dotted ("counters.by_reason.no_rule: 3"), map fill
// levels as "entries/max_entries", so the table stays greppable.
void flatten(const std::string& prefix, const nlohmann::json& v, std::string& out) {
	if (v.is_object() && v.contains("entries") && v.contains("max_entries") && v.size() == 2) {
		out += prefix + ": " + scalar_text(v["entries"]) + "/" + scalar_text(v["max_entries"]) + "\n";
		return;
	}
	if (!v.is_object() || v.empty()) {
		out += prefix + ": " + scalar_text(v) + "\n";
		return;
	}
	for (const auto& [key, value] : v.items())
		flatten(prefix.empty() ? key : prefix + "." + key, value, out);
}

std::string status_table(const nlohmann::json& s, const std::string& pin_dir) {
	std::string out = s.value("daemon", "") == "down"
	                      ? down_banner(pin_dir)
	                      : "daemon: up (pid " + scalar_text(s.value("pid", nlohmann::json())) + ")\n";
	for (const auto& [key, value] : s.items())
		if (key != "daemon" && key != "pid")
			flatten(key, value, out);
	return out;
}

int run_status(const StatusArgs& a, const Globals& g) {
	auto client = connect_daemon(g.socket);
	if (!client.ok())
		return fail(kExitUnavailable, client.error());
	Result<nlohmann::json> status = Error("unset");
	if (*client) {
		status = (*client)->status();
	} else {
		status = daemon::pinned_status(g.pins);
		if (!status.ok())
			return fail(kExitUnavailable, "egressd is down (no daemon at " + g.socket +
			                                  ") and the pinned maps cannot be read: " +
			                                  status.error().to_string());
	}
	if (!status.ok())
		return fail(kExitUnavailable, status.error());
	if (!status->contains("source"))
		(*status)["source"] = "daemon";
	std::string text = a.format == "json" ? status->dump(2) + "\n" : status_table(*status, g.pins);
	auto st = write_output("", text);
	return st.ok() ? kExitOk : fail(kExitFailure, st.error());
}

} // namespace

VerbRun setup_status(CLI::App& command, const Globals& globals) {
	auto a = std::make_shared<StatusArgs>();
	command.add_option("-o,--output", a->format, "Output format")
	    ->check(CLI::IsMember({"table", "json"}))
	    ->capture_default_str();
	command.footer("Asks egressd on --socket; when it is down, reads the maps pinned under --pins. "
	               "Exit codes: 0 ok, 5 egressd down and nothing pinned to read.");
	return [a, &globals]() { return run_status(*a, globals); };
}

} // namespace egress::cli
