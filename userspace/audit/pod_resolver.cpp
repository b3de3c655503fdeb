#include "audit/pod_resolver.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

namespace egress::audit {
namespace fs = std::filesystem;

namespace {

std::optional<uint64_t> inode_of(const fs::path& p) {
	struct stat st {};
	if (::lstat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
		return std::nullopt;
	return static_cast<uint64_t>(st.st_ino);
}

std::string relative_path(const fs::path& root, const fs::path& p) {
	fs::path rel = p.lexically_relative(root);
	std::string s = rel.generic_string();
	std::string out = "/";
	if (s != ".")
		out.append(s); // not "/" + s: g++ 12 -O2 reports a bogus -Wrestrict for that
	return out;
}

} // namespace

PodResolver::PodResolver(PodResolverOptions options)
    : options_(std::move(options)), paths_(options_.max_cgroups), pods_(options_.max_pods) {
}

std::optional<std::string> PodResolver::find_cgroup_locked(uint64_t cgroup_id) {
	if (const auto* hit = paths_.get(cgroup_id))
		return *hit;
	++walks_;
	std::optional<std::string> found;
	const fs::path root(options_.cgroup_root);
	if (inode_of(root) == cgroup_id) {
		found.emplace(1, '/');
	} else {
		std::error_code ec;
		// Directories only, symlinks not followed (cgroupfs has none; a test tree might), and an
		// unreadable subtree is skipped rather than ending the walk.
		fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
		for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
			if (it->is_symlink(ec) || !it->is_directory(ec)) {
				it.disable_recursion_pending();
				continue;
			}
			if (inode_of(it->path()) == cgroup_id) {
				found = relative_path(root, it->path());
				break;
			}
		}
	}
	paths_.put(cgroup_id, found);
	return found;
}

std::optional<PodName> PodResolver::find_pod_name_locked(const std::string& uid) {
	if (const auto* hit = pods_.get(uid))
		return *hit;
	std::error_code ec;
	for (fs::directory_iterator it(options_.pod_logs_root, ec); !ec && it != fs::directory_iterator();
	     it.increment(ec)) {
		auto name = parse_pod_log_dir(it->path().filename().string());
		if (name && name->uid == uid) {
			pods_.put(uid, *name);
			return name;
		}
	}
	// Not cached: kubelet may create the directory a moment after the first container starts.
	return std::nullopt;
}

Attribution PodResolver::resolve(uint64_t cgroup_id) {
	Attribution a;
	if (cgroup_id == 0)
		return a;
	std::lock_guard lock(mu_);
	a.cgroup_path = find_cgroup_locked(cgroup_id);
	if (!a.cgroup_path)
		return a;
	auto pod = parse_pod_cgroup(*a.cgroup_path);
	if (!pod)
		return a;
	PodIdentity id;
	id.uid = pod->uid;
	if (auto name = find_pod_name_locked(pod->uid)) {
		id.ns = name->ns;
		id.name = name->name;
	}
	a.pod = std::move(id);
	a.container_id = pod->container_id;
	a.runtime = pod->runtime;
	return a;
}

std::optional<std::string> PodResolver::cgroup_path(uint64_t cgroup_id) {
	if (cgroup_id == 0)
		return std::nullopt;
	std::lock_guard lock(mu_);
	return find_cgroup_locked(cgroup_id);
}

uint64_t PodResolver::walks() const {
	std::lock_guard lock(mu_);
	return walks_;
}

} // namespace egress::audit
