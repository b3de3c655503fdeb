#include "audit/pod_path.h"

#include <algorithm>
#include <array>
#include <span>
#include <vector>

namespace egress::audit {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
	std::vector<std::string_view> out;
	while (!s.empty()) {
		size_t at = s.find(sep);
		std::string_view part = s.substr(0, at);
		if (!part.empty())
			out.push_back(part);
		if (at == std::string_view::npos)
			break;
		s.remove_prefix(at + 1);
	}
	return out;
}

bool is_hex(char c) {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool is_container_id(std::string_view s) {
	return s.size() == 64 && std::all_of(s.begin(), s.end(), is_hex);
}

// Pod UIDs are RFC 4122 UUIDs for API pods and 32-hex config hashes for static pods.
std::optional<std::string> normalise_uid(std::string_view raw) {
	if (raw.empty() || raw.size() > 64)
		return std::nullopt;
	std::string uid(raw);
	for (char& c : uid) {
		if (c == '_')
			c = '-';
		else if (!is_hex(c) && c != '-')
			return std::nullopt;
	}
	return uid;
}

bool consume_prefix(std::string_view& s, std::string_view prefix) {
	if (s.substr(0, prefix.size()) != prefix)
		return false;
	s.remove_prefix(prefix.size());
	return true;
}

bool consume_suffix(std::string_view& s, std::string_view suffix) {
	if (s.size() < suffix.size() || s.substr(s.size() - suffix.size()) != suffix)
		return false;
	s.remove_suffix(suffix.size());
	return true;
}

// systemd: "[<prefix>-]kubepods[-burstable|-besteffort]-pod<uid_>.slice" (a custom cgroup root
// such as kind's "kubelet" prepends "kubelet-" to every slice name).
std::optional<PodCgroup> parse_systemd_pod_slice(std::string_view seg) {
	if (!consume_suffix(seg, ".slice"))
		return std::nullopt;
	size_t at = seg.find("kubepods-");
	if (at == std::string_view::npos || (at != 0 && seg[at - 1] != '-'))
		return std::nullopt;
	seg.remove_prefix(at + std::string_view("kubepods-").size());
	PodCgroup pod;
	if (consume_prefix(seg, "burstable-"))
		pod.qos = QosClass::burstable;
	else if (consume_prefix(seg, "besteffort-"))
		pod.qos = QosClass::besteffort;
	if (!consume_prefix(seg, "pod"))
		return std::nullopt;
	auto uid = normalise_uid(seg);
	if (!uid)
		return std::nullopt;
	pod.uid = std::move(*uid);
	return pod;
}

struct Container {
	std::string_view id;
	std::string_view runtime;
};

using RuntimePrefix = std::pair<std::string_view, std::string_view>; // cgroup name prefix, runtime

// "<prefix><64 hex>" for one of the runtimes' prefixes.
std::optional<Container> parse_prefixed_id(std::string_view seg, std::span<const RuntimePrefix> prefixes) {
	for (const auto& [prefix, runtime] : prefixes) {
		std::string_view id = seg;
		if (consume_prefix(id, prefix) && is_container_id(id))
			return Container{id, runtime};
	}
	return std::nullopt;
}

std::optional<Container> parse_systemd_scope(std::string_view seg) {
	static constexpr std::array<RuntimePrefix, 3> kPrefixes = {{
	    {"cri-containerd-", "containerd"},
	    {"crio-", "cri-o"},
	    {"docker-", "docker"},
	}};
	if (!consume_suffix(seg, ".scope"))
		return std::nullopt;
	// crio-conmon-<id>.scope and the like fall through: the pod, not a container.
	return parse_prefixed_id(seg, kPrefixes);
}

std::optional<Container> parse_cgroupfs_container(std::string_view seg) {
	// containerd names the cgroup by the bare id, so its runtime is not visible here.
	static constexpr std::array<RuntimePrefix, 2> kPrefixes = {
	    {{"crio-", "cri-o"}, {"docker-", "docker"}}};
	if (is_container_id(seg))
		return Container{seg, ""};
	return parse_prefixed_id(seg, kPrefixes);
}

void add_container(PodCgroup& pod, const std::vector<std::string_view>& segs, size_t pod_at,
                   std::optional<Container> (*parse)(std::string_view)) {
	if (pod_at + 1 >= segs.size())
		return;
	if (auto c = parse(segs[pod_at + 1])) {
		pod.container_id = std::string(c->id);
		pod.runtime = std::string(c->runtime);
	}
}

// cgroupfs: ".../kubepods[/burstable|/besteffort]/pod<uid>[/<container>]".
std::optional<PodCgroup> parse_cgroupfs(const std::vector<std::string_view>& segs) {
	for (size_t i = 0; i < segs.size(); ++i) {
		if (segs[i] != "kubepods")
			continue;
		size_t at = i + 1;
		PodCgroup pod;
		if (at < segs.size() && segs[at] == "burstable") {
			pod.qos = QosClass::burstable;
			++at;
		} else if (at < segs.size() && segs[at] == "besteffort") {
			pod.qos = QosClass::besteffort;
			++at;
		}
		if (at >= segs.size())
			return std::nullopt;
		std::string_view seg = segs[at];
		if (!consume_prefix(seg, "pod"))
			return std::nullopt;
		auto uid = normalise_uid(seg);
		if (!uid)
			return std::nullopt;
		pod.uid = std::move(*uid);
		add_container(pod, segs, at, parse_cgroupfs_container);
		return pod;
	}
	return std::nullopt;
}

} // namespace

std::string_view qos_name(QosClass qos) {
	switch (qos) {
	case QosClass::guaranteed:
		return "guaranteed";
	case QosClass::burstable:
		return "burstable";
	case QosClass::besteffort:
		return "besteffort";
	}
	return "";
}

std::optional<PodCgroup> parse_pod_cgroup(std::string_view cgroup_path) {
	auto segs = split(cgroup_path, '/');
	for (size_t i = 0; i < segs.size(); ++i) {
		if (auto pod = parse_systemd_pod_slice(segs[i])) {
			add_container(*pod, segs, i, parse_systemd_scope);
			return pod;
		}
	}
	return parse_cgroupfs(segs);
}

std::optional<PodName> parse_pod_log_dir(std::string_view dir_name) {
	auto parts = split(dir_name, '_');
	if (parts.size() != 3 || dir_name.front() == '_' || dir_name.back() == '_' ||
	    dir_name.find("__") != std::string_view::npos)
		return std::nullopt;
	return PodName{std::string(parts[0]), std::string(parts[1]), std::string(parts[2])};
}

} // namespace egress::audit
