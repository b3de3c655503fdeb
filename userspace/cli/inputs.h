// Loading what the offline verbs read: the catalog (built in or --catalog), a config, a ServiceTags
// file, and the compiled policy made from them. Every error here is a bad input (exit 3).
#pragma once

#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "cli/verb.h"
#include "common/result.h"
#include "policy/compiled_policy.h"
#include "policy/config.h"
#include "policy/service_tags.h"

namespace egress::cli {

Result<catalog::Catalog> load_catalog(const Globals& globals);

struct PolicyInputs {
	catalog::Catalog catalog;
	policy::Config config;
	std::optional<policy::ServiceTags> tags; // from --service-tags, else the config's serviceTags
	policy::CompiledPolicy policy;
};

// Where the config comes from: a file (and its overlays beside it), or a rendered ConfigMap.
struct ConfigSource {
	std::string config;       // --config FILE
	std::string configmap;    // --configmap FILE|-: a manifest stream (`kubectl kustomize` output)
	std::string service_tags; // --service-tags FILE ("" = the config's serviceTags)
};

// Registers --config, --configmap and --service-tags on a verb. `required`: one of the first two.
void add_config_options(CLI::App& command, ConfigSource& source);

// Loads everything and compiles. With a ConfigMap, its keys are written into a private folder
// first and config.yaml is loaded from there, overlays and ServiceTags extract included, the way
// egressd reads the mounted ConfigMap; errors then name the keys, not the folder.
Result<PolicyInputs> compile_inputs(const Globals& globals, const ConfigSource& source);

} // namespace egress::cli
