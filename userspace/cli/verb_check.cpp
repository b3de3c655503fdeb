// egressctl check DEST[:PORT]: the offline verdict for a name or address under a config, with the
// rule (and its origin) that allows it, or why nothing does. Exit 0 allowed, 1 denied.
#include "cli/inputs.h"
#include "cli/output.h"
#include "cli/verb.h"
#include "policy/check.h"

namespace egress::cli {

namespace {

struct CheckArgs {
	std::string destination;
	std::string proto = "tcp";
	std::string config;
	std::string service_tags;
	std::string format = "table";
};

int run_check(const CheckArgs& a, const Globals& globals) {
	auto query = policy::parse_check_query(a.destination,
	                                       a.proto == "udp" ? policy::Proto::udp : policy::Proto::tcp);
	if (!query.ok())
		return fail(kExitUsage, "DEST: " + query.error().to_string());
	auto in = compile_inputs(globals, a.config, a.service_tags);
	if (!in.ok())
		return fail(kExitBadInput, in.error());
	auto result = policy::check(in->policy, *query, &in->catalog, &in->config);
	std::string text =
	    a.format == "json" ? policy::to_json(result).dump(2) + "\n" : policy::to_text(result);
	auto st = write_output("", text);
	if (!st.ok())
		return fail(kExitFailure, st.error());
	return result.allowed ? kExitOk : kExitDenied;
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
	command.add_option("--config,-c", a->config, "The config file (YAML or JSON)")->required();
	command.add_option("--service-tags", a->service_tags,
	                   "ServiceTags JSON file; overrides the config's serviceTags");
	command.add_option("-o,--output", a->format, "Output format")
	    ->check(CLI::IsMember({"table", "json"}))
	    ->capture_default_str();
	command.footer("Exit codes: 0 allowed, 1 denied, 2 usage error, 3 bad input file.");
	return [a, &globals]() { return run_check(*a, globals); };
}

} // namespace egress::cli
