// The one feature-alias table: the names an operator writes in `features` (and `egressctl catalog
// --feature`) and the catalog category whose rows each one adds.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace egress::catalog {

// DESIGN.md §3 names config features after the product ("monitor", "policy", "csi-secrets-store");
// the catalog follows the docs' section names ("azure-monitor", ...). Both are accepted, and so is
// `alias`, so that `egressctl catalog --feature` output can be pasted back into a config.
struct Feature {
	std::string_view name;             // the config name: "monitor"
	std::string_view catalog_category; // "feature:azure-monitor"
	std::string_view alias;            // one more accepted spelling; may be empty
	std::string_view description;

	std::string_view catalog_name() const; // "azure-monitor"
};

std::span<const Feature> known_features();
// By config name, catalog name or alias, case-sensitive; nullptr when unknown.
const Feature* find_feature(std::string_view name);
// The catalog's feature name for any accepted spelling ("monitor" -> "azure-monitor",
// "csi-secrets-store" -> "keyvault-csi"); unknown names unchanged.
std::string canonical_feature(std::string_view name);

} // namespace egress::catalog
