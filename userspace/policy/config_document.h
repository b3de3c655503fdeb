// Internal to the config reader: turning text into one YAML node tree, whatever the format.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/result.h"

namespace egress::policy::detail {

// Parses YAML, or JSON when the first non-blank character is `{` (JSON is converted into the
// same node tree, so one validator serves both). Exactly one document; never throws.
Result<YAML::Node> parse_document(std::string_view text);

// " (line L, column C)" for nodes that know where they came from (YAML); "" otherwise (JSON).
std::string where(const YAML::Node& node);

// Overlays (config_overlay.cpp). Merges `patch` over `base` the way RFC 7396 (JSON Merge Patch)
// merges JSON: maps merge key by key, recursively; a null value removes the key (its default
// applies again); anything else, lists included, replaces. Records each key path the patch set or
// removed in `set_by` (-> `patch_name`). The patch must be a map (or empty); duplicate keys in it
// are an error with their path.
Status merge_overlay(YAML::Node& base, const YAML::Node& patch, const std::string& patch_name,
                     std::map<std::string, std::string>& set_by);
// The layer that set the key path an error message starts with ("allow[2].ports[0]: ..." -> the
// layer that set `allow`), or `fallback` when no overlay did.
std::string layer_of(const std::string& message, const std::map<std::string, std::string>& set_by,
                     const std::string& fallback);
// The overlay files of the config file `path`: in its folder, every `<stem>.<part>.yaml|yml|json`
// (config.yaml -> config.cluster.yaml, config.10-mode.yaml, ...), sorted by file name.
std::vector<std::string> overlay_files(const std::string& path);

} // namespace egress::policy::detail
