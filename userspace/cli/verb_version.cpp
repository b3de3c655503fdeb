// egressctl version: the release and the kernel ABI it speaks (include/egress/abi.h).
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
			j["abiVersion"] = EGRESS_ABI_VERSION;
			text = j.dump(2) + "\n";
		} else {
			text = std::string("egressctl ") + EGRESS_VERSION + " (kernel ABI " +
			       std::to_string(EGRESS_ABI_VERSION) + ")\n";
		}
		auto st = write_output("", text);
		return st.ok() ? kExitOk : fail(kExitFailure, st.error());
	};
}

} // namespace egress::cli
