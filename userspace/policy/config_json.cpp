// The effective config as JSON, in the config's own key names (so it can be parsed back).
#include "policy/config.h"

namespace egress::policy {
namespace {

template <typename T>
nlohmann::json strings(const std::vector<T>& items) {
	nlohmann::json out = nlohmann::json::array();
	for (const auto& item : items)
		out.push_back(item.to_string());
	return out;
}

nlohmann::json allow_rule_json(const AllowRule& rule) {
	nlohmann::json out = nlohmann::json::object();
	if (!rule.name.empty())
		out["name"] = rule.name;
	if (!rule.comment.empty())
		out["comment"] = rule.comment;
	switch (rule.kind) {
	case AllowRule::Kind::fqdn:
		out["fqdn"] = rule.fqdn;
		break;
	case AllowRule::Kind::cidr:
		out["cidr"] = rule.cidr.to_string();
		break;
	case AllowRule::Kind::service_tag:
		out["serviceTag"] = rule.service_tag;
		break;
	}
	out["ports"] = strings(rule.ports);
	return out;
}

} // namespace

nlohmann::json to_json(const Config& c) {
	nlohmann::json allow = nlohmann::json::array();
	for (const auto& rule : c.allow)
		allow.push_back(allow_rule_json(rule));
	return {
	    {"cloud", catalog::to_string(c.cloud)},
	    {"location", c.location},
	    {"edition", edition_name(c.edition)},
	    {"mode", mode_name(c.mode)},
	    {"failMode", fail_mode_name(c.fail_mode)},
	    {"features", c.features},
	    {"recommended", c.recommended},
	    {"konnectivity", c.konnectivity},
	    {"apiServer", {{"fqdn", c.api_server.fqdn}, {"ips", strings(c.api_server.ips)}}},
	    {"clusterCIDRs", strings(c.cluster_cidrs)},
	    {"dnsServers", strings(c.dns_servers)},
	    {"serviceTags", c.service_tags},
	    {"allow", allow},
	    {"denyLog",
	     {{"file", c.deny_log.file},
	      {"maxSizeMB", c.deny_log.max_size_mb},
	      {"maxFiles", c.deny_log.max_files},
	      {"stdout", c.deny_log.to_stdout}}},
	    {"metrics", {{"listen", c.metrics.listen ? c.metrics.listen->to_string() : std::string()}}},
	    {"dns",
	     {{"minTTL", c.dns.min_ttl.count()},
	      {"maxTTL", c.dns.max_ttl.count()},
	      {"grace", c.dns.grace.count()},
	      {"queryPolicy", c.dns.query_policy == QueryPolicy::any ? "any" : "allowed"},
	      {"clusterDomain", c.dns.cluster_domain}}},
	    {"cgroupPath", c.cgroup_path},
	    {"pinPath", c.pin_path},
	    {"controlSocket", c.control_socket},
	    // The string form while the backstop only reports (as configs before uplink.mode wrote it).
	    {"uplink", c.uplink_enforce ? nlohmann::json{{"interface", c.uplink}, {"mode", "enforce"}}
	                                : nlohmann::json(c.uplink)},
	    {"hostGuard",
	     {{"rawSockets", c.host_guard.raw_sockets == GuardSwitch::off ? "off" : "auto"},
	      {"objects", c.host_guard.objects == GuardSwitch::off ? "off" : "auto"},
	      {"allow", c.host_guard.allow}}},
	};
}

} // namespace egress::policy
