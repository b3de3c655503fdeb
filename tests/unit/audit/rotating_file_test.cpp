#include "audit/rotating_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace egress::audit {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
	std::ifstream in(p);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

std::string line(int i) {
	char buf[16];
	std::snprintf(buf, sizeof(buf), "line-%03d", i); // 8 bytes + newline
	return buf;
}

TEST(RotatingFile, RotatesBySizeAndKeepsMaxFiles) {
	testing::TempDir tmp;
	fs::path path = tmp / "sub/denies.log";
	auto sink = RotatingFileSink::open(path.string(), 30, 3); // 3 lines of 9 bytes per file
	ASSERT_TRUE(sink.ok()) << sink.error().to_string();
	for (int i = 0; i < 11; ++i) {
		ASSERT_TRUE((*sink)->write(line(i)).ok());
		ASSERT_TRUE((*sink)->flush().ok());
	}
	// 11 lines: [0-2] [3-5] [6-8] [9-10]; max 3 files: the first file was dropped.
	EXPECT_EQ(slurp(path), "line-009\nline-010\n");
	EXPECT_EQ(slurp(path.string() + ".1"), "line-006\nline-007\nline-008\n");
	EXPECT_EQ(slurp(path.string() + ".2"), "line-003\nline-004\nline-005\n");
	EXPECT_FALSE(fs::exists(path.string() + ".3"));
	EXPECT_EQ((*sink)->rotations(), 3u);
	for (const auto& f : {path.string(), path.string() + ".1", path.string() + ".2"})
		EXPECT_LE(fs::file_size(f), 30u) << f;
}

TEST(RotatingFile, RotationWithinOneBatchKeepsOrder) {
	testing::TempDir tmp;
	fs::path path = tmp / "d.log";
	auto sink = RotatingFileSink::open(path.string(), 20, 2);
	ASSERT_TRUE(sink.ok());
	for (int i = 0; i < 4; ++i)
		ASSERT_TRUE((*sink)->write(line(i)).ok()); // no flush between: the buffer spans a rotation
	ASSERT_TRUE((*sink)->flush().ok());
	EXPECT_EQ(slurp(path.string() + ".1"), "line-000\nline-001\n");
	EXPECT_EQ(slurp(path), "line-002\nline-003\n");
}

TEST(RotatingFile, OneFileMeansTruncate) {
	testing::TempDir tmp;
	fs::path path = tmp / "d.log";
	auto sink = RotatingFileSink::open(path.string(), 10, 1);
	ASSERT_TRUE(sink.ok());
	for (int i = 0; i < 3; ++i)
		ASSERT_TRUE((*sink)->write(line(i)).ok());
	ASSERT_TRUE((*sink)->flush().ok());
	EXPECT_EQ(slurp(path), "line-002\n");
	EXPECT_FALSE(fs::exists(path.string() + ".1"));
}

TEST(RotatingFile, OversizedLineIsWrittenWhole) {
	testing::TempDir tmp;
	fs::path path = tmp / "d.log";
	auto sink = RotatingFileSink::open(path.string(), 10, 2);
	ASSERT_TRUE(sink.ok());
	std::string big(25, 'x');
	ASSERT_TRUE((*sink)->write("a").ok());
	ASSERT_TRUE((*sink)->write(big).ok());
	ASSERT_TRUE((*sink)->write("b").ok());
	ASSERT_TRUE((*sink)->flush().ok());
	EXPECT_EQ(slurp(path.string() + ".1"), big + "\n");
	EXPECT_EQ(slurp(path), "b\n");
}

TEST(RotatingFile, AppendsToAnExistingFileAndCountsItsSize) {
	testing::TempDir tmp;
	fs::path path = tmp / "d.log";
	{
		std::ofstream out(path);
		out << "old-line\n"; // 9 bytes from a previous daemon run
	}
	auto sink = RotatingFileSink::open(path.string(), 20, 2);
	ASSERT_TRUE(sink.ok());
	ASSERT_TRUE((*sink)->write(line(1)).ok());
	ASSERT_TRUE((*sink)->write(line(2)).ok()); // 27 > 20: rotates
	ASSERT_TRUE((*sink)->flush().ok());
	EXPECT_EQ(slurp(path.string() + ".1"), "old-line\nline-001\n");
	EXPECT_EQ(slurp(path), "line-002\n");
}

TEST(RotatingFile, BadArgumentsAreErrors) {
	testing::TempDir tmp;
	EXPECT_FALSE(RotatingFileSink::open("", 10, 1).ok());
	EXPECT_FALSE(RotatingFileSink::open((tmp / "a").string(), 0, 1).ok());
	EXPECT_FALSE(RotatingFileSink::open((tmp / "a").string(), 10, 0).ok());
	std::ofstream((tmp / "dir-is-a-file").string()) << "x";
	auto r2 = RotatingFileSink::open((tmp / "dir-is-a-file").string() + "/y.log", 10, 1);
	EXPECT_FALSE(r2.ok());
}

} // namespace
} // namespace egress::audit
