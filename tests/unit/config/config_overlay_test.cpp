// Config overlays (docs/config.md, "Overlays"): merge rules, error attribution, discovery beside the
// config file (also in a kubelet-style ConfigMap folder), and the ConfigMap reader behind
// `egressctl render --configmap`.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "policy/config.h"
#include "policy/configmap.h"

namespace {

using namespace egress::policy;
namespace fs = std::filesystem;

const std::string kBase = "cloud: AzureCloud\n"
                          "location: set-me\n"
                          "mode: audit\n"
                          "clusterCIDRs: [10.0.0.0/16]\n"
                          "serviceTags: tags.json\n"
                          "dns:\n"
                          "  minTTL: 60s\n"
                          "  grace: 30s\n"
                          "allow:\n"
                          "  - name: github\n"
                          "    fqdn: github.com\n";

egress::Result<Config> layered(std::vector<ConfigLayer> overlays) {
	overlays.insert(overlays.begin(), ConfigLayer{"config.yaml", kBase});
	return parse_config_layers(overlays);
}

TEST(ConfigOverlay, MapsMergeScalarsAndListsReplaceNullRemoves) {
	auto c = layered({{"config.50-cluster.yaml", "location: westeurope\n"
	                                             "dns:\n  grace: 1m\n"
	                                             "allow:\n  - fqdn: example.org\n"
	                                             "serviceTags: null\n"}});
	ASSERT_TRUE(c.ok()) << c.error().to_string();
	EXPECT_EQ(c->location, "westeurope");
	EXPECT_EQ(c->dns.grace.count(), 60);   // the overlay's key
	EXPECT_EQ(c->dns.min_ttl.count(), 60); // the base's sibling key stays
	ASSERT_EQ(c->allow.size(), 1u);        // a list replaces the base's
	EXPECT_EQ(c->allow[0].fqdn, "example.org");
	EXPECT_EQ(c->service_tags, "");                            // null: back to the default
	EXPECT_EQ(c->cluster_cidrs[0].to_string(), "10.0.0.0/16"); // untouched keys are the base's
	EXPECT_EQ(c->mode, Mode::audit);
}

TEST(ConfigOverlay, LaterLayersWin) {
	auto c = layered({{"config.10-mode.yaml", "mode: enforce\nfailMode: open\nlocation: eastus\n"},
	                  {"config.50-cluster.yaml", "location: westeurope\nfailMode: closed\n"}});
	ASSERT_TRUE(c.ok()) << c.error().to_string();
	EXPECT_EQ(c->mode, Mode::enforce);
	EXPECT_EQ(c->fail_mode, FailMode::closed);
	EXPECT_EQ(c->location, "westeurope");
}

TEST(ConfigOverlay, ErrorsNameTheFileThatSetTheKeyWithItsLines) {
	auto bad = layered({{"config.50-cluster.yaml", "# a comment\nlocation: westeuropa\n"}});
	ASSERT_FALSE(bad.ok());
	EXPECT_EQ(
	    bad.error().to_string().find("config.50-cluster.yaml: location: \"westeuropa\": not a location "
	                                 "of AzureCloud"),
	    0u)
	    << bad.error().to_string();
	EXPECT_NE(bad.error().to_string().find("(line 2, column 11)"), std::string::npos);
	// A nested key: the overlay that set dns.grace.
	auto nested = layered({{"config.50-cluster.yaml", "location: eastus\ndns:\n  grace: forever\n"}});
	ASSERT_FALSE(nested.ok());
	EXPECT_EQ(nested.error().to_string().find("config.50-cluster.yaml: dns.grace:"), 0u)
	    << nested.error().to_string();
	// An item of a list the overlay replaced.
	auto item =
	    layered({{"config.50-cluster.yaml", "location: eastus\nallow:\n  - fqdn: \"bad name\"\n"}});
	ASSERT_FALSE(item.ok());
	EXPECT_EQ(item.error().to_string().find("config.50-cluster.yaml: allow[0].fqdn:"), 0u)
	    << item.error().to_string();
	// A key no overlay set is the base's (here the placeholder location).
	auto base = layered({{"config.10-mode.yaml", "mode: enforce\n"}});
	ASSERT_FALSE(base.ok());
	EXPECT_EQ(base.error().to_string().find("config.yaml: location:"), 0u) << base.error().to_string();
}

TEST(ConfigOverlay, AnOverlayIsAMapWithUniqueKeys) {
	auto list = layered({{"config.50-x.yaml", "- location: eastus\n"}});
	ASSERT_FALSE(list.ok());
	EXPECT_NE(list.error().to_string().find("config.50-x.yaml: (top level): an overlay must be a map"),
	          std::string::npos)
	    << list.error().to_string();
	auto dup = layered({{"config.50-x.yaml", "location: eastus\nlocation: westus\n"}});
	ASSERT_FALSE(dup.ok());
	EXPECT_NE(dup.error().to_string().find("config.50-x.yaml: location: duplicate key"),
	          std::string::npos)
	    << dup.error().to_string();
	auto unknown = layered({{"config.50-x.yaml", "location: eastus\nlocaton: westus\n"}});
	ASSERT_FALSE(unknown.ok());
	EXPECT_NE(unknown.error().to_string().find("config.50-x.yaml: locaton: unknown key"),
	          std::string::npos)
	    << unknown.error().to_string();
	// An empty overlay changes nothing.
	EXPECT_FALSE(layered({{"config.50-x.yaml", ""}}).ok()); // the base's placeholder location stays
	EXPECT_TRUE(
	    layered({{"config.50-x.yaml", "location: eastus\n"}, {"config.60-y.yaml", "# empty\n"}}).ok());
}

class OverlayFiles : public ::testing::Test {
protected:
	void SetUp() override {
		dir_ = fs::temp_directory_path() / ("aeg-overlay-" + std::to_string(getpid()));
		fs::remove_all(dir_);
		fs::create_directories(dir_);
	}
	void TearDown() override { fs::remove_all(dir_); }
	void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
	fs::path dir_;
};

TEST_F(OverlayFiles, LoadConfigMergesTheOverlaysBesideItInNameOrder) {
	write(dir_ / "config.yaml", kBase);
	write(dir_ / "config.50-cluster.yaml", "location: westeurope\nmode: audit\n");
	write(dir_ / "config.10-mode.yaml", "mode: enforce\n");
	write(dir_ / "other.yaml", "location: nowhere\n");      // another stem
	write(dir_ / "config.yaml.bak", "location: nowhere\n"); // not a YAML/JSON name
	auto overlays = config_overlays((dir_ / "config.yaml").string());
	ASSERT_EQ(overlays.size(), 2u);
	EXPECT_EQ(fs::path(overlays[0]).filename(), "config.10-mode.yaml");
	EXPECT_EQ(fs::path(overlays[1]).filename(), "config.50-cluster.yaml");
	auto c = load_config((dir_ / "config.yaml").string());
	ASSERT_TRUE(c.ok()) << c.error().to_string();
	EXPECT_EQ(c->location, "westeurope");
	EXPECT_EQ(c->mode, Mode::audit); // 50-cluster comes after 10-mode
	EXPECT_EQ(c->service_tags, (dir_ / "tags.json").string());
}

TEST_F(OverlayFiles, AMountedConfigMapFolderIsReadThroughItsSymlinks) {
	// kubelet's layout: ..<ts>/<key> files, ..data -> ..<ts>, <key> -> ..data/<key>.
	fs::create_directories(dir_ / "..2026_11_21_1");
	write(dir_ / "..2026_11_21_1" / "config.yaml", kBase);
	write(dir_ / "..2026_11_21_1" / "config.10-mode.yaml", "mode: enforce\nlocation: eastus\n");
	fs::create_directory_symlink("..2026_11_21_1", dir_ / "..data");
	fs::create_symlink("..data/config.yaml", dir_ / "config.yaml");
	fs::create_symlink("..data/config.10-mode.yaml", dir_ / "config.10-mode.yaml");
	auto c = load_config((dir_ / "config.yaml").string());
	ASSERT_TRUE(c.ok()) << c.error().to_string();
	EXPECT_EQ(c->mode, Mode::enforce);
	EXPECT_EQ(c->location, "eastus");
}

TEST(ConfigMapFiles, TheAksEgressGuardConfigMapOfAManifestStream) {
	std::string stream = "apiVersion: v1\nkind: Namespace\nmetadata: {name: aks-egress-guard}\n---\n"
	                     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {a: b}\n---\n"
	                     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aks-egress-guard-config}\n"
	                     "data:\n  config.yaml: |\n    cloud: AzureCloud\n  config.10-mode.yaml: |\n"
	                     "    mode: enforce\n";
	auto files = configmap_files(stream);
	ASSERT_TRUE(files.ok()) << files.error().to_string();
	ASSERT_EQ(files->size(), 2u);
	EXPECT_EQ(files->at("config.yaml"), "cloud: AzureCloud\n");
	EXPECT_EQ(files->at("config.10-mode.yaml"), "mode: enforce\n");
	auto none = configmap_files("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n");
	ASSERT_FALSE(none.ok());
	EXPECT_NE(none.error().message().find("no ConfigMap aks-egress-guard-config"), std::string::npos);
	auto escape = configmap_files("kind: ConfigMap\nmetadata: {name: aks-egress-guard-config}\n"
	                              "data: {config.yaml: x, \"../evil\": y}\n");
	ASSERT_FALSE(escape.ok());
	EXPECT_NE(escape.error().message().find("\"../evil\" is not a file name"), std::string::npos);
	EXPECT_FALSE(configmap_files("kind: [unclosed").ok());
}

} // namespace
