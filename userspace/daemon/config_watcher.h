// Watches the config file for changes the way a mounted ConfigMap delivers them.
//
// kubelet never writes a ConfigMap file in place: `<dir>/config.yaml` is a symlink to
// `..data/config.yaml`, `..data` a symlink to a timestamped directory, and an update writes a new
// directory, points `..data_tmp` at it and rename(2)s that over `..data` (one IN_MOVED_TO in <dir>),
// then deletes the old directory. A watch on the file itself would follow the old inode forever,
// so the watch is on the DIRECTORY (IN_CREATE, IN_CLOSE_WRITE, IN_MOVED_TO, IN_MOVED_FROM,
// IN_DELETE), and the file is re-read through its path. An editor's write-to-temp + rename and a
// plain in-place write are caught by the same mask.
//
// One swap produces several events; the caller waits for a quiet moment (debounce) and then asks
// read_if_changed(), which compares the file's bytes with the last content it handed out, so a
// swap costs exactly one reload and an event that changed nothing costs none.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"
#include "common/unique_handle.h"

namespace egress::daemon {

class ConfigWatcher {
public:
	// Starts watching the directory of `path`. `initial_content` is what the caller already
	// loaded (read_if_changed() reports only differences from it).
	static Result<ConfigWatcher> open(std::string path, std::string initial_content);

	// Readable when events are pending: for the caller's epoll loop.
	int fd() const { return fd_.get(); }

	// Reads every pending event without blocking; true when one of them may have changed the file.
	Result<bool> drain();

	// The file's content when it differs from the last content returned (or the initial one);
	// nullopt when unchanged. An unreadable file (mid-swap, deleted) is an Error.
	Result<std::optional<std::string>> read_if_changed();

	// Forget the last content: the next read_if_changed() returns the file whatever it holds
	// (SIGHUP and `egressctl reload` reload even an unchanged file).
	void invalidate() { last_.reset(); }

	const std::string& path() const { return path_; }

private:
	ConfigWatcher(std::string path, UniqueFd fd, std::string initial)
	    : path_(std::move(path)), fd_(std::move(fd)), last_(std::move(initial)) {}

	std::string path_;
	UniqueFd fd_;
	std::optional<std::string> last_;
};

// Reads a whole file (following symlinks).
Result<std::string> read_text_file(const std::string& path);

} // namespace egress::daemon
