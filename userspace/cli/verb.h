// The verb registry: every egressctl verb is one file (verb_<name>.cpp) exporting a setup function
// that declares its flags on a CLI11 subcommand and returns what to run once the command line has
// been parsed. registry.cpp lists them; main.cpp wires them up.
#pragma once

#include <functional>
#include <span>
#include <string>

#include <CLI/CLI.hpp>

namespace egress::cli {

// Flags every verb sees (declared on the top-level app).
struct Globals {
	std::string catalog_file; // --catalog: replaces the catalog built into the binary
	// Online verbs: egressd's control socket, and the bpffs dir read when egressd is down.
	std::string socket = "/run/aks-egress-guard/egressd.sock";
	std::string pins = "/sys/fs/bpf/aks-egress-guard";
};

// Runs a verb; returns the process exit code (exit_codes.h).
using VerbRun = std::function<int()>;

struct Verb {
	const char* name;
	const char* summary;
	VerbRun (*setup)(CLI::App& command, const Globals& globals);
};

std::span<const Verb> verbs();

VerbRun setup_catalog(CLI::App& command, const Globals& globals);
VerbRun setup_render(CLI::App& command, const Globals& globals);
VerbRun setup_servicetags(CLI::App& command, const Globals& globals);
VerbRun setup_check(CLI::App& command, const Globals& globals);
VerbRun setup_version(CLI::App& command, const Globals& globals);
VerbRun setup_status(CLI::App& command, const Globals& globals);
VerbRun setup_ips(CLI::App& command, const Globals& globals);
VerbRun setup_denies(CLI::App& command, const Globals& globals);
VerbRun setup_reload(CLI::App& command, const Globals& globals);
VerbRun setup_uninstall(CLI::App& command, const Globals& globals);

} // namespace egress::cli
