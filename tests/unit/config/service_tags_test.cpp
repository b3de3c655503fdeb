#include "policy/service_tags.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <unistd.h>

namespace {

using namespace egress;
using namespace egress::policy;

// Documentation address ranges only (RFC 5737, RFC 3849); the shape is Microsoft's, including its
// region names (France Central is "centralfrance" in the file, "francecentral" in ARM).
// real_service_tags_test.cpp runs the same lookups on Microsoft's real files.
const char* kSample = R"({
  "changeNumber": 12,
  "cloud": "Public",
  "values": [
    {
      "name": "AzureCloud",
      "id": "AzureCloud",
      "properties": {"changeNumber": 40, "region": "", "regionId": 0, "platform": "Azure", "systemService": "",
                     "addressPrefixes": ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"],
                     "networkFeatures": ["API", "NSG"]}
    },
    {
      "name": "AzureCloud.centralfrance",
      "id": "AzureCloud.centralfrance",
      "properties": {"changeNumber": 5, "region": "centralfrance", "regionId": 19, "platform": "Azure",
                     "systemService": "", "addressPrefixes": ["192.0.2.0/25", "2001:db8:10::/48"],
                     "networkFeatures": ["API", "NSG"]}
    },
    {
      "name": "AzureCloud.eastus",
      "id": "AzureCloud.eastus",
      "properties": {"changeNumber": 7, "region": "eastus", "regionId": 1, "platform": "Azure",
                     "systemService": "", "addressPrefixes": ["198.51.100.0/24", "2001:db8:20::/48"],
                     "networkFeatures": ["API", "NSG"]}
    },
    {
      "name": "Storage.EastUS",
      "id": "Storage.EastUS",
      "properties": {"changeNumber": 3, "region": "eastus", "regionId": 1, "platform": "Azure",
                     "systemService": "AzureStorage", "addressPrefixes": ["198.51.100.128/25"],
                     "networkFeatures": null}
    },
    {
      "name": "AzureMonitor",
      "id": "AzureMonitor",
      "properties": {"changeNumber": 3, "region": "", "regionId": 0, "platform": "Azure",
                     "systemService": "AzureMonitor", "addressPrefixes": ["203.0.113.16/28", "2001:db8:20::/64"],
                     "networkFeatures": ["API", "NSG", "UDR", "FW"]}
    }
  ]
})";

ServiceTags sample() {
	auto r = parse_service_tags(kSample);
	EXPECT_TRUE(r.ok()) << r.error().to_string();
	return r.ok() ? *r : ServiceTags{};
}

std::string err(const std::string& json) {
	auto r = parse_service_tags(json);
	return r.ok() ? std::string() : r.error().to_string();
}

TEST(ServiceTags, ParsesEveryField) {
	ServiceTags tags = sample();
	EXPECT_EQ(tags.change_number, 12);
	EXPECT_EQ(tags.cloud, "Public");
	ASSERT_EQ(tags.values.size(), 5u);
	EXPECT_EQ(tags.prefix_count(), 11u);
	const ServiceTag& fr = tags.values[1];
	EXPECT_EQ(fr.name, "AzureCloud.centralfrance");
	EXPECT_EQ(fr.id, "AzureCloud.centralfrance");
	EXPECT_EQ(fr.change_number, 5);
	EXPECT_EQ(fr.region, "centralfrance");
	EXPECT_EQ(fr.region_id, 19);
	EXPECT_EQ(fr.platform, "Azure");
	EXPECT_EQ(fr.system_service, "");
	ASSERT_EQ(fr.prefixes.size(), 2u);
	EXPECT_EQ(fr.prefixes[0].family, Family::v4);
	EXPECT_EQ(fr.prefixes[0].to_string(), "192.0.2.0/25");
	EXPECT_EQ(fr.prefixes[1].family, Family::v6);
	EXPECT_EQ(fr.prefixes[1].to_string(), "2001:db8:10::/48");
	EXPECT_EQ(fr.network_features, (std::vector<std::string>{"API", "NSG"}));
	EXPECT_TRUE(tags.values[3].network_features.empty()); // null, as in the China file
}

