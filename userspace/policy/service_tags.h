// Microsoft service-tag files (ServiceTags_Public_*.json, ServiceTags_China_*.json,
// ServiceTags_AzureGovernment_*.json): the reader, the regional-tag lookup and the extractor
// behind `egressctl servicetags extract`.
//
// File format: {changeNumber, cloud, values: [{name, id, properties: {changeNumber, region,
// regionId, platform, systemService, addressPrefixes[], networkFeatures}}]}. Prefixes are IPv4
// and IPv6. Regional tags are named by Microsoft's own region names, not the ARM location
// (AzureCloud.centralfrance, properties.region "centralfrance", is France Central, ARM
// "francecentral"): the cloud table (catalog/cloud.h) maps one to the other, and the tag is then
// found through `properties.region`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/config.h"
#include "policy/net_types.h"

namespace egress::policy {

struct ServiceTag {
	std::string name; // "AzureCloud.centralfrance"
	std::string id;   // usually the same as name
	std::int64_t change_number = 0;
	std::string region;         // lower-case, Microsoft's name ("centralfrance"); "" if cloud-wide
	std::int64_t region_id = 0; // 0 for cloud-wide tags
	std::string platform;       // "Azure"
	std::string system_service; // "" for the AzureCloud tags; "AzureMonitor", ...
	std::vector<Cidr> prefixes; // file order; v4 and v6 mixed, host bits cleared
	std::vector<std::string> network_features; // "API", "NSG", ...; empty when null or missing
};

struct ServiceTags {
	std::int64_t change_number = 0;
	std::string cloud; // as in the file: "Public" | "China" | "AzureGovernment"
	std::vector<ServiceTag> values;

	std::size_t prefix_count() const;
};

// Parses a whole file. All or nothing: a malformed file yields an Error naming the JSON path of
// the bad field, e.g. `values[12].properties.addressPrefixes[3]: "10.0.0.0/33": bad prefix: ...`.
// Unknown fields are ignored (Microsoft may add some); `name`, `properties`, `region` and
// `addressPrefixes` are required, and tag names must be unique. Never throws.
Result<ServiceTags> parse_service_tags(std::string_view json);
Result<ServiceTags> load_service_tags(const std::string& path);

// The tag named exactly `name` (service-tag names are case-insensitive in Azure, so is this);
// nullptr when absent.
const ServiceTag* find_tag(const ServiceTags& tags, std::string_view name);

// The regional AzureCloud tag of the ARM location `location` of `cloud`: name "AzureCloud.*",
// properties.region == the location's tag region (catalog::find_region), empty systemService.
// Errors when the file belongs to another cloud, the location is not one of the cloud's, or the
// file has no such tag.
Result<const ServiceTag*> region_tag(const ServiceTags& tags, Cloud cloud, std::string_view location);

// A slim file in the same format (it parses with parse_service_tags) holding the AzureCloud tag of
// each region in `regions` plus each tag in `tag_names`, in the source file's order, with the
// file's changeNumber and cloud. A region is an ARM location of the file's cloud ("francecentral")
// or Microsoft's region name ("centralfrance"). An unknown region or tag name is an error (a typo
// would otherwise ship an empty allow list). The text ends with a newline.
Result<std::string> extract_service_tags(const ServiceTags& tags, const std::vector<std::string>& regions,
                                         const std::vector<std::string>& tag_names);

// A ConfigMap holds at most 1 MiB; the CLI warns when an extract is larger.
inline constexpr std::size_t kConfigMapLimitBytes = 1024 * 1024;

} // namespace egress::policy
