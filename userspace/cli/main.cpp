// egressctl: the operator's command-line tool (DESIGN.md §6). Each verb lives in its own file
// (verb.h); this file only sets up the global flags, dispatches and maps failures to exit codes.
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/verb.h"

namespace {

constexpr const char* kFooter =
    "Exit codes: 0 ok (check: allowed), 1 check: denied, 2 usage error, 3 bad input file, 4 other "
    "failure, 5 egressd unreachable and nothing pinned to read.\nDocumentation: docs/cli.md";

} // namespace

int main(int argc, char** argv) {
	using namespace egress::cli;
	CLI::App app("egressctl: inspect and render the aks-egress-guard policy", "egressctl");
	app.footer(kFooter);
	app.require_subcommand(1);
	// Global flags may come before or after the verb.
	app.fallthrough();
	Globals globals;
	// Not CLI::ExistingFile: a missing catalog is a bad input file (exit 3) like a missing config.
	app.add_option("--catalog", globals.catalog_file,
	               "Use this catalog file instead of the one built into egressctl");
	app.add_option("--socket", globals.socket, "egressd's control socket (online verbs)")
	    ->capture_default_str();
	app.add_option("--pins", globals.pins,
	               "The installation's bpffs pin dir, read when egressd is down; uninstall removes it")
	    ->capture_default_str();

	std::map<CLI::App*, VerbRun> runs;
	for (const auto& verb : verbs()) {
		CLI::App* cmd = app.add_subcommand(verb.name, verb.summary);
		runs[cmd] = verb.setup(*cmd, globals);
	}

	try {
		app.parse(argc, argv);
	} catch (const CLI::CallForHelp& e) {
		return app.exit(e);
	} catch (const CLI::CallForAllHelp& e) {
		return app.exit(e);
	} catch (const CLI::ParseError& e) {
		if (e.get_exit_code() == 0)
			return app.exit(e);
		return fail(kExitUsage, std::string(e.what()) + " (see egressctl --help)");
	}
	for (auto& [cmd, run] : runs)
		if (cmd->parsed())
			return run();
	return fail(kExitUsage, "no verb given (see egressctl --help)");
}
