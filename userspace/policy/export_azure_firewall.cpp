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
// The Azure CLI extension that holds `az network firewall ...` (not part of the core CLI).
constexpr std::string_view kAzExtension = "azure-firewall";

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

namespace {

// One grant's ports split the way Azure Firewall takes them: Https:443 / Http:80 for application
// rules, and per port list the protocols that share it for network rules.
struct SplitPorts {
	std::vector<std::pair<std::string, uint16_t>> app;                   // {"Https", 443}
	std::map<std::vector<std::string>, std::vector<Proto>> by_port_list; // ports -> protocols
};

SplitPorts split_ports(const std::vector<PortRange>& ports, bool name) {
	SplitPorts out;
	std::map<Proto, std::vector<std::string>> by_proto;
	for (const auto& p : ports) {
		if (name && p.proto == Proto::tcp && p.lo == 443 && p.hi == 443)
			out.app.emplace_back("Https", 443);
		else if (name && p.proto == Proto::tcp && p.lo == 80 && p.hi == 80)
			out.app.emplace_back("Http", 80);
		else
			by_proto[p.proto].push_back(port_text(p));
	}
	std::sort(out.app.begin(), out.app.end());
	for (auto& [proto, list] : by_proto)
		out.by_port_list[list].push_back(proto);
	return out;
}

// Rules are keyed by what they hold, so that each rule stays one row's grant with one exact port
// list: (origin, destination type, protocols or ports).
enum class Dest { fqdn_app, fqdn, address, tag };

class FirewallBuilder {
public:
	void add(const Grant& g) {
		bool name = g.kind == Grant::Kind::name;
		SplitPorts split = split_ports(g.ports, name);
		std::string fw_name = name ? firewall_fqdn(g.destination) : g.destination;
		if (!split.app.empty()) {
			FirewallRule& r = rule(g.origin, Dest::fqdn_app, protocol_key(split.app));
			r.type = FirewallRule::Type::application;
			r.protocols = split.app;
			r.target_fqdns.push_back(fw_name);
			if (g.destination.starts_with("*.") &&
			    r.description.find("widened") == std::string::npos)
				r.description +=
				    "; widened: Azure Firewall *. spans any depth, ours one label";
		}
		for (auto& [ports, protos] : split.by_port_list) {
			if (name && g.destination.find('*') != std::string::npos) {
				unexpressible_.push_back(
				    g.destination + " " + shown(protos, ports) +
				    ": Azure Firewall network rules take no wildcard FQDNs and "
				    "application rules only HTTP/HTTPS (from " +
				    g.origin + ")");
				continue;
			}
			Dest d = name                                 ? Dest::fqdn
			         : g.kind == Grant::Kind::service_tag ? Dest::tag
			                                              : Dest::address;
			FirewallRule& r = rule(g.origin, d, shown(protos, ports));
			r.type = FirewallRule::Type::network;
			r.ip_protocols.clear();
			for (auto proto : protos)
				r.ip_protocols.push_back(ip_protocol(proto));
			r.destination_ports = ports;
			(name ? r.destination_fqdns : r.destination_addresses).push_back(fw_name);
		}
	}

	FirewallExport finish() {
		name_rules();
		FirewallExport out;
		FirewallCollection net{
		    "aks-egress-guard-network", kNetworkCollectionPriority, FirewallRule::Type::network, {}};
		FirewallCollection app{"aks-egress-guard-application",
		                       kApplicationCollectionPriority,
		                       FirewallRule::Type::application,
		                       {}};
		for (auto& slot : rules_) {
			FirewallRule& r = slot.rule;
			if (!r.destination_fqdns.empty())
				r.description += "; destinationFqdns need the firewall's DNS proxy";
			(r.type == FirewallRule::Type::application ? app : net).rules.push_back(std::move(r));
		}
		make_unique_names(net.rules);
		make_unique_names(app.rules);
		if (!net.rules.empty())
			out.collections.push_back(std::move(net));
		if (!app.rules.empty())
			out.collections.push_back(std::move(app));
		out.unexpressible = std::move(unexpressible_);
		return out;
	}

private:
	struct Slot {
		std::tuple<std::string, Dest, std::string> key;
		FirewallRule rule;
	};

