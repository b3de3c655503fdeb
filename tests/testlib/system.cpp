#include "system.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace egress::testlib {

CommandResult run(const std::string& command) {
	CommandResult r;
	std::string cmd = command + " 2>&1";
	FILE* p = popen(cmd.c_str(), "r");
	if (!p)
		return r;
	std::array<char, 4096> buf;
	size_t n;
	while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
		r.output.append(buf.data(), n);
	int st = pclose(p);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return r;
}

std::string run_or_throw(const std::string& command) {
	CommandResult r = run(command);
	if (r.status != 0)
		throw std::runtime_error("command failed (" + std::to_string(r.status) + "): " + command +
		                         "\n" + r.output);
	return r.output;
}

std::string unique_name(const std::string& prefix) {
	static std::atomic<unsigned> counter{0};
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%s%xx%x", prefix.c_str(), static_cast<unsigned>(getpid()),
	              counter.fetch_add(1) & 0xff);
	return buf;
}

bool is_root() {
	return geteuid() == 0;
}

std::string read_file(const std::string& path) {
	std::ifstream f(path);
	std::stringstream s;
	s << f.rdbuf();
	return s.str();
}

void write_file(const std::string& path, const std::string& content) {
	std::ofstream f(path);
	if (!f)
		throw std::runtime_error("cannot write " + path);
	f << content;
	if (!f.flush())
		throw std::runtime_error("cannot write " + path);
}

} // namespace egress::testlib
