#include "daemon/host_guard_keeper.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/logger.h"

namespace egress::daemon {
namespace {

constexpr const char* kComponent = "egressd";

uint64_t cgroup_id(const std::string& path) {
	struct stat st {};
	return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) ? st.st_ino : 0;
}

} // namespace

uint32_t cgroup_level(const std::string& root, const std::string& path) {
	std::string rel = std::filesystem::path(path).lexically_relative(root).generic_string();
	if (rel.empty() || rel == ".")
		return 0;
	uint32_t n = 1;
	for (char c : rel)
		n += c == '/';
	return n;
}

std::unique_ptr<HostGuardKeeper> HostGuardKeeper::start(const kernel::Datapath& dp, Options options) {
	std::unique_ptr<HostGuardKeeper> k(new HostGuardKeeper(dp, std::move(options)));
	const auto& cfg = k->opts_.config;
	k->lsm_ = kernel::bpf_lsm_status(k->opts_.lsm_file);
	bool want_raw = cfg.raw_sockets != policy::GuardSwitch::off;
	bool want_objects = cfg.objects != policy::GuardSwitch::off;
	k->raw_why_off_ = want_raw ? k->lsm_.why_not : "hostGuard.rawSockets: off";
	k->objects_why_off_ = want_objects ? k->lsm_.why_not : "hostGuard.objects: off";
	if (!want_raw)
		(void)kernel::unpin_raw_socket_guard(dp.pins()); // an earlier run's
	if (k->lsm_.available && (want_raw || want_objects)) {
		kernel::HostGuardOptions o;
		o.raw_sockets = want_raw;
		o.objects = want_objects;
		o.scope_cgroup_id = dp.cgroup_id();
		o.scope_level = cgroup_level(k->opts_.cgroup_root, k->opts_.guarded);
		auto g = kernel::HostGuard::load(dp, o);
		if (g.ok()) {
			k->guard_.emplace(std::move(*g));
			k->raw_sockets_on_ = want_raw;
			k->objects_on_ = want_objects;
			k->raw_why_off_ = want_raw ? "" : k->raw_why_off_;
			k->objects_why_off_ = want_objects ? "" : k->objects_why_off_;
		} else {
			std::string why = g.error().to_string();
			log::error(kComponent) << "host guard: " << why;
			k->raw_why_off_ = want_raw ? why : k->raw_why_off_;
			k->objects_why_off_ = want_objects ? why : k->objects_why_off_;
		}
	}
	(void)k->refresh();
	log::info(kComponent) << "host guard: raw sockets "
	                      << (k->raw_sockets_on_ ? "guarded" : "NOT guarded") << ", our objects "
	                      << (k->objects_on_ ? "guarded" : "NOT guarded")
	                      << (k->lsm_.available ? "" : " (" + k->lsm_.why_not + ")");
	return k;
}

std::vector<std::string> HostGuardKeeper::refresh() {
	std::vector<std::string> repaired;
	if (!guard_)
		return repaired;
	if (raw_sockets_on_) {
		allowed_.clear();
		std::vector<std::string> paths(std::begin(kDefaultRawSocketCgroups),
		                               std::end(kDefaultRawSocketCgroups));
		paths.insert(paths.end(), opts_.config.allow.begin(), opts_.config.allow.end());
		std::vector<uint64_t> ids;
		for (const auto& p : paths) {
			uint64_t id = cgroup_id(opts_.cgroup_root + p);
			allowed_.emplace_back(p, id);
			if (id)
				ids.push_back(id);
		}
		if (auto st = guard_->allow(ids); !st.ok())
			log::warn(kComponent) << "host guard: " << st.error().to_string();
		auto again = guard_->repair_socket_guard(dp_.pins());
		if (again.ok() && *again)
			repaired.push_back("the raw-socket guard's link was unpinned: attached again");
	}
	if (objects_on_) {
		auto objects = kernel::pin_objects(dp_.pins());
		if (!objects.ok()) {
			log::warn(kComponent) << "host guard: " << objects.error().to_string();
			return repaired;
		}
		auto more = kernel::datapath_objects(dp_);
		objects->insert(objects->end(), more.begin(), more.end());
		auto own = guard_->own_objects();
		objects->insert(objects->end(), own.begin(), own.end());
		protected_ = objects->size();
		if (auto st = guard_->protect(*objects); !st.ok())
			log::warn(kComponent) << "host guard: " << st.error().to_string();
	}
	return repaired;
}

std::optional<std::string> HostGuardKeeper::notice() const {
	if (raw_sockets_on_)
		return std::nullopt;
	return "raw frames from host processes are not guarded on this kernel (" + raw_why_off_ + ")";
}

nlohmann::json HostGuardKeeper::status() const {
	nlohmann::json allow = nlohmann::json::array();
	for (const auto& [path, id] : allowed_)
		allow.push_back({{"cgroup", path}, {"present", id != 0}});
	nlohmann::json j = {
	    {"bpf_lsm", lsm_.available ? "available" : lsm_.why_not},
	    {"lsm_list", lsm_.lsm_list},
	    {"raw_sockets", {{"guarded", raw_sockets_on_}, {"allow", allow}}},
	    {"objects", {{"guarded", objects_on_}, {"protected", protected_}, {"owner_pid", getpid()}}},
	};
	if (!raw_sockets_on_)
		j["raw_sockets"]["why_not"] = raw_why_off_;
	if (!objects_on_)
		j["objects"]["why_not"] = objects_why_off_;
	if (auto n = notice())
		j["notice"] = *n;
	return j;
}

} // namespace egress::daemon
