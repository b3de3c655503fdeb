#include "cli/output.h"

#include <cerrno>
#include <fstream>
#include <iostream>

namespace egress::cli {

int fail(ExitCode code, std::string_view message) {
	std::cerr << "egressctl: " << message << "\n";
	return code;
}

int fail(ExitCode code, const Error& error) {
	return fail(code, error.to_string());
}

void warn(std::string_view message) {
	std::cerr << "egressctl: warning: " << message << "\n";
}

Status write_output(const std::string& path, std::string_view text) {
	if (path.empty() || path == "-") {
		std::cout << text;
		std::cout.flush();
		if (!std::cout)
			return Error("writing to stdout failed");
		return ok_status();
	}
	std::ofstream out(path, std::ios::binary | std::ios::trunc);
	if (!out)
		return Error::from_errno(errno, "opening " + path);
	out << text;
	out.close();
	if (!out)
		return Error::from_errno(errno, "writing " + path);
	return ok_status();
}

} // namespace egress::cli
