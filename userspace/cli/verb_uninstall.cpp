// egressctl uninstall: takes aks-egress-guard off the node from its pins alone (kernel::uninstall),
// so it works with egressd dead, crash-looping or never started. Idempotent: nothing pinned is
// success, which the manifests' uninstall overlay (`egressctl uninstall --pins PATH`) relies on.
#include <unistd.h>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <vector>

#include "cli/online.h"
#include "cli/output.h"
#include "cli/verb.h"
#include "common/logger.h"
#include "kernel/datapath.h"
#include "kernel/pinned_installation.h"

namespace egress::cli {

namespace {

struct UninstallArgs {
	bool yes = false;
	bool check = false; // change nothing: exit 0 when nothing is pinned, 1 when something is
	bool idle = false;  // after a successful uninstall, wait for SIGTERM (the uninstall pod)
	std::string format = "table";
};

// The uninstall pod's readiness: ready once nothing of aks-egress-guard is pinned on the node. The
// image has no shell, so this is what `! test -e PIN_DIR` used to be.
int run_check(const Globals& g) {
	std::error_code ec;
	bool pinned = std::filesystem::exists(g.pins, ec) || ec;
	std::cout << (pinned ? "still pinned: " : "nothing pinned at ") << g.pins << "\n";
	return pinned ? kExitDenied : kExitOk;
}

// Blocks until SIGTERM or SIGINT: the uninstall pod stays up (and ready) until it is deleted.
int idle_until_terminated() {
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, nullptr);
	int sig = 0;
	sigwait(&set, &sig);
	return kExitOk;
}

// The TC backstop's interface, read before uninstall() removes the record of it.
uint32_t tc_ifindex(const std::string& pin_dir) {
	auto pins = kernel::PinnedInstallation::open(pin_dir);
	if (!pins.ok())
		return 0;
	auto info = pins->install();
	return info.ok() ? info->tc_ifindex : 0;
}

bool confirmed(const std::string& pin_dir) {
	std::cerr << "Remove aks-egress-guard from this node (detach and unpin " << pin_dir
	          << ")? Egress is no longer filtered afterwards. [y/N] " << std::flush;
	std::string answer;
	std::getline(std::cin, answer);
	return answer == "y" || answer == "Y" || answer == "yes";
}

int run_uninstall(const UninstallArgs& a, const Globals& g) {
	if (a.check)
		return run_check(g);
	kernel::PinLayout pins(g.pins);
	// The verb reports what it removed itself; the kernel module's info line would repeat it.
	log::set_level(log::Level::warn);
	// Only an operator at a terminal is asked; scripts and the uninstall pod run unattended.
	if (!a.yes && isatty(STDIN_FILENO) && !confirmed(g.pins))
		return fail(kExitFailure, "not confirmed; nothing removed (use --yes to skip the question)");
	auto links = kernel::pinned_names(pins.links_dir());
	auto maps = kernel::pinned_names(pins.maps_dir());
	uint32_t ifindex = tc_ifindex(g.pins);
	auto st = kernel::uninstall(g.pins);
	if (!st.ok())
		return fail(kExitFailure, st.error());
	// A running egressd would attach again on its next start; say so rather than hide it.
	if (auto c = daemon::ControlClient::connect(g.socket, std::chrono::seconds(1)); c.ok())
		warn("egressd still answers on " + g.socket +
		     "; stop it (delete the DaemonSet) or it will install again when it restarts");
	bool nothing = links.empty() && maps.empty();
	std::string text;
	if (a.format == "json") {
		nlohmann::json out = {{"pin_dir", g.pins},
		                      {"removed", !nothing},
		                      {"links", links},
		                      {"maps", maps},
		                      {"tc_backstop_ifindex", ifindex}};
		text = out.dump(2) + "\n";
	} else if (nothing) {
		text = "nothing installed at " + g.pins + "; nothing to remove\n";
	} else {
		for (const auto& l : links)
			text += "detached and unpinned link " + l + "\n";
		if (ifindex)
			text += "removed the TC backstop on ifindex " + std::to_string(ifindex) + "\n";
		for (const auto& m : maps)
			text += "unpinned map " + m + "\n";
		text +=
		    "uninstalled: nothing of aks-egress-guard is attached or pinned under " + g.pins + "\n";
	}
	auto out = write_output("", text);
	if (!out.ok())
		return fail(kExitFailure, out.error());
	if (!a.idle)
		return kExitOk;
	const char* node = std::getenv("NODE_NAME");
	std::cout << "aks-egress-guard: node " << (node && *node ? node : "(NODE_NAME unset)")
	          << " uninstalled; safe to delete the DaemonSet" << std::endl;
	return idle_until_terminated();
}

} // namespace

VerbRun setup_uninstall(CLI::App& command, const Globals& globals) {
	auto a = std::make_shared<UninstallArgs>();
	command.add_flag("--yes,-y", a->yes, "Do not ask for confirmation (asked only on a terminal)");
	auto* check = command.add_flag("--check", a->check,
	                               "Change nothing: exit 0 when nothing is pinned at --pins, 1 when "
	                               "something is (the uninstall pod's readiness)");
	command
	    .add_flag("--idle", a->idle,
	              "After a successful uninstall, stay running until SIGTERM (the uninstall pod)")
	    ->excludes(check);
	command.add_option("-o,--output", a->format, "Output format")
	    ->check(CLI::IsMember({"table", "json"}))
	    ->capture_default_str();
	command.footer("Uses --pins (default /sys/fs/bpf/aks-egress-guard). Exit codes: 0 removed, or "
	               "nothing was installed; 4 a detach/unpin failed (e.g. not root). --check: 0 nothing "
	               "pinned, 1 something is.");
	return [a, &globals]() { return run_uninstall(*a, globals); };
}

} // namespace egress::cli
