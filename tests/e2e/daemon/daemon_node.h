// The daemon suite's node: the one simulated node (tests/e2e/harness/sim_node.h) with fixed
// "internet" hosts, a dnsmasq answering for them as the node's DNS server, the node's own
// resolv.conf naming a second resolver, and the config the daemon, CLI and bench tests share.
#pragma once

#include <string>

#include "sim_node.h"

namespace egress::e2e {

// Addresses in the internet namespace.
inline constexpr const char* kAllowedCidrHost = "198.51.100.10"; // allow: 198.51.100.0/24 tcp/443
inline constexpr const char* kDeniedHost = "203.0.113.10";       // nothing allows it
inline constexpr const char* kResolvedHost = "192.0.2.20";       // allowed.test (dnsmasq), tcp/443
inline constexpr const char* kUnresolvedHost = "192.0.2.21";     // same subnet, no name
// Under the catalog row *.hcp.eastus.azmk8s.io (tcp/443), learned only by the kernel (dnsmasq):
inline constexpr const char* kHcpName = "abc.hcp.eastus.azmk8s.io";
inline constexpr const char* kHcpHost = "192.0.2.30";
inline constexpr const char* kHcpDeepName = "x.abc.hcp.eastus.azmk8s.io"; // two labels: not allowed
inline constexpr const char* kHcpDeepHost = "192.0.2.31";
// The node's resolv.conf (--resolv-conf) names this server besides dnsServers.
inline constexpr const char* kNodeResolver = "192.0.2.53";

class DaemonNode : public SimNode {
public:
	DaemonNode();
	// The config with the node's paths filled in; `extra_allow` adds YAML list items under allow.
	std::string config_yaml(const std::string& extra_allow = "") const;
	static constexpr uint16_t metrics_port() { return kMetricsPort; }
};

} // namespace egress::e2e
