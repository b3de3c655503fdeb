// Running commands and small file helpers for tests.
#pragma once

#include <string>

namespace egress::testlib {

struct CommandResult {
	int status = -1;    // exit status, or -1 if it could not run / was killed
	std::string output; // stdout and stderr together
};

// Runs `command` through /bin/sh, capturing its output.
CommandResult run(const std::string& command);

// Runs and throws std::runtime_error (failing the test) if the exit status is not 0.
std::string run_or_throw(const std::string& command);

// A name unique to this process and call: "<prefix><pid hex>x<counter hex>". Short enough for
// interface names (15 chars) when prefix is at most 4 chars.
std::string unique_name(const std::string& prefix);

bool is_root();

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

} // namespace egress::testlib
