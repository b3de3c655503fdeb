// Config overlays: a second (third, ...) document merged over the base before it is read, so that
// a kustomize overlay changes one key without copying the whole config (docs/config.md, "Overlays").
#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "policy/config_document.h"
#include "policy/config_reader.h"

namespace egress::policy::detail {
namespace {

Status merge_map(YAML::Node& target, const YAML::Node& patch, const std::string& path,
                 const std::string& patch_name, std::map<std::string, std::string>& set_by) {
	return for_each_key(
	    patch, path,
	    [&](const YAML::Node& key_node, const std::string& key, const std::string& key_path,
	        const YAML::Node& value) -> Status {
		    const YAML::Node& current = target; // const lookups never insert
		    YAML::Node existing = current[key];
		    if (value.IsNull()) {
			    target.remove(key); // RFC 7396: null removes the key, the default applies again
			    set_by[key_path] = patch_name;
		    } else if (value.IsMap() && existing && existing.IsMap()) {
			    YAML::Node child = target[key];
			    EGRESS_TRY(merge_map(child, value, key_path, patch_name, set_by));
		    } else {
			    // The overlay's own key and value nodes, so that errors carry its line numbers.
			    target.remove(key);
			    target.force_insert(key_node, value);
			    set_by[key_path] = patch_name;
		    }
		    return ok_status();
	    });
}

} // namespace

Status merge_overlay(YAML::Node& base, const YAML::Node& patch, const std::string& patch_name,
                     std::map<std::string, std::string>& set_by) {
	if (patch.IsNull())
		return ok_status(); // an empty overlay changes nothing
	if (!patch.IsMap())
		return at(patch, "",
		          "an overlay must be a map of keys, got " + std::string(type_name(patch)));
	if (!base.IsMap())
		base = YAML::Node(YAML::NodeType::Map); // an empty base: the overlay is the config
	return merge_map(base, patch, "", patch_name, set_by);
}

std::string layer_of(const std::string& message, const std::map<std::string, std::string>& set_by,
                     const std::string& fallback) {
	std::string path = message.substr(0, message.find(": "));
	// The longest key path a layer set that is the error's path or a parent of it.
	for (std::string p = path; !p.empty();) {
		if (auto it = set_by.find(p); it != set_by.end())
			return it->second;
		auto cut = p.find_last_of(".[");
		if (cut == std::string::npos)
			break;
		p.resize(cut);
	}
	return fallback;
}

std::vector<std::string> overlay_files(const std::string& path) {
	namespace fs = std::filesystem;
	fs::path base(path);
	std::string prefix = base.stem().string() + ".";
	fs::path dir = base.parent_path().empty() ? fs::path(".") : base.parent_path();
	std::vector<std::string> out;
	std::error_code ec;
	for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
		std::string name = it->path().filename().string();
		std::string ext = it->path().extension().string();
		if (name.size() <= prefix.size() + ext.size() || name.compare(0, prefix.size(), prefix) != 0)
			continue;
		if (ext != ".yaml" && ext != ".yml" && ext != ".json")
			continue;
		if (name == base.filename().string())
			continue;
		std::error_code file_ec;
		if (!fs::is_regular_file(it->path(), file_ec)) // follows the ConfigMap's symlinks
			continue;
		out.push_back((base.parent_path() / name).string());
	}
	std::sort(out.begin(), out.end());
	return out;
}

} // namespace egress::policy::detail