TEST(ServiceTags, RegionTagMapsTheArmLocationToMicrosoftsRegionName) {
	ServiceTags tags = sample();
	auto fr = region_tag(tags, Cloud::azure_cloud, "francecentral");
	ASSERT_TRUE(fr.ok()) << fr.error().to_string();
	EXPECT_EQ((*fr)->name, "AzureCloud.centralfrance");
	// eastus: the AzureCloud tag, not Storage.EastUS (which has a systemService) of the same region.
	auto east = region_tag(tags, Cloud::azure_cloud, "eastus");
	ASSERT_TRUE(east.ok());
	EXPECT_EQ((*east)->name, "AzureCloud.eastus");
	// "centralfrance" is Microsoft's tag region, not an ARM location (the config refuses it too).
	auto wrong = region_tag(tags, Cloud::azure_cloud, "centralfrance");
	ASSERT_FALSE(wrong.ok());
	EXPECT_NE(wrong.error().message().find("\"centralfrance\" is not a location of AzureCloud"),
	          std::string::npos)
	    << wrong.error().message();
	// A known location whose tag the file lacks: the error names the tag and the regions present.
	auto absent = region_tag(tags, Cloud::azure_cloud, "germanywestcentral");
	ASSERT_FALSE(absent.ok());
	EXPECT_NE(absent.error().message().find("no tag AzureCloud.germanywc (region \"germanywc\""),
	          std::string::npos)
	    << absent.error().message();
	EXPECT_NE(absent.error().message().find("centralfrance"), std::string::npos)
	    << "lists regions present";
}

TEST(ServiceTags, RegionTagChecksTheCloud) {
	ServiceTags tags = sample();
	auto r = region_tag(tags, Cloud::azure_china_cloud, "eastus");
	ASSERT_FALSE(r.ok());
	EXPECT_NE(r.error().message().find("for cloud \"Public\""), std::string::npos) << r.error().message();
	EXPECT_NE(r.error().message().find("\"China\""), std::string::npos);
	EXPECT_NE(r.error().message().find("ServiceTags_China_<date>.json"), std::string::npos);
}

TEST(ServiceTags, FindTagIsCaseInsensitive) {
	ServiceTags tags = sample();
	ASSERT_NE(find_tag(tags, "azuremonitor"), nullptr);
	EXPECT_EQ(find_tag(tags, "AzureMonitor")->prefixes.size(), 2u);
	EXPECT_EQ(find_tag(tags, "storage.eastus")->system_service, "AzureStorage");
	EXPECT_EQ(find_tag(tags, "AzureFrontDoor.FirstParty"), nullptr);
}

TEST(ServiceTags, MalformedFilesNameTheField) {
	std::string bad_prefix = kSample;
	bad_prefix.replace(bad_prefix.find("\"2001:db8:20::/48\""), 18, "\"10.0.0.0/33\"");
	EXPECT_EQ(
	    err(bad_prefix),
	    "values[2].properties.addressPrefixes[1]: \"10.0.0.0/33\": bad prefix: length must be 0-32");

	struct Case {
		std::string json;
		std::string expected;
	};
	const std::string head = R"({"changeNumber": 1, "cloud": "Public", "values": [)";
	const std::string props = R"("properties": {"region": "x", "addressPrefixes": [)";
	for (const Case& c : {
	         Case{"", "invalid JSON"},
	         Case{"[]", "(top level): expected an object, got an array"},
	         Case{R"({"cloud": "Public"})", "values: missing"},
	         Case{R"({"values": []})", "(top level).cloud: missing"},
	         Case{R"({"cloud": 1, "values": []})", "(top level).cloud: expected a string, got a number"},
	         Case{R"({"cloud": "Public", "changeNumber": "7", "values": []})",
	              "(top level).changeNumber: expected a whole number"},
	         Case{R"({"cloud": "Public", "values": {}})", "values: expected an array, got an object"},
	         Case{head + "1]}", "values[0]: expected an object, got a number"},
	         Case{head + R"({"properties": {}}]})", "values[0].name: missing"},
	         Case{head + R"({"name": "", "properties": {}}]})", "values[0].name: empty tag name"},
	         Case{head + R"({"name": "a"}]})", "values[0].properties: missing"},
	         Case{head + R"({"name": "a", "properties": []}]})",
	              "values[0].properties: expected an object"},
	         Case{head + R"({"name": "a", "properties": {"addressPrefixes": []}}]})",
	              "values[0].properties.region: missing"},
	         Case{head + R"({"name": "a", "properties": {"region": ""}}]})",
	              "values[0].properties.addressPrefixes: missing"},
	         Case{head +
	                  R"({"name": "a", "properties": {"region": "", "addressPrefixes": "1.2.3.0/24"}}]})",
	              "values[0].properties.addressPrefixes: expected an array, got a string"},
	         Case{head + R"({"name": "a", )" + props + R"(7]}}]})",
	              "values[0].properties.addressPrefixes[0]: expected a string"},
	         Case{head + R"({"name": "a", )" + props + R"("nope"]}}]})",
	              "values[0].properties.addressPrefixes[0]: \"nope\": bad prefix"},
	         Case{head + R"({"name": "a", )" + props + R"("1.2.3.0/24"], "regionId": 1.5}}]})",
	              "values[0].properties.regionId: expected a whole number"},
	         Case{head + R"({"name": "a", )" + props + R"(], "networkFeatures": "API"}}]})",
	              "values[0].properties.networkFeatures: expected an array or null"},
	         Case{head + R"({"name": "a", )" + props + R"(], "networkFeatures": [1]}}]})",
	              "values[0].properties.networkFeatures[0]: expected a string"},
	         Case{head + R"({"name": "a", )" + props + R"(]}}, {"name": "A", )" + props + R"(]}}]})",
	              "values[1].name: \"A\": duplicate tag name"},
	     }) {
		EXPECT_NE(err(c.json).find(c.expected), std::string::npos)
		    << "input: " << c.json << "\nerror: " << err(c.json) << "\nexpected: " << c.expected;
	}
}

