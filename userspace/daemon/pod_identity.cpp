#include "daemon/pod_identity.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "audit/pod_path.h"

namespace egress::daemon {
namespace fs = std::filesystem;

namespace {

std::string arg(const nlohmann::json& args, const std::string& key) {
	for (const auto& pair : args)
		if (pair.is_array() && pair.size() == 2 && pair[0] == key && pair[1].is_string())
			return pair[1];
	return "";
}

std::string read_all(const fs::path& p) {
	std::ifstream f(p);
	std::stringstream s;
	s << f.rdbuf();
	return s.str();
}

// The kubepods subtree only: system.slice and user.slice hold no pods, and a node's cgroup tree
// is large.
bool may_hold_pods(const std::string& name) {
	return name.rfind("kubepods", 0) == 0 || name == "burstable" || name == "besteffort";
}

} // namespace

std::optional<CniPod> parse_cni_cache(std::string_view text) {
	nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
	if (j.is_discarded() || !j.is_object() || !j.contains("cniArgs") || !j.contains("result"))
		return std::nullopt;
	CniPod p;
	p.ns = arg(j["cniArgs"], "K8S_POD_NAMESPACE");
	p.name = arg(j["cniArgs"], "K8S_POD_NAME");
	p.uid = arg(j["cniArgs"], "K8S_POD_UID");
	if (p.uid.empty())
		return std::nullopt;
	const auto& result = j["result"];
	if (result.contains("interfaces") && result["interfaces"].is_array())
		for (const auto& i : result["interfaces"])
			if (i.is_object() && i.contains("name") && i["name"].is_string() &&
			    !i.contains("sandbox"))
				p.host_interfaces.push_back(i["name"]);
	if (result.contains("ips") && result["ips"].is_array())
		for (const auto& ip : result["ips"]) {
			if (!ip.is_object() || !ip.contains("address") || !ip["address"].is_string())
				continue;
			std::string a = ip["address"];
			if (auto parsed = parse_ip(a.substr(0, a.find('/'))); parsed.ok())
				p.addresses.push_back(*parsed);
		}
	return p;
}

PodIdentity::PodIdentity(std::string results_dir, std::string cgroup_root)
    : results_dir_(std::move(results_dir)), cgroup_root_(std::move(cgroup_root)) {
}

std::optional<PodOwner> PodIdentity::find(const std::string& ifname,
                                          const std::vector<IpAddress>& addresses) const {
	std::error_code ec;
	for (fs::directory_iterator it(results_dir_, ec); !ec && it != fs::directory_iterator();
	     it.increment(ec)) {
		auto pod = parse_cni_cache(read_all(it->path()));
		if (!pod)
			continue;
		bool named = std::find(pod->host_interfaces.begin(), pod->host_interfaces.end(), ifname) !=
		             pod->host_interfaces.end();
		bool holds = std::any_of(addresses.begin(), addresses.end(), [&](const IpAddress& a) {
			return std::find(pod->addresses.begin(), pod->addresses.end(), a) !=
			       pod->addresses.end();
		});
		if (!named && !holds)
			continue;
		PodOwner owner;
		owner.pod = std::move(*pod);
		owner.cgroup_path = find_pod_cgroup(cgroup_root_, owner.pod.uid);
		struct stat st {};
		if (!owner.cgroup_path.empty() && stat(owner.cgroup_path.c_str(), &st) == 0)
			owner.cgroup_id = st.st_ino;
		return owner;
	}
	return std::nullopt;
}

std::string find_pod_cgroup(const std::string& root, const std::string& uid) {
	std::error_code ec;
	fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
	for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
		if (it->is_symlink(ec) || !it->is_directory(ec)) {
			it.disable_recursion_pending();
			continue;
		}
		std::string name = it->path().filename().string();
		std::string rel = "/" + it->path().lexically_relative(root).generic_string();
		if (auto pod = audit::parse_pod_cgroup(rel); pod && pod->container_id.empty()) {
			if (pod->uid == uid)
				return it->path().string();
			it.disable_recursion_pending(); // another pod's
			continue;
		}
		if (!may_hold_pods(name))
			it.disable_recursion_pending();
	}
	return "";
}

} // namespace egress::daemon
