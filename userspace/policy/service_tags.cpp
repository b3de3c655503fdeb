#include "policy/service_tags.h"

#include <algorithm>
#include <cerrno>
#include <set>

#include <nlohmann/json.hpp>

#include "catalog/cloud.h"
#include "policy/config_file.h"

namespace egress::policy {
namespace {

using Json = nlohmann::json;

// The public file is about 4 MB; anything far larger is not a service-tag file.
constexpr std::size_t kMaxFileBytes = 64 * 1024 * 1024;

Error at(const std::string& path, std::string problem) {
	return Error(path + ": " + std::move(problem), EINVAL);
}

std::string_view json_type(const Json& j) {
	switch (j.type()) {
	case Json::value_t::null:
		return "null";
	case Json::value_t::object:
		return "an object";
	case Json::value_t::array:
		return "an array";
	case Json::value_t::string:
		return "a string";
	case Json::value_t::boolean:
		return "a boolean";
	default:
		return "a number";
	}
}

std::string lower(std::string_view s) {
	std::string out(s);
	std::transform(out.begin(), out.end(), out.begin(),
	               [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
	return out;
}

bool iequals(std::string_view a, std::string_view b) {
	return a.size() == b.size() && lower(a) == lower(b);
}

// Field readers: `required` fields must exist; optional ones keep their default when missing.
Result<const Json*> field(const Json& obj, const std::string& path, const char* key, bool required) {
	auto it = obj.find(key);
	if (it == obj.end()) {
		if (required)
			return at(path + "." + key, "missing");
		return static_cast<const Json*>(nullptr);
	}
	return &*it;
}

Status read_string(const Json& obj, const std::string& path, const char* key, bool required,
                   std::string& out) {
	auto f = field(obj, path, key, required);
	if (!f.ok())
		return std::move(f).error();
	if (!*f)
		return ok_status();
	if (!(*f)->is_string())
		return at(path + "." + key, "expected a string, got " + std::string(json_type(**f)));
	out = (*f)->get_ref<const std::string&>();
	return ok_status();
}

Status read_int(const Json& obj, const std::string& path, const char* key, bool required, std::int64_t& out) {
	auto f = field(obj, path, key, required);
	if (!f.ok())
		return std::move(f).error();
	if (!*f)
		return ok_status();
	if ((*f)->is_number_unsigned()) {
		auto v = (*f)->get<std::uint64_t>();
		if (v > static_cast<std::uint64_t>(INT64_MAX))
			return at(path + "." + key, "number too large");
		out = static_cast<std::int64_t>(v);
	} else if ((*f)->is_number_integer())
		out = (*f)->get<std::int64_t>();
	else
		return at(path + "." + key, "expected a whole number, got " + std::string(json_type(**f)));
	return ok_status();
}

Result<ServiceTag> read_tag(const Json& value, const std::string& path) {
	if (!value.is_object())
		return at(path, "expected an object, got " + std::string(json_type(value)));
	ServiceTag tag;
	EGRESS_TRY(read_string(value, path, "name", true, tag.name));
	if (tag.name.empty())
		return at(path + ".name", "empty tag name");
	tag.id = tag.name;
	EGRESS_TRY(read_string(value, path, "id", false, tag.id));

	std::string props_path = path + ".properties";
	auto props = field(value, path, "properties", true);
	if (!props.ok())
		return std::move(props).error();
	const Json& p = **props;
	if (!p.is_object())
		return at(props_path, "expected an object, got " + std::string(json_type(p)));
	EGRESS_TRY(read_int(p, props_path, "changeNumber", false, tag.change_number));
	EGRESS_TRY(read_string(p, props_path, "region", true, tag.region));
	tag.region = lower(tag.region);
	EGRESS_TRY(read_int(p, props_path, "regionId", false, tag.region_id));
	EGRESS_TRY(read_string(p, props_path, "platform", false, tag.platform));
	EGRESS_TRY(read_string(p, props_path, "systemService", false, tag.system_service));

	auto prefixes = field(p, props_path, "addressPrefixes", true);
	if (!prefixes.ok())
		return std::move(prefixes).error();
	std::string prefixes_path = props_path + ".addressPrefixes";
	if (!(*prefixes)->is_array())
		return at(prefixes_path, "expected an array, got " + std::string(json_type(**prefixes)));
	tag.prefixes.reserve((*prefixes)->size());
	std::size_t i = 0;
	for (const auto& item : **prefixes) {
		std::string item_path = prefixes_path + "[" + std::to_string(i++) + "]";
		if (!item.is_string())
			return at(item_path, "expected a string, got " + std::string(json_type(item)));
		// Vendor data: a prefix with host bits set still says which network is meant.
		auto cidr = parse_cidr(item.get_ref<const std::string&>(), HostBits::mask);
		if (!cidr.ok())
			return at(item_path, cidr.error().message());
		tag.prefixes.push_back(*cidr);
	}

	auto features = field(p, props_path, "networkFeatures", false);
	if (!features.ok())
		return std::move(features).error();
	if (*features && !(*features)->is_null()) {
		std::string features_path = props_path + ".networkFeatures";
		if (!(*features)->is_array())
			return at(features_path,
			          "expected an array or null, got " + std::string(json_type(**features)));
		i = 0;
		for (const auto& item : **features) {
			if (!item.is_string())
				return at(features_path + "[" + std::to_string(i) + "]",
				          "expected a string, got " + std::string(json_type(item)));
			tag.network_features.push_back(item.get<std::string>());
			++i;
		}
	}
	return tag;
}

Result<ServiceTags> read_file(const Json& root) {
	if (!root.is_object())
		return at("(top level)", "expected an object, got " + std::string(json_type(root)));
	ServiceTags tags;
	EGRESS_TRY(read_int(root, "(top level)", "changeNumber", false, tags.change_number));
	EGRESS_TRY(read_string(root, "(top level)", "cloud", true, tags.cloud));
	auto values = root.find("values");
	if (values == root.end())
		return at("values", "missing");
	if (!values->is_array())
		return at("values", "expected an array, got " + std::string(json_type(*values)));
	tags.values.reserve(values->size());
	std::set<std::string> names;
	std::size_t i = 0;
	for (const auto& value : *values) {
		std::string path = "values[" + std::to_string(i++) + "]";
		auto tag = read_tag(value, path);
		if (!tag.ok())
			return std::move(tag).error();
		if (!names.insert(lower(tag->name)).second)
			return at(path + ".name", "\"" + tag->name + "\": duplicate tag name");
		tags.values.push_back(std::move(*tag));
	}
	return tags;
}

bool is_region_tag(const ServiceTag& tag, std::string_view tag_region) {
	constexpr std::string_view kPrefix = "azurecloud.";
	return tag.system_service.empty() && !tag.region.empty() && tag.region == lower(tag_region) &&
	       tag.name.size() > kPrefix.size() && lower(tag.name.substr(0, kPrefix.size())) == kPrefix;
}

const ServiceTag* find_region_tag(const ServiceTags& tags, std::string_view tag_region) {
	for (const auto& tag : tags.values)
		if (is_region_tag(tag, tag_region))
			return &tag;
	return nullptr;
}

// The regions of the file's regional tags, for error messages ("centralfrance, ...").
std::string regions_present(const ServiceTags& tags) {
	std::string seen;
	std::size_t n = 0;
	for (const auto& tag : tags.values)
		if (is_region_tag(tag, tag.region) && n++ < 5)
			seen += (seen.empty() ? "" : ", ") + tag.region;
	return seen.empty() ? std::string(" (it has no regional AzureCloud tags)")
	                    : " (regions present include " + seen + ")";
}

// An extract's --regions item: an ARM location of the file's cloud, else Microsoft's region name.
const ServiceTag* find_extract_region(const ServiceTags& tags, std::string_view region) {
	if (const auto* cloud = catalog::find_cloud_by_service_tags(tags.cloud))
		if (const auto* r = catalog::find_region(cloud->cloud, lower(region)))
			return find_region_tag(tags, r->tag_region);
	return find_region_tag(tags, region);
}

nlohmann::ordered_json tag_json(const ServiceTag& tag) {
	nlohmann::ordered_json prefixes = nlohmann::ordered_json::array();
	for (const auto& cidr : tag.prefixes)
		prefixes.push_back(cidr.to_string());
	nlohmann::ordered_json properties;
	properties["changeNumber"] = tag.change_number;
	properties["region"] = tag.region;
	properties["regionId"] = tag.region_id;
	properties["platform"] = tag.platform;
	properties["systemService"] = tag.system_service;
	properties["addressPrefixes"] = std::move(prefixes);
	properties["networkFeatures"] = tag.network_features;
	nlohmann::ordered_json out;
	out["name"] = tag.name;
	out["id"] = tag.id;
	out["properties"] = std::move(properties);
	return out;
}

} // namespace

std::size_t ServiceTags::prefix_count() const {
	std::size_t n = 0;
	for (const auto& tag : values)
		n += tag.prefixes.size();
	return n;
}

Result<ServiceTags> parse_service_tags(std::string_view json) {
	if (json.size() > kMaxFileBytes)
		return Error("larger than " + std::to_string(kMaxFileBytes) +
		                 " bytes: not a service-tags file",
		             EFBIG);
	try {
		Json root = Json::parse(json.begin(), json.end());
		return read_file(root);
	} catch (const Json::exception& e) {
		return Error(std::string("invalid JSON: ") + e.what(), EINVAL);
	} catch (const std::exception& e) {
		return Error(std::string("cannot read service tags: ") + e.what(), EINVAL);
	}
}

Result<ServiceTags> load_service_tags(const std::string& path) {
	auto text = detail::read_text_file(path, kMaxFileBytes, "service tags");
	if (!text.ok())
		return std::move(text).error();
	return parse_service_tags(*text).context(path);
}

const ServiceTag* find_tag(const ServiceTags& tags, std::string_view name) {
	for (const auto& tag : tags.values)
		if (iequals(tag.name, name))
			return &tag;
	return nullptr;
}

Result<const ServiceTag*> region_tag(const ServiceTags& tags, Cloud cloud, std::string_view location) {
	const catalog::CloudInfo* info = catalog::cloud_info(cloud);
	if (!info)
		return Error("no regional service tags for cloud " + std::string(catalog::to_string(cloud)),
		             EINVAL);
	if (tags.cloud != info->service_tags_cloud)
		return Error("the service-tags file is for cloud \"" + tags.cloud +
		                 "\", the config's cloud " + std::string(info->name) + " needs a \"" +
		                 std::string(info->service_tags_cloud) + "\" file (" +
		                 std::string(info->service_tags_file) + ")",
		             EINVAL);
	const catalog::Region* region = catalog::find_region(cloud, location);
	if (!region)
		return Error("\"" + std::string(location) + "\" is not a location of " +
		                 std::string(info->name),
		             EINVAL);
	if (const ServiceTag* tag = find_region_tag(tags, region->tag_region))
		return tag;
	return Error("no tag " + catalog::region_tag_name(*region) + " (region \"" +
	                 std::string(region->tag_region) + "\", the service-tag name of " +
	                 std::string(location) + ") in the service-tags file" + regions_present(tags),
	             ENOENT);
}

Result<std::string> extract_service_tags(const ServiceTags& tags, const std::vector<std::string>& regions,
                                         const std::vector<std::string>& tag_names) {
	std::set<const ServiceTag*> keep;
	for (const auto& region : regions) {
		const ServiceTag* tag = find_extract_region(tags, region);
		if (!tag)
			return Error("no regional AzureCloud tag for \"" + region + "\"" +
			                 regions_present(tags),
			             ENOENT);
		keep.insert(tag);
	}
	for (const auto& name : tag_names) {
		const ServiceTag* tag = find_tag(tags, name);
		if (!tag)
			return Error("no tag named \"" + name + "\"", ENOENT);
		keep.insert(tag);
	}
	nlohmann::ordered_json values = nlohmann::ordered_json::array();
	for (const auto& tag : tags.values) // the source file's order, whatever the argument order
		if (keep.count(&tag))
			values.push_back(tag_json(tag));
	nlohmann::ordered_json out;
	out["changeNumber"] = tags.change_number;
	out["cloud"] = tags.cloud;
	out["values"] = std::move(values);
	return out.dump(2) + "\n";
}

} // namespace egress::policy
