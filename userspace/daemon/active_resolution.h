// Active resolution of the policy's exact names, as one part of egressd: the resolver on its own
// thread (resolver_worker.h), the addresses it holds (learned_book.h) and what it writes into the
// learned maps. Fed the policy in force; its changes arrive through the event loop.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/event_loop.h"
#include "daemon/learned_book.h"
#include "daemon/policy_applier.h"
#include "daemon/resolver_worker.h"
#include "kernel/datapath.h"

namespace egress::daemon {

class ActiveResolution {
public:
	ActiveResolution(kernel::Datapath& dp, EventLoop& loop) : dp_(dp), loop_(loop) {}
	~ActiveResolution() { stop(); }

	// A policy took effect: held addresses follow its name rules, the resolver (re)starts when its
	// servers changed (or stops when no exact name is left) and gets the new names.
	void on_policy(const ActivePolicy& policy, uint64_t check_key);
	void stop();

	// Names that resolve to `address` right now.
	std::set<std::string> names_of(const IpAddress& address) const;
	// {address, expires_in_s} of what `name` resolves to right now.
	nlohmann::json addresses_of(const std::string& name, uint64_t now_ns) const;
	bool holds(const IpAddress& address) const;
	// status.resolver: {names, enabled, failing_record_sets, servers}.
	nlohmann::json status(size_t exact_names) const;

private:
	void on_changes();
	void restart(const policy::Config& config);

	kernel::Datapath& dp_;
	EventLoop& loop_;
	LearnedBook book_;
	std::unique_ptr<ResolverWorker> worker_;
};

} // namespace egress::daemon
