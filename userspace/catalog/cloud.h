// The one cloud table: every Azure cloud the product knows, with the names each outside source
// spells it by (the config and catalog name, the `cloud` of Microsoft's ServiceTags files), and
// every ARM location of the cloud with the region name of its regional service tag.
//
// Microsoft names regional service tags by its own short region names, which are not always the ARM
// location: France Central is `francecentral` in ARM and `AzureCloud.centralfrance` (properties.region
// "centralfrance") in the ServiceTags file; likewise germanywc, norwaye, switzerlandn, brazilse,
// usstagee... The table is the only place that mapping lives; tests/unit/catalog/cloud_test.cpp walks
// every regional tag of Microsoft's real files against it.
//
// Adding a cloud: one enumerator, one row of kClouds and its region list (cloud.cpp). Adding a
// region: one line of its cloud's list.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace egress::catalog {

// Which Azure cloud a row or a config belongs to. `all` exists for catalog rows, which the docs
// print once without a cloud split; a config always names one real cloud.
enum class Cloud { azure_cloud, azure_china_cloud, azure_us_government, all };

// One region of a cloud.
struct Region {
	std::string_view location;   // ARM location, what AKS and the config say: "francecentral"
	std::string_view tag_region; // ServiceTags `properties.region` and tag suffix: "centralfrance"
};

struct CloudInfo {
	Cloud cloud = Cloud::azure_cloud;
	std::string_view name;               // config and catalog spelling: "AzureCloud"
	std::string_view service_tags_cloud; // the `cloud` field of its ServiceTags file: "Public"
	std::string_view service_tags_file;  // the download's name: "ServiceTags_Public_<date>.json"
	std::span<const Region> regions;     // every ARM location, sorted by location
	// Azure DNS's name suffix for the VMs of a VNet without custom DNS (a node's resolv.conf
	// `search` line holds <id>.<region>.internal.cloudapp.net and the like).
	std::string_view internal_dns_suffix;
};

// The real clouds (without `all`), in enum order.
std::span<const CloudInfo> clouds();
// The row of a real cloud; nullptr for Cloud::all.
const CloudInfo* cloud_info(Cloud cloud);
// By config/catalog name ("AzureChinaCloud"), exact; `all` is not a cloud here.
const CloudInfo* find_cloud(std::string_view name);
// By the `cloud` value of a ServiceTags file ("China").
const CloudInfo* find_cloud_by_service_tags(std::string_view service_tags_cloud);

// "AzureCloud" ... and "all" for Cloud::all (the catalog's data spelling).
std::string_view to_string(Cloud c);
// The names above, `all` included.
std::optional<Cloud> parse_cloud(std::string_view s);
// The real clouds' names for messages: "AzureCloud, AzureChinaCloud<last_sep>AzureUSGovernment".
std::string cloud_names(std::string_view last_sep = ", ");

// The region of `cloud` whose ARM location is `location`; nullptr when the cloud has none.
const Region* find_region(Cloud cloud, std::string_view location);
// The cloud (of all real clouds) that has the ARM location `location`; nullopt when none has.
std::optional<Cloud> cloud_of_location(std::string_view location);
// The name of a region's regional service tag: "AzureCloud.centralfrance" (every cloud's regional
// tags carry the AzureCloud prefix: AzureCloud.chinaeast2, AzureCloud.usgovvirginia).
std::string region_tag_name(const Region& region);

} // namespace egress::catalog
