// Fuzzes parse_service_tags. A file that parses must extract (every region and every tag) into a
// file that parses back with the same tags and prefixes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/service_tags.h"

using namespace egress;
using namespace egress::policy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
	std::string_view text(reinterpret_cast<const char*>(data), size);
	auto tags = parse_service_tags(text);
	if (!tags.ok())
		return 0;
	std::vector<std::string> names;
	for (const auto& tag : tags->values)
		names.push_back(tag.name);
	auto extract = extract_service_tags(*tags, {}, names);
	if (!extract.ok())
		__builtin_trap();
	auto back = parse_service_tags(*extract);
	if (!back.ok() || back->values.size() != tags->values.size() ||
	    back->prefix_count() != tags->prefix_count())
		__builtin_trap();
	for (std::size_t i = 0; i < tags->values.size(); ++i)
		if (back->values[i].prefixes != tags->values[i].prefixes ||
		    back->values[i].region != tags->values[i].region)
			__builtin_trap();
	for (const auto& tag : tags->values)
		if (!tag.region.empty() && tag.system_service.empty())
			(void)region_tag(*tags, Cloud::azure_cloud, tag.region);
	return 0;
}
