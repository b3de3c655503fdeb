#include "common/cgroup.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>

namespace egress {

Result<uint64_t> cgroup_id_of(const std::string& cgroup_path) {
	struct stat st {};
	if (stat(cgroup_path.c_str(), &st) != 0)
		return Error::from_errno(errno, "stat " + cgroup_path);
	if (!S_ISDIR(st.st_mode))
		return Error(cgroup_path + " is not a cgroup directory", ENOTDIR);
	return static_cast<uint64_t>(st.st_ino);
}

Result<CgroupRef> cgroup_ref(const std::string& root, const std::string& path) {
	namespace fs = std::filesystem;
	auto id = cgroup_id_of(path);
	if (!id.ok())
		return std::move(id).error();
	fs::path rel =
	    fs::path(path).lexically_normal().lexically_relative(fs::path(root).lexically_normal());
	if (rel.empty() || *rel.begin() == "..")
		return Error(path + " is not below the cgroup v2 mount " + root, EINVAL);
	CgroupRef ref{path, *id, 0};
	for (const auto& part : rel)
		if (!part.empty() && part != ".")
			++ref.level;
	return ref;
}

std::optional<std::string> find_pods_cgroup(const std::string& parent) {
	for (const char* name : {"kubepods.slice", "kubepods"}) {
		std::string path = parent + "/" + name;
		if (cgroup_id_of(path).ok())
			return path;
	}
	return std::nullopt;
}

} // namespace egress
