#include "catalog/cloud.h"

#include <algorithm>

namespace egress::catalog {
namespace {

// ARM location -> the region name Microsoft's ServiceTags files use for it, from the files of
// 2025-07-28 (Public, China) and 2026-07-20 (AzureGovernment) in ../shared/reference/service-tags/.
// Most are the same; the irregular ones are Microsoft's (the tag of France Central is
// AzureCloud.centralfrance). Some locations are restricted (EUAP canaries, STG staging regions,
// regions open to selected customers): they are listed because their tags exist and AKS runs there.
constexpr Region kPublicRegions[] = {
    {"australiacentral", "australiacentral"},
    {"australiacentral2", "australiacentral2"},
    {"australiaeast", "australiaeast"},
    {"australiasoutheast", "australiasoutheast"},
    {"austriaeast", "austriaeast"},
    {"brazilnortheast", "brazilne"},
    {"brazilsouth", "brazilsouth"},
    {"brazilsoutheast", "brazilse"},
    {"canadacentral", "canadacentral"},
    {"canadaeast", "canadaeast"},
    {"centralindia", "centralindia"},
    {"centralus", "centralus"},
    {"centraluseuap", "centraluseuap"},
    {"chilecentral", "chilec"},
    {"eastasia", "eastasia"},
    {"eastus", "eastus"},
    {"eastus2", "eastus2"},
    {"eastus2euap", "eastus2euap"},
    {"eastusstg", "usstagee"},
    {"francecentral", "centralfrance"},
    {"francesouth", "southfrance"},
    {"germanynorth", "germanyn"},
    {"germanywestcentral", "germanywc"},
    {"indonesiacentral", "indonesiacentral"},
    {"israelcentral", "israelcentral"},
    {"israelnorthwest", "israelnorthwest"},
    {"italynorth", "italynorth"},
    {"japaneast", "japaneast"},
    {"japanwest", "japanwest"},
    {"jioindiacentral", "jioindiacentral"},
    {"jioindiawest", "jioindiawest"},
    {"koreacentral", "koreacentral"},
    {"koreasouth", "koreasouth"},
    {"malaysiasouth", "malaysiasouth"},
    {"malaysiawest", "malaysiawest"},
    {"mexicocentral", "mexicocentral"},
    {"newzealandnorth", "newzealandnorth"},
    {"northcentralus", "northcentralus"},
    {"northeurope", "northeurope"},
    {"northeurope2", "northeurope2"},
    {"norwayeast", "norwaye"},
    {"norwaywest", "norwayw"},
    {"polandcentral", "polandcentral"},
    {"qatarcentral", "qatarcentral"},
    {"southafricanorth", "southafricanorth"},
    {"southafricawest", "southafricawest"},
    {"southcentralus", "southcentralus"},
    {"southcentralus2", "southcentralus2"},
    {"southcentralusstg", "usstagec"},
    {"southeastasia", "southeastasia"},
    {"southeastus", "southeastus"},
    {"southindia", "southindia"},
    {"spaincentral", "spaincentral"},
    {"swedencentral", "swedencentral"},
    {"swedensouth", "swedensouth"},
    {"switzerlandnorth", "switzerlandn"},
    {"switzerlandwest", "switzerlandw"},
    {"taiwannorth", "taiwannorth"},
    {"taiwannorthwest", "taiwannorthwest"},
    {"uaecentral", "uaecentral"},
    {"uaenorth", "uaenorth"},
    {"uksouth", "uksouth"},
    {"ukwest", "ukwest"},
    {"westcentralus", "westcentralus"},
    {"westeurope", "westeurope"},
    {"westindia", "westindia"},
    {"westus", "westus"},
    {"westus2", "westus2"},
    {"westus3", "westus3"},
};

constexpr Region kChinaRegions[] = {
    {"chinaeast", "chinaeast"},   {"chinaeast2", "chinaeast2"},   {"chinaeast3", "chinaeast3"},
    {"chinanorth", "chinanorth"}, {"chinanorth2", "chinanorth2"}, {"chinanorth3", "chinanorth3"},
};

constexpr Region kGovernmentRegions[] = {
    {"usdodcentral", "usdodcentral"}, {"usdodeast", "usdodeast"},         {"usgovarizona", "usgovarizona"},
    {"usgovtexas", "usgovtexas"},     {"usgovvirginia", "usgovvirginia"},
};

constexpr CloudInfo kClouds[] = {
    {Cloud::azure_cloud, "AzureCloud", "Public", "ServiceTags_Public_<date>.json", kPublicRegions,
     "internal.cloudapp.net"},
    {Cloud::azure_china_cloud, "AzureChinaCloud", "China", "ServiceTags_China_<date>.json", kChinaRegions,
     "internal.chinacloudapp.cn"},
    {Cloud::azure_us_government, "AzureUSGovernment", "AzureGovernment",
     "ServiceTags_AzureGovernment_<date>.json", kGovernmentRegions, "internal.usgovcloudapp.net"},
};

constexpr std::string_view kAll = "all";
constexpr std::string_view kRegionalTagPrefix = "AzureCloud.";

} // namespace

std::span<const CloudInfo> clouds() {
	return kClouds;
}

const CloudInfo* cloud_info(Cloud cloud) {
	for (const auto& c : kClouds)
		if (c.cloud == cloud)
			return &c;
	return nullptr;
}

const CloudInfo* find_cloud(std::string_view name) {
	for (const auto& c : kClouds)
		if (c.name == name)
			return &c;
	return nullptr;
}

const CloudInfo* find_cloud_by_service_tags(std::string_view service_tags_cloud) {
	for (const auto& c : kClouds)
		if (c.service_tags_cloud == service_tags_cloud)
			return &c;
	return nullptr;
}

std::string_view to_string(Cloud c) {
	if (c == Cloud::all)
		return kAll;
	const CloudInfo* info = cloud_info(c);
	return info ? info->name : "?";
}

std::optional<Cloud> parse_cloud(std::string_view s) {
	if (s == kAll)
		return Cloud::all;
	if (const CloudInfo* info = find_cloud(s))
		return info->cloud;
	return std::nullopt;
}

std::string cloud_names(std::string_view last_sep) {
	std::string out;
	std::size_t n = std::size(kClouds);
	for (std::size_t i = 0; i < n; ++i)
		out += (i == 0       ? ""
		        : i + 1 == n ? std::string(last_sep)
		                     : ", ") +
		       std::string(kClouds[i].name);
	return out;
}

const Region* find_region(Cloud cloud, std::string_view location) {
	const CloudInfo* info = cloud_info(cloud);
	if (!info)
		return nullptr;
	auto it = std::find_if(info->regions.begin(), info->regions.end(),
	                       [&](const Region& r) { return r.location == location; });
	return it == info->regions.end() ? nullptr : &*it;
}

std::optional<Cloud> cloud_of_location(std::string_view location) {
	for (const auto& c : kClouds)
		if (find_region(c.cloud, location))
			return c.cloud;
	return std::nullopt;
}

std::string region_tag_name(const Region& region) {
	return std::string(kRegionalTagPrefix) + std::string(region.tag_region);
}

} // namespace egress::catalog
