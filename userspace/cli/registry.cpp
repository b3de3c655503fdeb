#include "cli/verb.h"

#include <array>

namespace egress::cli {

std::span<const Verb> verbs() {
	// The order is the order of `egressctl --help`.
	static const std::array<Verb, 10> kVerbs = {{
	    {"catalog", "List the built-in AKS egress catalog (filters, editions, diff)", setup_catalog},
	    {"render", "Compile a config into the policy; export it for Azure Firewall or Cilium",
	     setup_render},
	    {"check", "Which rule allows DEST[:PORT], or why nothing does (exit 0 allowed, 1 denied)",
	     setup_check},
	    {"status", "egressd's state: mode, policy generation, map fill, counters (pins if down)",
	     setup_status},
	    {"ips", "Addresses learned from DNS or resolved, with their names and expiry (pins if down)",
	     setup_ips},
	    {"denies", "Recent deny-log lines from egressd; --follow streams new ones", setup_denies},
	    {"reload", "Make egressd re-read its config now (also when only an overlay changed)",
	     setup_reload},
	    {"uninstall", "Detach every program and unpin everything (works without egressd)",
	     setup_uninstall},
	    {"servicetags", "Work with Microsoft ServiceTags files (extract: slim one for a ConfigMap)",
	     setup_servicetags},
	    {"version", "Print the egressctl version, the map layout and the event schema", setup_version},
	}};
	return kVerbs;
}

} // namespace egress::cli
