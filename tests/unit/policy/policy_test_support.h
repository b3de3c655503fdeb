// Shared inputs of the compiler/exporter/check tests: the embedded catalog, the per-cloud test
// configs and synthetic ServiceTags files of data/, and the golden variants.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "policy/compiled_policy.h"
#include "policy/config.h"
#include "policy/service_tags.h"

namespace egress::policy::test {

struct CloudCase {
	std::string cloud;    // "AzureCloud"
	std::string location; // "eastus"
	std::string config_file;
	std::string tags_file;
};

const std::vector<CloudCase>& cloud_cases();

// The golden variants: how the per-cloud config is changed before compiling.
struct Variant {
	std::string name; // used in the golden file name
	bool konnectivity = true;
	bool with_tags = false;
	std::vector<std::string> features;
	bool recommended = false;
};

const std::vector<Variant>& variants();

const catalog::Catalog& embedded_catalog();
Config load_case_config(const CloudCase& c);
ServiceTags load_case_tags(const CloudCase& c);
// Compiles the case's config changed as the variant says; fails the test on error.
CompiledPolicy compile_variant(const CloudCase& c, const Variant& v);

std::string data_path(const std::string& file);
std::string read_file(const std::string& path);

} // namespace egress::policy::test