TEST(ServiceTags, DeepNestingIsAnErrorNotACrash) {
	std::string deep = std::string(2'000'000, '[') + std::string(2'000'000, ']');
	EXPECT_NE(err(deep).find("(top level): expected an object, got an array"), std::string::npos);
	EXPECT_NE(err(std::string(2'000'000, '[')).find("invalid JSON"), std::string::npos);
	std::string in_values =
	    R"({"cloud": "Public", "values": [{"name": "a", "properties": {"region": "", "addressPrefixes": )" +
	    std::string(100'000, '[') + std::string(100'000, ']') + "}}]}";
	EXPECT_NE(
	    err(in_values).find("values[0].properties.addressPrefixes[0]: expected a string, got an array"),
	    std::string::npos);
}

TEST(ServiceTags, UnknownFieldsIgnoredAndHostBitsMasked) {
	auto r = parse_service_tags(R"({"cloud": "China", "future": {"x": 1}, "values": [
	  {"name": "AzureCloud.chinaeast2", "properties": {"region": "ChinaEast2", "addressPrefixes": ["192.0.2.1/24"],
	   "networkFeatures": null, "newField": true}}]})");
	ASSERT_TRUE(r.ok()) << r.error().to_string();
	EXPECT_EQ(r->values[0].id, "AzureCloud.chinaeast2"); // id defaults to the name
	EXPECT_EQ(r->values[0].prefixes[0].to_string(), "192.0.2.0/24");
	EXPECT_EQ(r->values[0].region, "chinaeast2"); // lower-cased like every region name
	auto tag = region_tag(*r, Cloud::azure_china_cloud, "chinaeast2");
	ASSERT_TRUE(tag.ok()) << tag.error().to_string();
}

TEST(ServiceTags, ExtractRoundTrips) {
	ServiceTags tags = sample();
	// Arguments in another order than the file: the output keeps the file's order.
	auto text =
	    extract_service_tags(tags, {"francecentral"}, {"azuremonitor", "AzureCloud.centralfrance"});
	// Microsoft's own region name works as well as the ARM location.
	auto by_tag_region = extract_service_tags(tags, {"centralfrance"}, {"AzureMonitor"});
	ASSERT_TRUE(by_tag_region.ok()) << by_tag_region.error().to_string();
	EXPECT_EQ(*by_tag_region, *text);
	ASSERT_TRUE(text.ok()) << text.error().to_string();
	EXPECT_EQ(text->back(), '\n');
	auto back = parse_service_tags(*text);
	ASSERT_TRUE(back.ok()) << back.error().to_string() << "\n" << *text;
	EXPECT_EQ(back->change_number, 12);
	EXPECT_EQ(back->cloud, "Public");
	ASSERT_EQ(back->values.size(), 2u);
	EXPECT_EQ(back->values[0].name, "AzureCloud.centralfrance");
	EXPECT_EQ(back->values[1].name, "AzureMonitor");
	const ServiceTag& fr = back->values[0];
	const ServiceTag& orig = tags.values[1];
	EXPECT_EQ(fr.prefixes, orig.prefixes);
	EXPECT_EQ(fr.region, orig.region);
	EXPECT_EQ(fr.region_id, orig.region_id);
	EXPECT_EQ(fr.change_number, orig.change_number);
	EXPECT_EQ(fr.platform, orig.platform);
	EXPECT_EQ(fr.network_features, orig.network_features);
	auto tag = region_tag(*back, Cloud::azure_cloud, "francecentral");
	ASSERT_TRUE(tag.ok());
	// Extracting the extract changes nothing.
	auto again = extract_service_tags(*back, {"francecentral"}, {"AzureMonitor"});
	ASSERT_TRUE(again.ok());
	EXPECT_EQ(*again, *text);
}

