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

// Loads everything and compiles. `tags_override` ("" = none) replaces the config's serviceTags.
Result<PolicyInputs> compile_inputs(const Globals& globals, const std::string& config_path,
                                    const std::string& tags_override);

} // namespace egress::cli
