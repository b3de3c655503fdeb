#include <gtest/gtest.h>

#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "daemon/config_watcher.h"

namespace {

using namespace egress::daemon;
namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
	std::ofstream(p) << text;
}

// A mounted ConfigMap as kubelet lays it out: the file is a symlink through `..data`, which points at
// a timestamped directory; an update is a new directory and a rename(2) of `..data_tmp` over `..data`.
class ConfigMapDir {
public:
	ConfigMapDir() {
		char tmpl[] = "/tmp/aeg-cfgmap-XXXXXX";
		dir_ = mkdtemp(tmpl);
		fs::create_directory(dir_ / "..2026_01");
		write(dir_ / "..2026_01" / "config.yaml", "mode: audit\n");
		fs::create_directory_symlink("..2026_01", dir_ / "..data");
		fs::create_symlink("..data/config.yaml", dir_ / "config.yaml");
		current_ = "..2026_01";
	}
	~ConfigMapDir() { fs::remove_all(dir_); }

	std::string file() const { return (dir_ / "config.yaml").string(); }
	const fs::path& dir() const { return dir_; }

	void swap(const std::string& content) {
		std::string next = "..2026_0" + std::to_string(++n_ + 1);
		fs::create_directory(dir_ / next);
		write(dir_ / next / "config.yaml", content);
		fs::create_directory_symlink(next, dir_ / "..data_tmp");
		ASSERT_EQ(rename((dir_ / "..data_tmp").c_str(), (dir_ / "..data").c_str()), 0);
		fs::remove_all(dir_ / current_);
		current_ = next;
	}

private:
	fs::path dir_;
	std::string current_;
	int n_ = 0;
};

// What the daemon's loop does: on events, wait for a quiet `debounce`, then reload if the content
// changed. Returns the contents reloaded within `window_ms`.
std::vector<std::string> reloads(ConfigWatcher& w, int window_ms = 1200, int debounce_ms = 200) {
	std::vector<std::string> out;
	bool pending = false;
	for (int waited = 0; waited < window_ms;) {
		pollfd p{w.fd(), POLLIN, 0};
		int r = poll(&p, 1, debounce_ms);
		waited += debounce_ms;
		if (r > 0) {
			auto relevant = w.drain();
			EXPECT_TRUE(relevant.ok());
			pending = pending || (relevant.ok() && *relevant);
			continue;
		}
		if (pending) {
			pending = false;
			auto changed = w.read_if_changed();
			EXPECT_TRUE(changed.ok()) << changed.error().to_string();
			if (changed.ok() && *changed)
				out.push_back(**changed);
		}
	}
	return out;
}

TEST(ConfigWatcher, OneConfigMapSwapIsOneReloadWithTheNewContent) {
	ConfigMapDir cm;
	auto w = ConfigWatcher::open(cm.file(), "mode: audit\n");
	ASSERT_TRUE(w.ok()) << w.error().to_string();
	cm.swap("mode: enforce\n");
	auto r = reloads(*w);
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0], "mode: enforce\n");
}

TEST(ConfigWatcher, EverySwapIsFollowedEvenAfterTheOldDirectoryIsGone) {
	ConfigMapDir cm;
	auto w = ConfigWatcher::open(cm.file(), "mode: audit\n");
	ASSERT_TRUE(w.ok());
	for (std::string c : {"a: 1\n", "a: 2\n", "a: 3\n"}) {
		cm.swap(c);
		auto r = reloads(*w, 800);
		ASSERT_EQ(r.size(), 1u) << c;
		EXPECT_EQ(r[0], c);
	}
}

TEST(ConfigWatcher, ASwapToTheSameContentOrAnUnrelatedFileCostsNoReload) {
	ConfigMapDir cm;
	auto w = ConfigWatcher::open(cm.file(), "mode: audit\n");
	ASSERT_TRUE(w.ok());
	cm.swap("mode: audit\n");
	write(cm.dir() / "other.txt", "x");
	EXPECT_TRUE(reloads(*w).empty());
}

TEST(ConfigWatcher, APlainFileWrittenInPlaceOrReplacedByRenameIsFollowed) {
	char tmpl[] = "/tmp/aeg-cfgplain-XXXXXX";
	fs::path dir = mkdtemp(tmpl);
	write(dir / "config.yaml", "v: 1\n");
	auto w = ConfigWatcher::open((dir / "config.yaml").string(), "v: 1\n");
	ASSERT_TRUE(w.ok());
	write(dir / "config.yaml", "v: 2\n");
	auto r = reloads(*w);
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0], "v: 2\n");
	write(dir / "config.yaml.tmp", "v: 3\n"); // an editor's save
	ASSERT_EQ(rename((dir / "config.yaml.tmp").c_str(), (dir / "config.yaml").c_str()), 0);
	r = reloads(*w);
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0], "v: 3\n");
	fs::remove_all(dir);
}

TEST(ConfigWatcher, InvalidateMakesTheNextReadReturnEvenUnchangedContent) {
	ConfigMapDir cm;
	auto w = ConfigWatcher::open(cm.file(), "mode: audit\n");
	ASSERT_TRUE(w.ok());
	auto same = w->read_if_changed();
	ASSERT_TRUE(same.ok());
	EXPECT_FALSE(*same);
	w->invalidate();
	auto again = w->read_if_changed();
	ASSERT_TRUE(again.ok());
	ASSERT_TRUE(*again);
	EXPECT_EQ(**again, "mode: audit\n");
}

TEST(ConfigWatcher, AMissingFileIsAnErrorNotAnEmptyConfig) {
	ConfigMapDir cm;
	auto w = ConfigWatcher::open(cm.file(), "");
	ASSERT_TRUE(w.ok());
	fs::remove(cm.dir() / "config.yaml");
	auto r = w->read_if_changed();
	EXPECT_FALSE(r.ok());
}

} // namespace
