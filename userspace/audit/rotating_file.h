// The deny log file, rotated by size: `path` is written, and when the next line would take it
// past max_bytes it becomes path.1, path.1 becomes path.2, ... and the oldest beyond max_files is
// deleted. max_files counts every file including the one being written (as kubelet's
// containerLogMaxFiles), so max_files = 3 keeps path, path.1, path.2. A single line longer than
// max_bytes is still written whole, to a fresh file: a log line is never split.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "audit/line_sink.h"
#include "common/unique_handle.h"

namespace egress::audit {

class RotatingFileSink final : public LineSink {
public:
	// Creates the parent directory if needed and appends to an existing file.
	static Result<std::unique_ptr<RotatingFileSink>> open(std::string path, uint64_t max_bytes,
	                                                      unsigned max_files);

	Status write(std::string_view line) override;
	Status flush() override;

	uint64_t size() const { return size_ + buffer_.size(); }
	uint64_t rotations() const { return rotations_; }

private:
	RotatingFileSink(std::string path, uint64_t max_bytes, unsigned max_files)
	    : path_(std::move(path)), max_bytes_(max_bytes), max_files_(max_files) {}
	Status open_file();
	Status rotate();

	std::string path_;
	uint64_t max_bytes_;
	unsigned max_files_;
	UniqueFd fd_;
	uint64_t size_ = 0;  // bytes in the file
	std::string buffer_; // written at flush() or before a rotation
	uint64_t rotations_ = 0;
};

} // namespace egress::audit
