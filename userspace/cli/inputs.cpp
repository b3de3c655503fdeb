#include "cli/inputs.h"

#include "policy/compiler.h"

namespace egress::cli {

Result<catalog::Catalog> load_catalog(const Globals& globals) {
	if (globals.catalog_file.empty())
		return catalog::Catalog::load_embedded();
	return catalog::Catalog::load_file(globals.catalog_file);
}

Result<PolicyInputs> compile_inputs(const Globals& globals, const std::string& config_path,
                                    const std::string& tags_override) {
	PolicyInputs in;
	auto cat = load_catalog(globals);
	if (!cat.ok())
		return std::move(cat).error();
	in.catalog = std::move(cat).value();
	auto config = policy::load_config(config_path);
	if (!config.ok())
		return std::move(config).error();
	in.config = std::move(config).value();
	std::string tags_path = tags_override.empty() ? in.config.service_tags : tags_override;
	if (!tags_path.empty()) {
		auto tags = policy::load_service_tags(tags_path);
		if (!tags.ok())
			return std::move(tags).error();
		in.tags = std::move(tags).value();
	}
	auto compiled = policy::compile(in.config, in.catalog, in.tags ? &*in.tags : nullptr);
	if (!compiled.ok())
		return std::move(compiled).error().wrap("compiling " + config_path);
	in.policy = std::move(compiled).value();
	return in;
}

} // namespace egress::cli
