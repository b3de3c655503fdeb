#include "policy/config_file.h"

#include <cerrno>
#include <fstream>
#include <sys/stat.h>

namespace egress::policy::detail {

Result<std::string> read_text_file(const std::string& path, std::size_t max_bytes, std::string_view what) {
	std::string context = "reading " + std::string(what) + " " + path;
	struct stat st {};
	if (stat(path.c_str(), &st) != 0)
		return Error::from_errno(errno, context);
	if (S_ISDIR(st.st_mode))
		return Error::from_errno(EISDIR, context);
	std::ifstream in(path, std::ios::binary);
	if (!in)
		return Error::from_errno(errno ? errno : EIO, context);
	std::string text;
	char buf[64 * 1024];
	while (in) {
		in.read(buf, sizeof(buf));
		text.append(buf, static_cast<std::size_t>(in.gcount()));
		if (text.size() > max_bytes)
			return Error("larger than " + std::to_string(max_bytes) + " bytes", EFBIG)
			    .wrap(context);
	}
	if (in.bad())
		return Error::from_errno(errno ? errno : EIO, context);
	return text;
}

} // namespace egress::policy::detail
