#include "daemon_node.h"

namespace egress::e2e {

DaemonNode::DaemonNode() {
	for (const char* a :
	     {kAllowedCidrHost, kDeniedHost, kResolvedHost, kUnresolvedHost, kHcpHost, kHcpDeepHost})
		add_address(a);
	set_resolv_conf({kNodeResolver});
	start_resolver(default_resolver(),
	               {{"allowed.test", kResolvedHost}, {kHcpName, kHcpHost}, {kHcpDeepName, kHcpDeepHost}});
}

std::string DaemonNode::config_yaml(const std::string& extra_allow) const {
	NodeConfig c;
	c.metrics = true;
	c.extra = "allow:\n"
	          "  - cidr: 198.51.100.0/24\n"
	          "    ports: [tcp/443]\n"
	          "  - fqdn: allowed.test\n"
	          "    ports: [tcp/443]\n" +
	          extra_allow + "dns:\n  minTTL: 60s\n";
	return render(c);
}

} // namespace egress::e2e