TEST(ServiceTags, ExtractRefusesUnknownNames) {
	ServiceTags tags = sample();
	auto r = extract_service_tags(tags, {"westeurope"}, {});
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().message(),
	          "no regional AzureCloud tag for \"westeurope\" (regions present include centralfrance, "
	          "eastus)");
	auto t = extract_service_tags(tags, {}, {"AzureMonitr"});
	ASSERT_FALSE(t.ok());
	EXPECT_EQ(t.error().message(), "no tag named \"AzureMonitr\"");
	auto empty = extract_service_tags(tags, {}, {});
	ASSERT_TRUE(empty.ok());
	EXPECT_EQ(parse_service_tags(*empty)->values.size(), 0u);
}

// A file the size of today's whole-cloud AzureCloud tag (15,322 prefixes): 75 regions of 160 IPv4 and
// 45 IPv6 prefixes each, plus the cloud-wide tag repeating all of them. The regions carry the
// public cloud's tag-region names (then made-up ones past the table's end).
std::string synthetic_region(std::size_t r) {
	auto regions = egress::catalog::cloud_info(Cloud::azure_cloud)->regions;
	return r < regions.size() ? std::string(regions[r].tag_region) : "extra" + std::to_string(r);
}

std::string synthetic_file(std::size_t regions, std::size_t v4_per_region, std::size_t v6_per_region) {
	std::string all;
	std::string out = R"({"changeNumber": 213, "cloud": "Public", "values": [)";
	auto tag = [&](const std::string& name, const std::string& region, std::size_t id,
	               const std::string& prefixes) {
		out += R"({"name": ")" + name + R"(", "id": ")" + name +
		       R"(", "properties": {"changeNumber": 9, "region": ")" + region + R"(", "regionId": )" +
		       std::to_string(id) +
		       R"(, "platform": "Azure", "systemService": "", "addressPrefixes": [)" + prefixes +
		       R"(], "networkFeatures": ["API", "NSG", "UDR", "FW"]}},)";
	};
	for (std::size_t r = 0; r < regions; ++r) {
		std::string prefixes;
		for (std::size_t i = 0; i < v4_per_region; ++i)
			prefixes += "\"" + std::to_string(20 + r % 200) + "." + std::to_string(i) + "." +
			            std::to_string(r % 256) + ".0/24\",";
		for (std::size_t i = 0; i < v6_per_region; ++i) {
			char buf[64];
			snprintf(buf, sizeof(buf), "\"2603:10%02zx:%zx::/48\",", r % 256, i);
			prefixes += buf;
		}
		prefixes.pop_back();
		all += prefixes + ",";
		tag("AzureCloud." + synthetic_region(r), synthetic_region(r), r + 1, prefixes);
	}
	all.pop_back();
	tag("AzureCloud", "", 0, all);
	out.pop_back();
	return out + "]}";
}

TEST(ServiceTags, FifteenThousandPrefixesParseWellUnderASecond) {
	std::string text = synthetic_file(75, 160, 45);
	auto start = std::chrono::steady_clock::now();
	auto r = parse_service_tags(text);
	auto elapsed = std::chrono::steady_clock::now() - start;
	ASSERT_TRUE(r.ok()) << r.error().to_string();
	EXPECT_EQ(r->prefix_count(), 2u * 75 * (160 + 45)); // 30,750: the regions and the cloud-wide tag
	auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
	std::cout << "parsed " << text.size() << " bytes, " << r->prefix_count() << " prefixes in " << ms
	          << " ms\n";
	RecordProperty("parse_ms", static_cast<int>(ms));
	EXPECT_LT(ms, 1000);
	auto tag = region_tag(*r, Cloud::azure_cloud, "francecentral");
	ASSERT_TRUE(tag.ok());
	EXPECT_EQ((*tag)->prefixes.size(), 205u);
}

TEST(ServiceTags, LoadFile) {
	char tmpl[] = "/tmp/service-tags-test-XXXXXX";
	int fd = mkstemp(tmpl);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, kSample, strlen(kSample)), static_cast<ssize_t>(strlen(kSample)));
	close(fd);
	auto r = load_service_tags(tmpl);
	unlink(tmpl);
	ASSERT_TRUE(r.ok()) << r.error().to_string();
	EXPECT_EQ(r->values.size(), 5u);
	auto folder = load_service_tags("/tmp");
	ASSERT_FALSE(folder.ok());
	EXPECT_EQ(folder.error().code(), EISDIR);
}

TEST(ServiceTags, LoadMissingFile) {
	auto r = load_service_tags("/nonexistent/ServiceTags_Public.json");
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code(), ENOENT);
}

} // namespace
