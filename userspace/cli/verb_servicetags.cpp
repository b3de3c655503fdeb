// egressctl servicetags extract: slims a ServiceTags_Public_*.json (several MB) down to the
// AzureCloud.<region> tags of the cluster's regions plus named tags, so that it fits a ConfigMap.
#include <sstream>

#include "cli/output.h"
#include "cli/verb.h"
#include "policy/service_tags.h"

namespace egress::cli {

namespace {

struct ExtractArgs {
	std::string file;
	std::vector<std::string> regions;
	std::vector<std::string> tags;
	std::string out;
};

int run_extract(const ExtractArgs& a) {
	if (a.regions.empty() && a.tags.empty())
		return fail(kExitUsage, "servicetags extract: give --regions and/or --tags (see --help)");
	auto tags = policy::load_service_tags(a.file);
	if (!tags.ok())
		return fail(kExitBadInput, tags.error());
	auto slim = policy::extract_service_tags(*tags, a.regions, a.tags);
	// The file is fine; a region or tag it lacks is a wrong argument.
	if (!slim.ok())
		return fail(kExitUsage, slim.error());
	if (slim->size() > policy::kConfigMapLimitBytes)
		warn("the extract is " + std::to_string(slim->size()) +
		     " bytes, more than a ConfigMap holds (" + std::to_string(policy::kConfigMapLimitBytes) +
		     "): name fewer regions or tags");
	auto st = write_output(a.out, *slim);
	if (!st.ok())
		return fail(kExitFailure, st.error());
	return kExitOk;
}

} // namespace

VerbRun setup_servicetags(CLI::App& command, const Globals&) {
	command.require_subcommand(1);
	auto a = std::make_shared<ExtractArgs>();
	CLI::App* extract = command.add_subcommand(
	    "extract",
	    "Write a slim ServiceTags file holding the AzureCloud tags of --regions and the --tags");
	extract
	    ->add_option("FILE", a->file,
	                 "A Microsoft ServiceTags JSON file (ServiceTags_Public_*.json, ...)")
	    ->required();
	extract->add_option("--regions", a->regions, "Cluster regions, comma separated (eastus,westus2)")
	    ->delimiter(',')
	    ->allow_extra_args(false);
	extract->add_option("--tags", a->tags, "More tags by name, comma separated (AzureMonitor,...)")
	    ->delimiter(',')
	    ->allow_extra_args(false);
	extract->add_option("-o,--output", a->out, "Write to this file instead of stdout");
	return [a, extract]() {
		if (extract->parsed())
			return run_extract(*a);
		return fail(kExitUsage, "servicetags: no sub-command (see egressctl servicetags --help)");
	};
}

} // namespace egress::cli
