// The one table mapping config feature names to catalog categories.
#include <array>

#include "policy/config.h"

namespace egress::policy {
namespace {

// Short config names where the catalog's name is long or product-specific; the catalog's own
// name is accepted as an alias so that `egressctl catalog --feature` output can be pasted back.
constexpr std::array<Feature, 10> kFeatures{{
    {"gpu", "feature:gpu", "", "GPU node pools (NVIDIA driver and container toolkit downloads)"},
    {"windows", "feature:windows", "", "Windows Server node pools"},
    {"monitor", "feature:azure-monitor", "azure-monitor",
     "Azure Monitor: Container insights, Managed Prometheus, Application Insights"},
    {"defender", "feature:defender", "", "Microsoft Defender for Containers"},
    {"csi-secrets-store", "feature:keyvault-csi", "keyvault-csi",
     "Azure Key Vault provider for the Secrets Store CSI driver"},
    {"policy", "feature:azure-policy", "azure-policy", "Azure Policy add-on"},
    {"workload-identity", "feature:workload-identity", "", "Microsoft Entra Workload ID"},
    {"cost-analysis", "feature:cost-analysis", "", "AKS cost analysis add-on"},
    {"cluster-extensions", "feature:cluster-extensions", "",
     "AKS cluster extensions (Marketplace, Flux, Dapr...)"},
    {"dev-spaces", "feature:dev-spaces", "", "Azure Dev Spaces (retired; 2020 edition only)"},
}};

} // namespace

std::span<const Feature> known_features() {
	return kFeatures;
}

const Feature* find_feature(std::string_view name_or_alias) {
	for (const auto& f : kFeatures)
		if (f.name == name_or_alias || (!f.alias.empty() && f.alias == name_or_alias))
			return &f;
	return nullptr;
}

} // namespace egress::policy
