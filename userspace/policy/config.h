// The operator config (DESIGN.md §3): YAML, or JSON (a document whose first non-blank character
// is `{`). Parsing validates everything up front: a Config that exists is a valid one, with
// every default filled in and every name normalised, so later stages never re-check it.
//
// Errors name the key path and the problem, e.g.
//   config.yaml: allow[2].ports[0]: "tcp/99999": port out of range 1-65535 (line 14, column 9)
// Unknown keys are errors with their path. docs/config.md is the reference of every key.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/cloud.h"
#include "catalog/feature.h"
#include "common/result.h"
#include "policy/net_types.h"

namespace egress::policy {

// The cloud table lives in catalog/cloud.h (names, ServiceTags cloud, regions); a Config's cloud is
// never Cloud::all. catalog::to_string(cloud) spells it.
using catalog::Cloud;

// The catalog edition the requirements come from: the current page or the 2020 one.
enum class Edition { current, v2020 };
std::string_view edition_name(Edition edition); // "current" | "2020"

enum class Mode { audit, enforce };
std::string_view mode_name(Mode mode); // "audit" | "enforce"

// What the kernel does when the daemon's heartbeat goes stale: keep enforcing, or audit only.
enum class FailMode { closed, open };
std::string_view fail_mode_name(FailMode mode); // "closed" | "open"

// A feature the operator can switch on in `features`: the one table is catalog/feature.h.
using catalog::Feature;
using catalog::find_feature;
using catalog::known_features;

struct ApiServer {
	std::string fqdn;           // exact, normalised (lower case, no trailing dot); may be empty
	std::vector<IpAddress> ips; // may be empty
	bool operator==(const ApiServer&) const = default;
};

// One operator rule from `allow`. Exactly one destination is set, as `kind` says.
struct AllowRule {
	enum class Kind { fqdn, cidr, service_tag };

	std::string id;      // the rule's provenance: its `name`, or "allow[<index>]" without one
	std::string name;    // optional; unique within `allow`
	std::string comment; // optional, free text
	Kind kind = Kind::fqdn;
	std::string fqdn;             // kind fqdn: normalised; may start with "*." or "**."
	Cidr cidr;                    // kind cidr
	std::string service_tag;      // kind service_tag: a tag name as written in the ServiceTags file
	std::vector<PortRange> ports; // never empty, sorted, unique; default {tcp/443}
	bool operator==(const AllowRule&) const = default;
};

std::string_view allow_kind_name(AllowRule::Kind kind); // "fqdn" | "cidr" | "serviceTag"

struct DenyLog {
	std::string file;                // "" = no file
	std::uint32_t max_size_mb = 100; // rotate when the file reaches this size
	std::uint32_t max_files = 5;     // rotated files kept besides the live one
	bool to_stdout = true;           // the `stdout` key
	bool operator==(const DenyLog&) const = default;
};

struct Metrics {
	// Loopback by default: the DaemonSet runs in the host network, so a wider address exposes the
	// metrics to the whole VNet; set "0.0.0.0:9464" deliberately for an in-cluster scraper.
	std::optional<ListenAddress> listen = ListenAddress{"127.0.0.1", 9464}; // nullopt: `listen: ""`
	bool operator==(const Metrics&) const = default;
};

// Which names a query to a trusted resolver may ask (docs/config.md `dns.queryPolicy`).
enum class QueryPolicy {
	allowed, // the policy's names, and the query-only names (cluster and search domains, ...)
	any,     // every name (DNS tunnelling through the resolver is then possible)
};

struct DnsSettings {
	// The one set of defaults, shared with the kernel (include/egress/abi.h) and the resolver.
	std::chrono::seconds min_ttl{EGRESS_DNS_DEFAULT_MIN_TTL_S}; // learned answers live at least this long
	std::chrono::seconds max_ttl{EGRESS_DNS_DEFAULT_MAX_TTL_S}; // ... at most this long (before grace)
	std::chrono::seconds grace{EGRESS_DNS_DEFAULT_GRACE_S};     // added to every expiry
	QueryPolicy query_policy = QueryPolicy::allowed;
	std::string cluster_domain = "cluster.local"; // kubelet's --cluster-domain
	bool operator==(const DnsSettings&) const = default;
};

// The host guard (BPF LSM, where the node's kernel runs it: docs/kernels.md).
enum class GuardSwitch { automatic, off };
struct HostGuard {
	GuardSwitch raw_sockets =
	    GuardSwitch::automatic;                   // packet and AF_XDP sockets, allow-listed cgroups only
	GuardSwitch objects = GuardSwitch::automatic; // our pins: only egressd may change them
	std::vector<std::string> allow; // more cgroups (paths below the cgroup2 mount) with raw sockets
	bool operator==(const HostGuard&) const = default;
};

struct Config {
	Cloud cloud = Cloud::azure_cloud;
	std::string location; // an ARM location of `cloud` (catalog::find_region), e.g. "eastus"
	Edition edition = Edition::current;
	Mode mode = Mode::audit;
	FailMode fail_mode = FailMode::closed;
	std::vector<std::string> features; // config names (aliases resolved), sorted, unique
	bool recommended = false;
	bool konnectivity = true; // default: true on the current edition, false on 2020
	ApiServer api_server;
	std::vector<Cidr> cluster_cidrs;    // never enforced (safety floor); required in enforce mode
	std::vector<IpAddress> dns_servers; // trusted resolvers, port 53
	std::string service_tags; // path; "" = none. load_config() resolves it against the config's folder
	std::vector<AllowRule> allow;
	DenyLog deny_log;
	Metrics metrics;
	DnsSettings dns;
	std::string cgroup_path; // "" = the cgroup2 mount root, found at run time
	std::string pin_path = "/sys/fs/bpf/aks-egress-guard";
	std::string control_socket = "/run/aks-egress-guard/egressd.sock";
	std::string uplink;          // "" = no TC backstop; "auto" = the default route's interface; or a name
	bool uplink_enforce = false; // uplink.mode: enforce (the backstop drops; default audit)
	HostGuard host_guard;

