// Internal to the config reader: turning text into one YAML node tree, whatever the format.
#pragma once

#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "common/result.h"

namespace egress::policy::detail {

// Parses YAML, or JSON when the first non-blank character is `{` (JSON is converted into the
// same node tree, so one validator serves both). Exactly one document; never throws.
Result<YAML::Node> parse_document(std::string_view text);

// " (line L, column C)" for nodes that know where they came from (YAML); "" otherwise (JSON).
std::string where(const YAML::Node& node);

} // namespace egress::policy::detail
