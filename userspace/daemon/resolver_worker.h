// Active resolution on a thread of its own: Resolver::tick() blocks for a whole batch (up to
// timeout x tries x servers when the resolvers are down), which must never stall the event loop
// that writes the heartbeat — a stalled heartbeat would flip a fail-open node into audit mode.
//
// The worker owns the Resolver and its c-ares transport. The loop hands it names (set_names) and
// collects the address changes it produced (take_changes, signalled through fd()); all map writes
// stay on the loop's thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/unique_handle.h"
#include "resolver/cares_transport.h"
#include "resolver/options.h"
#include "resolver/resolver.h"

namespace egress::daemon {

class ResolverWorker {
public:
	static Result<std::unique_ptr<ResolverWorker>> start(resolver::Options options,
	                                                     resolver::CaresOptions transport);
	~ResolverWorker(); // stops and joins the thread (waits for a running batch)
	ResolverWorker(const ResolverWorker&) = delete;
	ResolverWorker& operator=(const ResolverWorker&) = delete;

	void set_names(std::vector<std::string> names);
	int fd() const { return event_.get(); }
	std::vector<resolver::AddressChange> take_changes();
	std::vector<resolver::RecordStatus> status() const;
	const std::vector<std::string>& servers() const { return servers_; }

private:
	ResolverWorker() = default;
	void run();

	std::unique_ptr<resolver::CaresTransport> transport_;
	std::optional<resolver::Resolver> resolver_;
	std::vector<std::string> servers_;
	UniqueFd event_;

	mutable std::mutex mu_;
	std::condition_variable cv_;
	bool stop_ = false;
	std::optional<std::vector<std::string>> pending_names_;
	std::vector<resolver::AddressChange> changes_;
	std::vector<resolver::RecordStatus> status_;
	std::thread thread_;
};

} // namespace egress::daemon