	bool has_feature(std::string_view name) const; // by config name or alias
	bool operator==(const Config&) const = default;
};

// Inputs larger than this are refused before parsing (a ConfigMap holds at most 1 MiB).
inline constexpr std::size_t kMaxConfigBytes = 1024 * 1024;

// Parses and validates a config. `source_name` (a file name, "<default>", "-") prefixes every
// error. Never throws; never touches the file system.
Result<Config> parse_config(std::string_view text, std::string_view source_name);

// A layered config (docs/config.md, "Overlays"): a base document and overlays merged over it in
// order, each named for errors. The merge is RFC 7396's (JSON Merge Patch) over the key tree: maps
// merge key by key, `null` removes a key (its default applies), anything else (lists included)
// replaces. An error names the layer that set the offending key, with that layer's line numbers.
struct ConfigLayer {
	std::string name; // a file name, "<default>", "-"
	std::string text;
};
Result<Config> parse_config_layers(const std::vector<ConfigLayer>& layers);

// The overlays of a config file: every file beside it named `<stem>.<part>.yaml|yml|json`
// (config.yaml -> config.cluster.yaml, config.mode.yaml), sorted by file name (merge order).
std::vector<std::string> config_overlays(const std::string& path);

// Reads and parses a file and its overlays (config_overlays); a relative `serviceTags` path is
// resolved against the file's folder.
Result<Config> load_config(const std::string& path);

// The built-in config (AzureCloud/eastus, audit mode) used by the demo and as a starting point.
extern const std::string_view kDefaultConfigYaml;
std::string default_config_yaml();

// The effective config with every default spelled out, in the config's own key names (stable:
// `egressctl render` prints it as its header). parse_config(to_json(c).dump()) yields c again.
nlohmann::json to_json(const Config& config);

// Normalises an operator FQDN or pattern: lower case, trailing dot dropped, `*.`/`**.` only as the
// whole leading label, LDH labels (underscore allowed) of 1..63 bytes, at most 253 bytes, no
// wildcard directly over a top-level domain. Shared with the compiler for catalog-derived names.
Result<std::string> normalize_fqdn(std::string_view text, bool allow_wildcard = true);

} // namespace egress::policy
