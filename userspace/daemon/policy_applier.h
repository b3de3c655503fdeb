// Putting a policy into the kernel, all or nothing. The next policy is built as a value (compile,
// desired map contents) and written; it becomes the one in force — in memory and in the config
// map's mode, fail mode and generation — only when every write succeeded. A failed write puts the
// last good policy's maps back and leaves everything as it was, so a later heartbeat can never
// write a rejected mode or generation into the kernel.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <egress/abi.h>

#include "catalog/catalog.h"
#include "common/ip_address.h"
#include "common/result.h"
#include "daemon/trusted_resolvers.h"
#include "kernel/datapath.h"
#include "policy/compiled_policy.h"
#include "policy/config.h"
#include "verdict/desired_state.h"

namespace egress::daemon {

// A policy that compiled and was written to the maps.
struct ActivePolicy {
	policy::Config config;
	policy::CompiledPolicy compiled;
	verdict::DesiredState desired;
	uint64_t generation = 0;
};

// Compiles `config` (with its ServiceTags file) and computes the maps with `check_key`, trusting
// the node's resolvers for DNS learning and letting its search domains be queried. Pure apart
// from reading the ServiceTags file.
Result<ActivePolicy> build_policy(const policy::Config& config, const catalog::Catalog& catalog,
                                  uint64_t check_key, NodeDns node);

class PolicyApplier {
public:
	// `dp` and `catalog` outlive the applier. On adoption, `adopted` is the config map found in the
	// pins: its generation carries on.
	PolicyApplier(kernel::Datapath& dp, const catalog::Catalog& catalog, uint64_t check_key,
	              std::chrono::milliseconds heartbeat_stale, std::optional<egress_config> adopted);

	// build_policy() with this installation's check key. Touches nothing.
	Result<ActivePolicy> build(const policy::Config& config, NodeDns node) const {
		return build_policy(config, catalog_, check_key_, std::move(node));
	}

	// Writes `next`; on success it is the active policy, with the next generation. On failure the
	// last good maps are restored and nothing changes.
	Status apply(ActivePolicy next);

	// The config map again with a fresh heartbeat (failMode: open relies on it).
	Status heartbeat();
	// Tells the datapath which cgroup the pods' cgroups descend from (egress_config), at once.
	Status set_pods_cgroup(uint64_t id, uint32_t level);

	const ActivePolicy& active() const { return active_; }
	// What the config map holds by our hand (the last committed write; heartbeat_ns aside).
	const egress_config& kernel_config() const { return kernel_config_; }
	uint64_t check_key() const { return check_key_; }
	// Map writes of the latest apply(), successful or not.
	double last_maps_ms() const { return last_maps_ms_; }

private:
	Status write(const ActivePolicy& next, const egress_config& config);
	egress_config kernel_config_for(const ActivePolicy& next) const;
	void relearn(const ActivePolicy& next) const;

	kernel::Datapath& dp_;
	const catalog::Catalog& catalog_;
	uint64_t check_key_;
	uint64_t heartbeat_stale_ns_;
	ActivePolicy active_;
	egress_config kernel_config_{}; // what the config map holds (committed only)
	double last_maps_ms_ = 0;
};

// Config keys taken at start only (they hold open sockets, files or the attachment): a reload
// that changes them keeps the running values and says so.
std::vector<std::string> restart_only_changes(const policy::Config& running, const policy::Config& next);
void keep_restart_only_keys(const policy::Config& running, policy::Config& next);

} // namespace egress::daemon
