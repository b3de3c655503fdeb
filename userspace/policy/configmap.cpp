#include "policy/configmap.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace egress::policy {
namespace {

bool valid_key(const std::string& key) {
	return !key.empty() && key != "." && key != ".." && key.size() <= 253 &&
	       std::all_of(key.begin(), key.end(), [](unsigned char c) {
		       return std::isalnum(c) || c == '-' || c == '_' || c == '.';
	       });
}

std::string scalar(const YAML::Node& n) {
	return n && n.IsScalar() ? n.Scalar() : std::string();
}

} // namespace

Result<std::map<std::string, std::string>> configmap_files(std::string_view manifests) {
	std::vector<YAML::Node> docs;
	try {
		docs = YAML::LoadAll(std::string(manifests));
	} catch (const std::exception& e) {
		return Error(std::string("not a YAML stream of manifests: ") + e.what(), EINVAL);
	}
	const YAML::Node* chosen = nullptr;
	std::size_t with_config = 0;
	const YAML::Node* only = nullptr;
	for (const auto& d : docs) {
		if (!d.IsMap() || scalar(d["kind"]) != "ConfigMap")
			continue;
		if (scalar(d["metadata"]["name"]) == kConfigMapName)
			chosen = &d;
		if (d["data"].IsMap() && d["data"]["config.yaml"]) {
			++with_config;
			only = &d;
		}
	}
	if (!chosen && with_config == 1)
		chosen = only;
	if (!chosen)
		return Error("no ConfigMap " + std::string(kConfigMapName) +
		                 (with_config > 1 ? " among several ConfigMaps holding config.yaml"
		                                  : " (nor any holding config.yaml)"),
		             ENOENT);
	const YAML::Node data = (*chosen)["data"];
	if (!data.IsMap() || !data["config.yaml"])
		return Error("ConfigMap " + std::string(kConfigMapName) + " has no data key config.yaml",
		             ENOENT);
	std::map<std::string, std::string> files;
	for (auto it = data.begin(); it != data.end(); ++it) {
		std::string key = scalar(it->first);
		if (!valid_key(key))
			return Error("ConfigMap key \"" + key + "\" is not a file name", EINVAL);
		if (!it->second.IsScalar())
			return Error("ConfigMap key " + key + ": expected a string", EINVAL);
		files[key] = it->second.Scalar();
	}
	return files;
}

} // namespace egress::policy
