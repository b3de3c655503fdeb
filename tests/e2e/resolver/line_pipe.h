// Lines from a child process: the child writes "\n"-terminated lines to the pipe, the test reads
// them with a deadline. Used to watch a resolver running inside a network namespace.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/unique_handle.h"

namespace egress::resolver::e2e {

class LinePipe {
public:
	LinePipe();

	// Call in the parent once the child is forked, so EOF arrives when the child exits.
	void close_write() { write_.reset(); }
	// Writes one line (adds the newline); for the child.
	void write_line(const std::string& line) const;

	// The next line, or nullopt at EOF or when `timeout` passes.
	std::optional<std::string> read_line(std::chrono::milliseconds timeout);
	// Reads until a line containing `needle` arrives (returned) or the timeout passes (nullopt).
	std::optional<std::string> wait_for(const std::string& needle, std::chrono::milliseconds timeout);
	// Everything until EOF (or a silence of `timeout`).
	std::string read_all(std::chrono::milliseconds timeout);
	// Every line read so far, for failure messages.
	std::string transcript() const;

private:
	UniqueFd read_, write_;
	std::string buffer_;
	std::vector<std::string> seen_;
};

} // namespace egress::resolver::e2e
