// The host guard as one part of egressd (kernel/host_guard.h, config hostGuard): where the node's
// kernel runs BPF LSM, packet, AF_XDP and raw IP sockets are refused to every cgroup below the
// guarded one that is not on the allow-list, and write access to our pins, maps, programs and links
// to every process but egressd itself. Where it cannot run (no BPF LSM, no BTF, or turned off), egressd says
// so once at start, in its log, in the deny log and in `status`: "raw frames from host processes
// are not guarded on this kernel".
//
// The allow-list is of cgroup paths (below the cgroup2 mount): the defaults below and
// hostGuard.allow (egressd makes no raw sockets). A service's cgroup is made anew when it restarts, so the
// paths are resolved to ids again at every heartbeat, as the protected objects are (pod links come and go).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernel/datapath.h"
#include "kernel/host_guard.h"
#include "policy/config.h"

namespace egress::daemon {

// Who on a node needs packet sockets (docs/threat-model.md): DHCP and router discovery.
inline constexpr const char* kDefaultRawSocketCgroups[] = {
    "/system.slice/systemd-networkd.service", // DHCPv4 client (AF_PACKET), IPv6 RA (raw ICMPv6)
    "/system.slice/NetworkManager.service",   // DHCP where NetworkManager manages the NIC
    "/system.slice/dhcpcd.service",
};

class HostGuardKeeper {
public:
	struct Options {
		policy::HostGuard config;
		std::string cgroup_root; // the cgroup2 mount
		std::string guarded;     // the datapath's cgroup
		std::string lsm_file = "/sys/kernel/security/lsm";
	};

	// Never fails: what cannot run is reported (status, notice()).
	static std::unique_ptr<HostGuardKeeper> start(const kernel::Datapath& dp, Options options);

	// The heartbeat's part: allow-list and protected objects again; the pinned raw-socket guard put
	// back if it was removed. Returns what was repaired.
	std::vector<std::string> refresh();

	bool raw_sockets_on() const { return raw_sockets_on_; }
	bool objects_on() const { return objects_on_; }
	// The line egressd says once at start when the raw-socket guard does not run.
	std::optional<std::string> notice() const;
	nlohmann::json status() const;

private:
	HostGuardKeeper(const kernel::Datapath& dp, Options options) : dp_(dp), opts_(std::move(options)) {}

	const kernel::Datapath& dp_;
	Options opts_;
	kernel::BpfLsmStatus lsm_;
	std::optional<kernel::HostGuard> guard_;
	bool raw_sockets_on_ = false, objects_on_ = false;
	std::string raw_why_off_, objects_why_off_;
	std::vector<std::pair<std::string, uint64_t>> allowed_; // path, id (0: absent)
	size_t protected_ = 0;
};

// The depth of `path` below `root` (0 for the root itself).
uint32_t cgroup_level(const std::string& root, const std::string& path);

} // namespace egress::daemon
