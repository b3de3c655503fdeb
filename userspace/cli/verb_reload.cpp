// egressctl reload: asks egressd to re-read its config (overlays and ServiceTags file included) even
// when config.yaml's bytes did not change; the same as SIGHUP. A config that does not load leaves
// the running policy in force, and the answer says why.
#include "cli/online.h"
#include "cli/output.h"
#include "cli/verb.h"

namespace egress::cli {

namespace {

int run_reload(const std::string& format, const Globals& g) {
	auto client = connect_daemon(g.socket);
	if (!client.ok())
		return fail(kExitUnavailable, client.error());
	if (!*client)
		return fail(kExitUnavailable,
		            "egressd is down (no daemon at " + g.socket + "): nothing to reload");
	auto r = (*client)->reload();
	if (!r.ok())
		return fail(kExitBadInput, r.error()); // the daemon refused the config: a bad input file
	std::string text = format == "json" ? r->dump(2) + "\n"
	                                    : "reloaded: policy generation " +
	                                          r->value("generation", nlohmann::json(0)).dump() + "\n";
	auto st = write_output("", text);
	return st.ok() ? kExitOk : fail(kExitFailure, st.error());
}

} // namespace

VerbRun setup_reload(CLI::App& command, const Globals& globals) {
	auto format = std::make_shared<std::string>("table");
	command.add_option("-o,--output", *format, "Output format")
	    ->check(CLI::IsMember({"table", "json"}))
	    ->capture_default_str();
	command.footer("Exit codes: 0 reloaded, 3 the config does not load (the running policy stays), "
	               "5 egressd down.");
	return [format, &globals]() { return run_reload(*format, globals); };
}

} // namespace egress::cli
