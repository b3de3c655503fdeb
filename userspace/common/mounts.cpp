#include "common/mounts.h"

#include <fstream>
#include <sstream>

namespace egress {
namespace {

// /proc/mounts escapes space, tab, newline and backslash as \ooo (octal).
std::string unescape(std::string_view s) {
	std::string out;
	for (size_t i = 0; i < s.size(); ++i) {
		if (s[i] == '\\' && s.size() - i >= 4) {
			int v = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
			out += static_cast<char>(v);
			i += 3;
		} else {
			out += s[i];
		}
	}
	return out;
}

} // namespace

Result<std::string> find_mount(std::string_view text, std::string_view fstype) {
	std::istringstream in{std::string(text)};
	std::string line;
	while (std::getline(in, line)) {
		std::istringstream fields(line);
		std::string dev, dir, type;
		if (!(fields >> dev >> dir >> type))
			continue;
		if (type == fstype)
			return unescape(dir);
	}
	return Error("no " + std::string(fstype) + " filesystem is mounted", ENOENT);
}

Result<std::string> find_mount(std::string_view fstype) {
	std::ifstream f("/proc/self/mounts");
	if (!f)
		return Error::from_errno(errno, "reading /proc/self/mounts");
	std::stringstream buf;
	buf << f.rdbuf();
	return find_mount(buf.str(), fstype);
}

} // namespace egress
