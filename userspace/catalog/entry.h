// One row of the AKS egress catalog: the typed model of an entry of data/aks-egress-catalog.json
// (SCHEMA.md documents every field; the names here follow the JSON keys).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/cloud.h"
#include "catalog/feature.h"

namespace egress::catalog {

// The documentation editions of the AKS outbound-rules page (ordered oldest first).
//   v2019   seed-003, English text of 2019-11-25 .. 2020-01-21
//   v2020   seeds 000/001, English text of 2020-03-10 .. 2020-05-31 ("the 2020 edition")
//   cn2024  seed-002, the docs.azure.cn localisation of the English text of ~Sep-Nov 2024
//   current the English page at 1bdcfff99 (ms.date 2026-06-18)
enum class Edition { v2019, v2020, cn2024, current };

// current: applies today (on the newest page, on another current Microsoft page, or platform
// behaviour); legacy: was required once and has since been removed.
enum class Status { current, legacy };

enum class Kind { fqdn, wildcard, network };

enum class Protocol { tcp, udp };

// How a name row's pattern matches (DESIGN.md §3): the docs' `*.` spans any depth (Azure
// Firewall), ours does not, so every wildcard row records which of ours it became and why.
enum class WildcardDepth {
	none,       // exact name (kind fqdn)
	one_label,  // `*.suffix`: exactly one label in front of the suffix
	any_depth,  // `**.suffix`: one or more labels
	label_glob, // a glob inside the first label (`md-*.blob...`): not expressible by the matcher
};

// Cluster facts that make a row needed or unneeded (machine-readable form of the page's notes).
enum class Condition {
	konnectivity,                // the cluster runs konnectivity-agent (tunnel over 443)
	private_cluster,             // the API server has no public endpoint
	nodes_after_march_2021,      // every node was provisioned after March 2021
	custom_dns,                  // the VNet uses custom DNS servers
	api_server_by_ip,            // workloads reach the API server by its IP (kubernetes service)
	api_server_vnet_integration, // API Server VNet Integration (API server in a delegated subnet)
	localdns,                    // AKS LocalDNS is enabled on the nodes
};

// The kinds of alternative destinations of a network row (any one satisfies the rule).
enum class AlternativeType {
	any,                  // "*": any address
	service_tag,          // "AzureCloud.{region}", "AzureMonitor", ...
	region_cidrs,         // the addressPrefixes of the AzureCloud.{region} service tag
	api_server_public_ip, // "{APIServerPublicIP}", known only after the cluster exists
	placeholder_ip,       // an operator-supplied address, e.g. "{CustomDNSIP}"
	ip,                   // a literal address
	cidr,                 // a literal or templated CIDR
	fqdn_network_rule,    // a name resolved to addresses (Azure Firewall network rule with FQDN)
	fqdn_hosts,           // names whose addresses are the destination (legacy tunnel rows)
};

struct Alternative {
	AlternativeType type = AlternativeType::any;
	std::string value;                 // as the source prints it (may hold placeholders)
	std::vector<std::string> patterns; // fqdn_network_rule / fqdn_hosts: names in our wildcard syntax
	std::string note;
	bool known_after_cluster_creation = false;
	bool templated() const { return value.find('{') != std::string::npos; }
};

struct HistoryEvent {
	std::string event;  // "added", "removed", "konnectivity_exemption_added", ...
	std::string date;   // YYYY-MM-DD
	std::string commit; // abbreviated MicrosoftDocs/azure-aks-docs commit, may be empty
	std::string note;   // e.g. "on the hcp/tun rows", may be empty
};

struct Entry {
	std::string id;
	Cloud cloud = Cloud::all;
	Status status = Status::current;
	std::vector<Edition> editions; // documentation editions that print the row (may be empty)
	std::string category;          // "required", "feature:gpu", "workload:acr", ... (SCHEMA.md)
	Kind kind = Kind::fqdn;

	// kind fqdn | wildcard: the name in our syntax (placeholders such as {location} kept),
	// the text the docs print, and the wildcard decision with its one-line reason.
	std::string pattern;
	std::string documented;
	WildcardDepth wildcard = WildcardDepth::none;
	std::string wildcard_reason;

	// kind network: the alternatives, any one of which satisfies the rule.
	std::vector<Alternative> alternatives;

	std::vector<Protocol> protocols; // L4 protocols (one or both)
	std::vector<std::uint16_t> ports;
	std::string app_protocol; // what runs on top: HTTPS, HTTP, NTP, DNS, OpenVPN, ...
	std::string match_hint;   // tls_sni, http_host, dns_resolved_ip, ip:port

	std::string purpose;
	std::vector<Condition> needed_unless;  // not needed when any of these holds
	std::vector<Condition> needed_only_if; // needed only when one of these holds (empty: always)
	std::string condition_note;            // the conditions in one line ("conditions.note")
	std::string notes;                     // everything else the sources say about the row

	std::vector<std::string> placeholders; // names of the {placeholders} the row uses
	std::vector<std::string> sources;      // "seed:<file>", a source id of the catalog, or a URL
	std::string added;                     // YYYY-MM-DD or empty
	std::string removed;                   // YYYY-MM-DD or empty
	std::vector<HistoryEvent> history;     // dated changes, oldest first
	bool uncertain = false;                // sources disagree, user report, or our inference

	bool is_feature() const;
	// "gpu" for "feature:gpu"; empty when the row is not feature-gated.
	std::string_view feature_name() const;
	bool is_workload() const;
	std::string_view workload_name() const;
	bool is_name() const { return kind != Kind::network; }
	bool templated() const { return !placeholders.empty(); }
	bool has_protocol(Protocol p) const;
	bool listed_in(Edition e) const; // the edition's page prints this row
	// The row belongs to the policy of edition `e`. Rows no page edition prints (platform-local,
	// workload, user reports) are edition-independent: they follow `status` alone. For `current`,
	// status decides (so seed-002-only rows, marked current, count); for older editions, the
	// edition's page must print the row.
	bool in_edition(Edition e) const;
	// Whether the row applies to a cluster of which `facts` hold (needed_unless/needed_only_if).
	bool needed(const std::vector<Condition>& facts) const;
	bool applies_to(Cloud c) const { return cloud == Cloud::all || c == Cloud::all || cloud == c; }
};

// Stable spellings used by the data file, the CLI and JSON output (Cloud's are in cloud.h).
std::string_view to_string(Edition e);
std::string_view to_string(Status s);
std::string_view to_string(Kind k);
std::string_view to_string(Protocol p);
std::string_view to_string(WildcardDepth d);
std::string_view to_string(Condition c);
std::string_view to_string(AlternativeType t);

// Accepts the data-file spellings ("2019", "2020", "cn-2024", "current").
std::optional<Edition> parse_edition(std::string_view s);
std::optional<Status> parse_status(std::string_view s);
std::optional<Kind> parse_kind(std::string_view s);
std::optional<Protocol> parse_protocol(std::string_view s);
std::optional<WildcardDepth> parse_wildcard_depth(std::string_view s);
std::optional<Condition> parse_condition(std::string_view s);
std::optional<AlternativeType> parse_alternative_type(std::string_view s);

// Category vocabulary: the fixed names plus "feature:<name>" and "workload:<name>"
// (<name> = lower-case letters, digits and '-').
bool valid_category(std::string_view category);

} // namespace egress::catalog
