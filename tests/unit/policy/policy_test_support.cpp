#include "policy_test_support.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "policy/compiler.h"

namespace egress::policy::test {

const std::vector<CloudCase>& cloud_cases() {
	static const std::vector<CloudCase> cases = {
	    {"AzureCloud", "eastus", "azurecloud-eastus.yaml", "service_tags_public.json"},
	    {"AzureChinaCloud", "chinaeast2", "azurechinacloud-chinaeast2.yaml", "service_tags_china.json"},
	    {"AzureUSGovernment", "usgovvirginia", "azureusgovernment-usgovvirginia.yaml",
	     "service_tags_gov.json"},
	};
	return cases;
}

const std::vector<Variant>& variants() {
	static const std::vector<Variant> v = {
	    {"konnectivity", true, false, {}, false},
	    {"tunnel-servicetags", false, true, {}, false},
	    {"features-recommended", true, true, {"csi-secrets-store", "gpu", "monitor", "windows"}, true},
	};
	return v;
}

std::string data_path(const std::string& file) {
	return std::string(EGRESS_POLICY_TEST_DATA) + "/" + file;
}

std::string read_file(const std::string& path) {
	std::ifstream in(path);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

const catalog::Catalog& embedded_catalog() {
	static const catalog::Catalog c = [] {
		auto r = catalog::Catalog::load_embedded();
		if (!r.ok())
			ADD_FAILURE() << r.error().to_string();
		return r.ok() ? std::move(r).value() : catalog::Catalog();
	}();
	return c;
}

Config load_case_config(const CloudCase& c) {
	auto r = load_config(data_path(c.config_file));
	EXPECT_TRUE(r.ok()) << r.error().to_string();
	return r.ok() ? std::move(r).value() : Config();
}

ServiceTags load_case_tags(const CloudCase& c) {
	auto r = load_service_tags(data_path(c.tags_file));
	EXPECT_TRUE(r.ok()) << r.error().to_string();
	return r.ok() ? std::move(r).value() : ServiceTags();
}

CompiledPolicy compile_variant(const CloudCase& c, const Variant& v) {
	Config config = load_case_config(c);
	config.konnectivity = v.konnectivity;
	config.features = v.features;
	config.recommended = v.recommended;
	ServiceTags tags;
	if (v.with_tags)
		tags = load_case_tags(c);
	auto r = compile(config, embedded_catalog(), v.with_tags ? &tags : nullptr);
	EXPECT_TRUE(r.ok()) << r.error().to_string();
	return r.ok() ? std::move(r).value() : CompiledPolicy();
}

} // namespace egress::policy::test
