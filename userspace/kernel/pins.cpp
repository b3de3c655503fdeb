#include "kernel/pins.h"

#include <bpf/bpf.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <dirent.h>

#include <algorithm>
#include <cerrno>

namespace egress::kernel {
namespace {

bool exists(const std::string& path) {
	struct stat st {};
	return stat(path.c_str(), &st) == 0;
}

std::string parent_of(const std::string& path) {
	auto slash = path.find_last_of('/');
	if (slash == std::string::npos || slash == 0)
		return "/";
	return path.substr(0, slash);
}

Status make_dir(const std::string& path) {
	if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
		return Error::from_errno(errno, "creating " + path);
	return ok_status();
}

} // namespace

bool PinLayout::installed() const {
	return exists(map(MapId::install));
}

bool is_bpffs(const std::string& path) {
	struct statfs st {};
	return statfs(path.c_str(), &st) == 0 && static_cast<unsigned long>(st.f_type) == BPF_FS_MAGIC;
}

Result<bool> prepare_pin_dir(const PinLayout& pins, bool mount_parent) {
	const std::string& dir = pins.dir();
	std::string fs_probe = exists(dir) ? dir : parent_of(dir);
	bool mounted = false;
	if (!is_bpffs(fs_probe)) {
		if (!mount_parent || exists(dir))
			return Error(fs_probe + " is not on a bpffs: mount one (mount -t bpf bpf " +
			                 fs_probe + ") or point pinPath at a directory inside a bpffs",
			             ENOTSUP);
		if (auto st = make_dir(fs_probe); !st.ok())
			return std::move(st).error();
		if (mount("bpf", fs_probe.c_str(), "bpf", 0, "mode=0700") != 0)
			return Error::from_errno(errno, "mounting bpffs at " + fs_probe);
		mounted = true;
	}
	for (const std::string& d : {dir, pins.maps_dir(), pins.links_dir()})
		if (auto st = make_dir(d); !st.ok())
			return std::move(st).error();
	return mounted;
}

Result<UniqueFd> open_pinned_map(const PinLayout& pins, MapId id) {
	std::string path = pins.map(id);
	int fd = bpf_obj_get(path.c_str());
	if (fd < 0)
		return Error::from_errno(errno, "opening pinned map " + path);
	return UniqueFd(fd);
}

std::vector<std::string> pinned_names(const std::string& dir) {
	std::vector<std::string> names;
	if (DIR* d = opendir(dir.c_str())) {
		while (dirent* e = readdir(d)) {
			std::string n = e->d_name;
			if (n != "." && n != "..")
				names.push_back(n);
		}
		closedir(d);
	}
	std::sort(names.begin(), names.end());
	return names;
}

} // namespace egress::kernel
