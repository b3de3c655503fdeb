#include "cli/inputs.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "policy/compiler.h"
#include "policy/configmap.h"

namespace egress::cli {
namespace {

// A folder removed with everything in it when the object goes.
class TempDir {
public:
	TempDir() {
		std::string tmpl =
		    (std::filesystem::temp_directory_path() / "egressctl-configmap-XXXXXX").string();
		if (mkdtemp(tmpl.data()))
			path_ = tmpl;
	}
	~TempDir() {
		std::error_code ec;
		if (!path_.empty())
			std::filesystem::remove_all(path_, ec);
	}
	TempDir(const TempDir&) = delete;
	TempDir& operator=(const TempDir&) = delete;
	const std::string& path() const { return path_; }

private:
	std::string path_;
};

Result<std::string> read_all(const std::string& path) {
	std::string text;
	if (path == "-") {
		text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
		return text;
	}
	std::ifstream in(path, std::ios::binary);
	if (!in)
		return Error::from_errno(errno ? errno : ENOENT, "reading " + path);
	text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
	return text;
}

Result<PolicyInputs> compile_file(const Globals& globals, const std::string& config_path,
                                  const std::string& tags_override);

// The ConfigMap's keys as the pod's files: a folder of their own, then the ordinary path.
Result<PolicyInputs> compile_configmap(const Globals& globals, const ConfigSource& source) {
	auto text = read_all(source.configmap);
	if (!text.ok())
		return std::move(text).error();
	auto files = policy::configmap_files(*text);
	if (!files.ok())
		return std::move(files).error().wrap(source.configmap);
	TempDir dir;
	if (dir.path().empty())
		return Error::from_errno(errno, "creating a folder for the ConfigMap's files");
	for (const auto& [key, content] : *files) {
		std::ofstream out(dir.path() + "/" + key, std::ios::binary);
		out << content;
		if (!out)
			return Error::from_errno(errno ? errno : EIO, "writing " + key);
	}
	auto in = compile_file(globals, dir.path() + "/config.yaml", source.service_tags);
	if (in.ok()) {
		// The folder goes with this function: the config names the ServiceTags key instead.
		auto& tags = in->config.service_tags;
		if (tags.starts_with(dir.path() + "/"))
			tags.erase(0, dir.path().size() + 1);
		return in;
	}
	// Name the keys as the operator wrote them, not the private folder.
	std::string message = in.error().to_string();
	for (auto pos = message.find(dir.path() + "/"); pos != std::string::npos;
	     pos = message.find(dir.path() + "/"))
		message.erase(pos, dir.path().size() + 1);
	return Error(message, in.error().code()).wrap("ConfigMap " + std::string(policy::kConfigMapName));
}

} // namespace

Result<catalog::Catalog> load_catalog(const Globals& globals) {
	if (globals.catalog_file.empty())
		return catalog::Catalog::load_embedded();
	return catalog::Catalog::load_file(globals.catalog_file);
}

void add_config_options(CLI::App& command, ConfigSource& source) {
	auto* config = command.add_option("--config,-c", source.config,
	                                  "The config file (YAML or JSON); overlays beside it "
	                                  "(<stem>.<part>.yaml) are merged over it, as egressd does");
	auto* configmap = command.add_option(
	    "--configmap", source.configmap,
	    "Instead of --config: the rendered manifests (`kubectl kustomize DIR`, - for stdin); the "
	    "ConfigMap's keys are read as the pod's files");
	config->excludes(configmap);
	command.add_option("--service-tags", source.service_tags,
	                   "ServiceTags JSON file; overrides the config's serviceTags");
}

Result<PolicyInputs> compile_inputs(const Globals& globals, const ConfigSource& source) {
	if (!source.configmap.empty())
		return compile_configmap(globals, source);
	return compile_file(globals, source.config, source.service_tags);
}

namespace {

Result<PolicyInputs> compile_file(const Globals& globals, const std::string& config_path,
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

} // namespace

} // namespace egress::cli
