#include "policy/export_azure_firewall.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

namespace egress::policy {

namespace {

constexpr int kNetworkCollectionPriority = 100;
constexpr int kApplicationCollectionPriority = 200;

// Azure resource names: letters, digits, '_', '.', '-', at most 80 characters, starting with a
// letter or digit and ending with a letter, digit or '_'.
std::string rule_name(std::string_view origin, std::string_view suffix = "") {
	std::string out;
	for (char c : std::string(origin) + (suffix.empty() ? "" : "-") + std::string(suffix)) {
		bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
		char ch = ok ? c : '-';
		if (ch == '-' && (out.empty() || out.back() == '-'))
			continue;
		out += ch;
	}
	if (out.size() > 70)
		out.resize(70);
	while (!out.empty() && (out.back() == '-' || out.back() == '.'))
		out.pop_back();
	return out.empty() ? "rule" : out;
}

std::string port_text(const PortRange& p) {
	if (p.lo == 0 && p.hi == 65535)
		return "*";
	if (p.lo == p.hi)
		return std::to_string(p.lo);
	return std::to_string(p.lo) + "-" + std::to_string(p.hi);
}

// Azure Firewall network rules know TCP, UDP, ICMP and Any.
std::string ip_protocol(Proto proto) {
	switch (proto) {
	case Proto::tcp:
		return "TCP";
	case Proto::udp:
		return "UDP";
	case Proto::icmp:
	case Proto::icmpv6:
		return "ICMP";
	case Proto::any:
		return "Any";
	}
	return "Any";
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
	std::string out;
	for (size_t i = 0; i < items.size(); ++i) {
		if (i)
			out += sep;
		out += items[i];
	}
	return out;
}

// Names every rule of a collection uniquely: the first of a base name keeps it, later ones get -2, -3.
void make_unique_names(std::vector<FirewallRule>& rules) {
	std::map<std::string, int> seen;
	for (auto& r : rules) {
		int n = ++seen[r.name];
		if (n > 1)
			r.name += "-" + std::to_string(n);
	}
}

std::string shell_quote(std::string_view s) {
	std::string out = "'";
	for (char c : s) {
		if (c == '\'')
			out += "'\\''";
		else
			out += c;
	}
	return out + "'";
}

// Keeps shell variables such as $RESOURCE_GROUP expandable while quoting anything else.
std::string shell_arg(std::string_view s) {
	if (!s.empty() && s.front() == '$' &&
	    std::all_of(s.begin() + 1, s.end(), [](char c) { return std::isalnum(uint8_t(c)) || c == '_'; }))
		return "\"" + std::string(s) + "\"";
	return shell_quote(s);
}

std::string quoted_list(const std::vector<std::string>& items) {
	std::vector<std::string> q;
	for (const auto& i : items)
		q.push_back(shell_quote(i));
	return join(q, " ");
}

} // namespace

FirewallExport build_azure_firewall(const CompiledPolicy& policy, const AzureFirewallOptions&) {
	FirewallExport out;
	// Grouping keys keep each rule's protocol/port list exact: rules only merge destinations that were
	// granted the very same ports by the same (first) origin.
	using AppKey = std::tuple<std::string, std::vector<std::pair<std::string, uint16_t>>>;
	std::map<AppKey, FirewallRule> app;
	using NetKey =
	    std::tuple<std::string, Proto, std::vector<std::string>, bool>; // origin, proto, ports, fqdn?
	std::map<NetKey, FirewallRule> net;

	auto net_rule = [&](const std::string& origin, Proto proto, std::vector<std::string> ports,
	                    bool fqdn) -> FirewallRule& {
		NetKey key{origin, proto, ports, fqdn};
		auto [it, fresh] = net.try_emplace(key);
		if (fresh) {
			it->second.type = FirewallRule::Type::network;
			std::string proto_label = ip_protocol(proto);
			for (auto& ch : proto_label)
				ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
			it->second.name = rule_name(origin, proto_label);
			it->second.ip_protocols = {ip_protocol(proto)};
			it->second.destination_ports = std::move(ports);
			it->second.description = "from " + origin;
		}
		return it->second;
	};

	for (const auto& n : policy.names) {
		const std::string& origin = n.origins.empty() ? std::string("unknown") : n.origins.front();
		std::vector<std::pair<std::string, uint16_t>> protocols;
		std::map<Proto, std::vector<std::string>> other; // proto -> ports that need a network rule
		for (const auto& p : n.ports) {
			if (p.proto == Proto::tcp && p.lo == 443 && p.hi == 443)
				protocols.emplace_back("Https", 443);
			else if (p.proto == Proto::tcp && p.lo == 80 && p.hi == 80)
				protocols.emplace_back("Http", 80);
			else
				other[p.proto].push_back(port_text(p));
		}
		std::string fw_name = n.kind == NameKind::exact ? n.pattern : "*." + std::string(n.domain());
		if (!protocols.empty()) {
			std::sort(protocols.begin(), protocols.end());
			auto [it, fresh] = app.try_emplace(AppKey{origin, protocols});
			FirewallRule& r = it->second;
			if (fresh) {
				r.type = FirewallRule::Type::application;
				r.name = rule_name(origin);
				r.protocols = protocols;
				r.description = "from " + origin;
			}
			r.target_fqdns.push_back(fw_name);
			if (n.kind == NameKind::one_label &&
			    r.description.find("widened") == std::string::npos)
				r.description +=
				    "; widened: Azure Firewall *. spans any depth, ours one label";
		}
		for (auto& [proto, ports] : other) {
			if (n.kind != NameKind::exact) {
				std::vector<std::string> shown;
				for (const auto& p : ports)
					shown.push_back(std::string(proto_name(proto)) + "/" + p);
				out.unexpressible.push_back(
				    n.pattern + " " + join(shown, ",") +
				    ": Azure Firewall network rules take no wildcard FQDNs and "
				    "application rules only HTTP/HTTPS (from " +
				    join(n.origins, ", ") + ")");
				continue;
			}
			net_rule(origin, proto, ports, true).destination_fqdns.push_back(n.pattern);
		}
	}
	for (const auto& c : policy.cidrs) {
		const std::string& origin = c.origins.empty() ? std::string("unknown") : c.origins.front();
		std::map<Proto, std::vector<std::string>> by_proto;
		for (const auto& p : c.ports)
			by_proto[p.proto].push_back(port_text(p));
		for (auto& [proto, ports] : by_proto)
			net_rule(origin, proto, ports, false)
			    .destination_addresses.push_back(c.cidr.to_string());
	}

	FirewallCollection net_col{
	    "aks-egress-guard-network", kNetworkCollectionPriority, FirewallRule::Type::network, {}};
	for (auto& [key, rule] : net) {
		if (!rule.destination_fqdns.empty())
			rule.description += "; destinationFqdns need the firewall's DNS proxy";
		net_col.rules.push_back(std::move(rule));
	}
	FirewallCollection app_col{"aks-egress-guard-application",
	                           kApplicationCollectionPriority,
	                           FirewallRule::Type::application,
	                           {}};
	for (auto& [key, rule] : app)
		app_col.rules.push_back(std::move(rule));
	make_unique_names(net_col.rules);
	make_unique_names(app_col.rules);
	if (!net_col.rules.empty())
		out.collections.push_back(std::move(net_col));
	if (!app_col.rules.empty())
		out.collections.push_back(std::move(app_col));
	return out;
}

namespace {

std::string rule_args(const FirewallRule& r, const AzureFirewallOptions& o) {
	std::ostringstream s;
	s << " \\\n    --rule-type "
	  << (r.type == FirewallRule::Type::application ? "ApplicationRule" : "NetworkRule")
	  << " \\\n    --description " << shell_quote(r.description) << " \\\n    --source-addresses "
	  << quoted_list(o.source_addresses);
	if (r.type == FirewallRule::Type::application) {
		std::vector<std::string> protos;
		for (const auto& [p, port] : r.protocols)
			protos.push_back(p + "=" + std::to_string(port));
		s << " \\\n    --protocols " << join(protos, " ") << " \\\n    --target-fqdns "
		  << quoted_list(r.target_fqdns);
	} else {
		s << " \\\n    --ip-protocols " << join(r.ip_protocols, " ");
		if (!r.destination_addresses.empty())
			s << " \\\n    --destination-addresses " << quoted_list(r.destination_addresses);
		if (!r.destination_fqdns.empty())
			s << " \\\n    --destination-fqdns " << quoted_list(r.destination_fqdns);
		s << " \\\n    --destination-ports " << quoted_list(r.destination_ports);
	}
	return s.str();
}

} // namespace

std::string render_az_cli(const CompiledPolicy& policy, const FirewallExport& fw,
                          const AzureFirewallOptions& o) {
	std::ostringstream s;
	s << "#!/usr/bin/env bash\n"
	  << "# Azure Firewall Policy rules for AKS egress, generated by egressctl render -o "
	     "azure-firewall.\n"
	  << "# cloud=" << policy.cloud << " location=" << policy.location << " edition=" << policy.edition
	  << " konnectivity=" << (policy.konnectivity ? "true" : "false") << "\n"
	  << "# Set RESOURCE_GROUP and FIREWALL_POLICY (or pass --fw-resource-group/--fw-policy).\n"
	  << "# Azure Firewall FQDN wildcards '*.x' span any depth: rules from our one-label '*.' rows are\n"
	  << "# wider here than on the node. destinationFqdns in network rules need the DNS proxy enabled.\n"
	  << "set -euo pipefail\n\n";
	for (const auto& u : fw.unexpressible)
		s << "# NOT EXPRESSIBLE: " << u << "\n";
	if (!fw.unexpressible.empty())
		s << "\n";
	s << "az network firewall policy rule-collection-group create \\\n    --resource-group "
	  << shell_arg(o.resource_group) << " --policy-name " << shell_arg(o.policy_name)
	  << " \\\n    --name " << shell_arg(o.group_name) << " --priority " << o.group_priority << "\n";
	for (const auto& col : fw.collections) {
		for (size_t i = 0; i < col.rules.size(); ++i) {
			const auto& r = col.rules[i];
			s << "\n";
			if (i == 0)
				s << "az network firewall policy rule-collection-group collection "
				     "add-filter-collection \\\n"
				  << "    --resource-group " << shell_arg(o.resource_group)
				  << " --policy-name " << shell_arg(o.policy_name)
				  << " --rule-collection-group-name " << shell_arg(o.group_name)
				  << " \\\n    --name " << shell_arg(col.name) << " --collection-priority "
				  << col.priority << " --action Allow \\\n    --rule-name "
				  << shell_arg(r.name) << rule_args(r, o) << "\n";
			else
				s << "az network firewall policy rule-collection-group collection rule add "
				     "\\\n"
				  << "    --resource-group " << shell_arg(o.resource_group)
				  << " --policy-name " << shell_arg(o.policy_name) << " --rcg-name "
				  << shell_arg(o.group_name) << " \\\n    --collection-name "
				  << shell_arg(col.name) << " --name " << shell_arg(r.name) << rule_args(r, o)
				  << "\n";
		}
	}
	return s.str();
}

nlohmann::ordered_json render_arm(const CompiledPolicy& policy, const FirewallExport& fw,
                                  const AzureFirewallOptions& o) {
	using ojson = nlohmann::ordered_json;
	auto collections = ojson::array();
	for (const auto& col : fw.collections) {
		auto rules = ojson::array();
		for (const auto& r : col.rules) {
			ojson j;
			j["name"] = r.name;
			j["description"] = r.description;
			j["sourceAddresses"] = o.source_addresses;
			if (r.type == FirewallRule::Type::application) {
				j["ruleType"] = "ApplicationRule";
				auto protos = ojson::array();
				for (const auto& [p, port] : r.protocols)
					protos.push_back({{"protocolType", p}, {"port", port}});
				j["protocols"] = protos;
				j["targetFqdns"] = r.target_fqdns;
			} else {
				j["ruleType"] = "NetworkRule";
				j["ipProtocols"] = r.ip_protocols;
				j["destinationAddresses"] = r.destination_addresses;
				j["destinationFqdns"] = r.destination_fqdns;
				j["destinationPorts"] = r.destination_ports;
			}
			rules.push_back(std::move(j));
		}
		ojson c;
		c["ruleCollectionType"] = "FirewallPolicyFilterRuleCollection";
		c["name"] = col.name;
		c["priority"] = col.priority;
		c["action"] = {{"type", "Allow"}};
		c["rules"] = std::move(rules);
		collections.push_back(std::move(c));
	}
	ojson resource;
	resource["type"] = "Microsoft.Network/firewallPolicies/ruleCollectionGroups";
	resource["apiVersion"] = "2023-09-01";
	resource["name"] =
	    "[concat(parameters('firewallPolicyName'), '/', parameters('ruleCollectionGroupName'))]";
	resource["properties"]["priority"] = o.group_priority;
	resource["properties"]["ruleCollections"] = std::move(collections);
	ojson t;
	t["$schema"] = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
	t["contentVersion"] = "1.0.0.0";
	t["metadata"]["generator"] = "egressctl render -o azure-firewall --format arm";
	t["metadata"]["cloud"] = policy.cloud;
	t["metadata"]["location"] = policy.location;
	t["metadata"]["edition"] = policy.edition;
	t["metadata"]["konnectivity"] = policy.konnectivity;
	t["metadata"]["note"] =
	    "Azure Firewall FQDN wildcards '*.x' span any depth: rules from one-label '*.' rows "
	    "are wider than on the node; destinationFqdns need the DNS proxy";
	t["metadata"]["notExpressible"] = fw.unexpressible;
	t["parameters"]["firewallPolicyName"]["type"] = "string";
	if (!o.policy_name.starts_with("$"))
		t["parameters"]["firewallPolicyName"]["defaultValue"] = o.policy_name;
	t["parameters"]["ruleCollectionGroupName"]["type"] = "string";
	t["parameters"]["ruleCollectionGroupName"]["defaultValue"] = o.group_name;
	t["resources"] = ojson::array({std::move(resource)});
	return t;
}

} // namespace egress::policy