	FirewallRule& rule(const std::string& origin, Dest d, const std::string& detail) {
		auto key = std::make_tuple(origin, d, detail);
		for (auto& s : rules_)
			if (s.key == key)
				return s.rule;
		Slot s{key, {}};
		s.rule.name = origin;
		s.rule.description = "from " + origin;
		rules_.push_back(std::move(s));
		return rules_.back().rule;
	}

	static std::string firewall_fqdn(const std::string& pattern) {
		// `*.x` and `**.x` both become `*.x` (any depth in Azure Firewall).
		if (pattern.starts_with("**."))
			return pattern.substr(1);
		return pattern;
	}
	static std::string protocol_key(const std::vector<std::pair<std::string, uint16_t>>& protocols) {
		std::string out;
		for (const auto& [p, port] : protocols)
			out += p + std::to_string(port);
		return out;
	}
	static std::string shown(const std::vector<Proto>& protos, const std::vector<std::string>& ports) {
		std::vector<std::string> items;
		for (auto proto : protos)
			for (const auto& p : ports)
				items.push_back(std::string(proto_name(proto)) + "/" + p);
		return join(items, ",");
	}

	// A rule carries its row's name; a row with several network rules gets the destination kind and
	// protocols as a suffix (Azure names are unique per collection; the application collection has
	// at most one rule per row and protocol set).
	void name_rules() {
		std::map<std::pair<std::string, bool>, int> count; // (origin, network?) -> rules
		for (const auto& s : rules_)
			++count[{std::get<0>(s.key), std::get<1>(s.key) != Dest::fqdn_app}];
		for (auto& s : rules_) {
			Dest d = std::get<1>(s.key);
			std::string suffix;
			if (count[{std::get<0>(s.key), d != Dest::fqdn_app}] > 1) {
				suffix = d == Dest::fqdn_app ? "http"
				         : d == Dest::fqdn   ? "fqdn"
				         : d == Dest::tag    ? "tag"
				                             : "ip";
				for (const auto& p : s.rule.ip_protocols)
					suffix += "-" + p;
				for (auto& ch : suffix)
					ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
			}
			s.rule.name = rule_name(std::get<0>(s.key), suffix);
		}
	}

	std::vector<Slot> rules_;
	std::vector<std::string> unexpressible_;
};

} // namespace

FirewallExport build_azure_firewall(const CompiledPolicy& policy, const AzureFirewallOptions&) {
	FirewallBuilder b;
	for (const auto& g : policy.grants)
		if (!g.node_only)
			b.add(g);
	return b.finish();
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
	  << "# Each rule is named after the catalog row or config rule it comes from. Service tags\n"
	  << "# (AzureCloud.<region>, AzureMonitor) are the firewall's own; what exists only on the node\n"
	  << "# (loopback, IMDS, 168.63.129.16, the cluster CIDRs, the node's resolvers) is left out.\n"
	  << "# Azure Firewall FQDN wildcards '*.x' span any depth: rules from our one-label '*.' rows are\n"
	  << "# wider here than on the node. destinationFqdns in network rules need the DNS proxy enabled.\n"
	  << "set -euo pipefail\n\n"
	  << "# 'az network firewall' is the Azure CLI extension " << kAzExtension << ".\n"
	  << "az extension add --upgrade --yes --name " << kAzExtension << "\n\n";
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
	    "Rules are named after their catalog row or config rule; service tags are the firewall's own; "
	    "node-only destinations (loopback, IMDS, 168.63.129.16, cluster CIDRs, the node's resolvers) "
	    "are left out. Azure Firewall FQDN wildcards '*.x' span any depth: rules from one-label '*.' "
	    "rows are wider than on the node; destinationFqdns need the DNS proxy";
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
