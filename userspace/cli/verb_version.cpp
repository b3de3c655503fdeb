// egressctl version: the release and the versions of the kernel contract it speaks
// (include/egress/abi.h): the pinned maps' layout and the event schema.
#include <nlohmann/json.hpp>

#include "cli/output.h"
#include "cli/verb.h"
#include "egress/abi.h"

namespace egress::cli {

VerbRun setup_version(CLI::App& command, const Globals&) {
	auto format = std::make_shared<std::string>("table");
	command.add_option("-o,--output", *format, "Output format")
	    ->check(CLI::IsMember({"table", "json"}))
	    ->capture_default_str();
	return [format]() {
		std::string text;
		if (*format == "json") {
			nlohmann::ordered_json j;
			j["version"] = EGRESS_VERSION;
			j["mapLayoutVersion"] = EGRESS_MAP_LAYOUT_VERSION;
			j["eventSchemaVersion"] = EGRESS_EVENT_SCHEMA_VERSION;
			// The name of wave 1, when one version covered both: kept for scripts that read it.
			j["abiVersion"] = EGRESS_MAP_LAYOUT_VERSION;
			text = j.dump(2) + "\n";
		} else {
			text = std::string("egressctl ") + EGRESS_VERSION + " (map layout " +
			       std::to_string(EGRESS_MAP_LAYOUT_VERSION) + ", event schema " +
			       std::to_string(EGRESS_EVENT_SCHEMA_VERSION) + ")\n";
		}
		auto st = write_output("", text);
		return st.ok() ? kExitOk : fail(kExitFailure, st.error());
	};
}

} // namespace egress::cli
