// A directory under /tmp removed with everything in it when the test ends.
#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace egress::audit::testing {

class TempDir {
public:
	TempDir() {
		std::string tmpl = (std::filesystem::temp_directory_path() / "egress-audit-XXXXXX").string();
		char* p = ::mkdtemp(tmpl.data());
		EXPECT_NE(p, nullptr);
		path_ = tmpl;
	}
	~TempDir() {
		std::error_code ec;
		std::filesystem::remove_all(path_, ec);
	}
	TempDir(const TempDir&) = delete;
	TempDir& operator=(const TempDir&) = delete;

	const std::filesystem::path& path() const { return path_; }
	std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

private:
	std::filesystem::path path_;
};

} // namespace egress::audit::testing
