#include "daemon/config_watcher.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace egress::daemon {

namespace {
constexpr uint32_t kMask = IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB;
}

Result<std::string> read_text_file(const std::string& path) {
	std::ifstream in(path, std::ios::binary);
	if (!in)
		return Error::from_errno(errno ? errno : ENOENT, "reading " + path);
	std::ostringstream out;
	out << in.rdbuf();
	if (in.bad())
		return Error::from_errno(EIO, "reading " + path);
	return out.str();
}

Result<ConfigWatcher> ConfigWatcher::open(std::string path, std::string initial_content) {
	std::string dir = std::filesystem::path(path).parent_path().string();
	if (dir.empty())
		dir = ".";
	UniqueFd fd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
	if (!fd)
		return Error::from_errno(errno, "inotify_init1");
	if (inotify_add_watch(fd.get(), dir.c_str(), kMask) < 0)
		return Error::from_errno(errno, "watching " + dir);
	return ConfigWatcher(std::move(path), std::move(fd), std::move(initial_content));
}

Result<bool> ConfigWatcher::drain() {
	alignas(inotify_event) char buf[8192];
	bool relevant = false;
	for (;;) {
		ssize_t n = ::read(fd_.get(), buf, sizeof(buf));
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			if (errno == EINTR)
				continue;
			return Error::from_errno(errno, "reading inotify events");
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
			// Every event in the directory counts: the name that changes in a ConfigMap swap
			// (..data) is not the file's own name. read_if_changed() filters by content.
			if (ev->mask & (kMask | IN_Q_OVERFLOW))
				relevant = true;
			off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
		}
	}
	return relevant;
}

Result<std::optional<std::string>> ConfigWatcher::read_if_changed() {
	auto text = read_text_file(path_);
	if (!text.ok())
		return std::move(text).error();
	if (last_ && *last_ == *text)
		return std::optional<std::string>();
	last_ = *text;
	return std::optional<std::string>(std::move(*text));
}

} // namespace egress::daemon
