#include "catalog/feature.h"

namespace egress::catalog {
namespace {

constexpr std::string_view kFeaturePrefix = "feature:";

constexpr Feature kFeatures[] = {
    {"gpu", "feature:gpu", "", "GPU node pools (NVIDIA driver and container toolkit downloads)"},
    {"windows", "feature:windows", "", "Windows Server node pools"},
    {"monitor", "feature:azure-monitor", "",
     "Azure Monitor: Container insights, Managed Prometheus, Application Insights"},
    {"defender", "feature:defender", "defender-for-containers", "Microsoft Defender for Containers"},
    {"csi-secrets-store", "feature:keyvault-csi", "keyvault",
     "Azure Key Vault provider for the Secrets Store CSI driver"},
    {"policy", "feature:azure-policy", "", "Azure Policy add-on"},
    {"workload-identity", "feature:workload-identity", "", "Microsoft Entra Workload ID"},
    {"cost-analysis", "feature:cost-analysis", "", "AKS cost analysis add-on"},
    {"cluster-extensions", "feature:cluster-extensions", "",
     "AKS cluster extensions (Marketplace, Flux, Dapr...)"},
    {"dev-spaces", "feature:dev-spaces", "", "Azure Dev Spaces (retired; 2020 edition only)"},
};

} // namespace

std::string_view Feature::catalog_name() const {
	return catalog_category.substr(kFeaturePrefix.size());
}

std::span<const Feature> known_features() {
	return kFeatures;
}

const Feature* find_feature(std::string_view name) {
	if (name.empty())
		return nullptr;
	for (const auto& f : kFeatures)
		if (f.name == name || f.catalog_name() == name || f.alias == name)
			return &f;
	return nullptr;
}

std::string canonical_feature(std::string_view name) {
	const Feature* f = find_feature(name);
	return std::string(f ? f->catalog_name() : name);
}

} // namespace egress::catalog
