// The config reader: one pass over the node tree, each key handled by its own small function (the
// generic value readers are in config_reader.*), the first problem reported with its key path.
// Rules that span keys run after the walk.
#include "policy/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <map>
#include <set>

#include "policy/config_document.h"
#include "policy/config_file.h"
#include "policy/config_reader.h"

namespace egress::policy {
namespace {

using namespace detail;

// Linux dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or white space.
bool valid_ifname(std::string_view name) {
	if (name.empty() || name.size() > 15 || name == "." || name == "..")
		return false;
	return std::none_of(name.begin(), name.end(), [](unsigned char c) {
		return c == '/' || c == ':' || std::isspace(c) || c == 0;
	});
}

bool valid_rule_name(std::string_view name) {
	if (name.empty() || name.size() > 63 || !std::isalnum(static_cast<unsigned char>(name[0])))
		return false;
	return std::all_of(name.begin(), name.end(), [](unsigned char c) {
		return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
	});
}

bool valid_tag_name(std::string_view name) {
	return !name.empty() && name.size() <= 128 &&
	       std::all_of(name.begin(), name.end(), [](unsigned char c) {
		       return std::isalnum(c) || c == '-' || c == '_' || c == '.';
	       });
}

Result<Cloud> read_cloud(const YAML::Node& node, const std::string& path) {
	auto s = read_string(node, path);
	if (!s.ok())
		return std::move(s).error();
	const catalog::CloudInfo* cloud = catalog::find_cloud(*s);
	if (!cloud)
		return at(node, path, in_quotes(*s) + ": expected " + catalog::cloud_names(" or "));
	return cloud->cloud;
}

Result<std::string> read_location(const YAML::Node& node, const std::string& path) {
	auto s = read_string(node, path);
	if (!s.ok())
		return std::move(s).error();
	bool ok = !s->empty() && s->size() <= 40 && std::islower(static_cast<unsigned char>((*s)[0])) &&
	          std::all_of(s->begin(), s->end(), [](unsigned char c) {
		          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
	          });
	if (ok)
		return s;
	std::string hint; // "East US" -> "eastus"
	for (unsigned char c : *s)
		if (std::isalnum(c))
			hint += static_cast<char>(std::tolower(c));
	return at(node, path,
	          in_quotes(*s) + ": expected a lower-case region name like eastus" +
	              (hint.empty() || hint == *s ? "" : " (did you mean " + hint + "?)"));
}

// Levenshtein distance, for "did you mean" on a mistyped location.
std::size_t edit_distance(std::string_view a, std::string_view b) {
	std::vector<std::size_t> row(b.size() + 1);
	for (std::size_t j = 0; j <= b.size(); ++j)
		row[j] = j;
	for (std::size_t i = 1; i <= a.size(); ++i) {
		std::size_t diag = row[0];
		row[0] = i;
		for (std::size_t j = 1; j <= b.size(); ++j) {
			std::size_t up = row[j];
			row[j] =
			    std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
			diag = up;
		}
	}
	return row[b.size()];
}

// The location must be one of the cloud's (catalog/cloud.h): a China or Government region in the
// public cloud (or the reverse) is a copy-paste mistake, and a typo would fill every {location}
// template with a name no cluster has.
Status check_location(const YAML::Node& node, Cloud cloud, const std::string& loc) {
	if (catalog::find_region(cloud, loc))
		return ok_status();
	std::string_view cloud_name = catalog::to_string(cloud);
	if (auto other = catalog::cloud_of_location(loc))
		return at(node, "location",
		          in_quotes(loc) + ": a location of " + std::string(catalog::to_string(*other)) +
		              ", not of " + std::string(cloud_name) + "; set `cloud` to match");
	std::string close, all;
	for (const auto& r : catalog::cloud_info(cloud)->regions) {
		all += (all.empty() ? "" : ", ") + std::string(r.location);
		if (edit_distance(loc, r.location) <= 2)
			close += (close.empty() ? "" : " or ") + std::string(r.location);
	}
	return at(node, "location",
	          in_quotes(loc) + ": not a location of " + std::string(cloud_name) +
	              (close.empty() ? " (known: " + all + ")" : " (did you mean " + close + "?)"));
}

Result<std::string> read_feature(const YAML::Node& node, const std::string& path) {
	auto s = read_string(node, path);
	if (!s.ok())
		return std::move(s).error();
	if (const Feature* f = find_feature(*s))
		return std::string(f->name);
	std::string names;
	for (const auto& k : known_features())
		names += (names.empty() ? "" : ", ") + std::string(k.name);
	return at(node, path, in_quotes(*s) + ": unknown feature (known: " + names + ")");
}

Result<PortRange> read_port(const YAML::Node& node, const std::string& path) {
	auto s = read_string(node, path);
	if (!s.ok())
		return std::move(s).error();
	auto range = parse_port_spec(*s);
	if (!range.ok())
		return at(node, path, range.error().message());
	return range;
}

Result<std::optional<ListenAddress>> read_listen(const YAML::Node& node, const std::string& path) {
	auto s = read_string(node, path);
	if (!s.ok())
		return std::move(s).error();
	if (s->empty())
		return std::optional<ListenAddress>(); // metrics off
	auto l = parse_listen_address(*s);
	if (!l.ok())
		return at(node, path, l.error().message());
	return std::optional<ListenAddress>(*l);
}

Result<std::string> read_control_socket(const YAML::Node& node, const std::string& path) {
	auto s = absolute_path(false)(node, path);
	// sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
	if (s.ok() && s->size() > 107)
		return at(node, path, "longer than 107 bytes (the limit of a unix socket path)");
	return s;
}

Result<std::string> read_uplink(const YAML::Node& node, const std::string& path) {
	auto s = read_string(node, path);
	if (s.ok() && !s->empty() && !valid_ifname(*s))
		return at(
		    node, path,
		    in_quotes(*s) +
		        ": not an interface name (1-15 bytes, no '/', ':' or spaces), \"auto\" or \"\"");
	return s;
}

// `uplink: auto|<ifname>`, or `uplink: {interface: auto|<ifname>, mode: audit|enforce}`.
KeyHandler read_uplink_key(Config& c) {
	return [&c](const YAML::Node& v, const std::string& p) -> Status {
		if (!v.IsMap())
			return set<std::string>(c.uplink, read_uplink)(v, p);
		EGRESS_TRY(read_map(
		    v, p,
		    {{"interface", set<std::string>(c.uplink, read_uplink)},
		     {"mode", set(c.uplink_enforce, one_of<bool>({{"audit", false}, {"enforce", true}}))}}));
		if (c.uplink_enforce && c.uplink.empty())
			return at(v, join(p, "mode"),
			          "enforce needs uplink.interface (auto or an interface name)");
		return ok_status();
	};
}

Result<std::string> read_cgroup_path(const YAML::Node& node, const std::string& path) {
	auto s = read_string(node, path);
	if (s.ok() && (s->empty() || s->front() != '/' || s->find("..") != std::string::npos))
		return at(node, path, in_quotes(*s) + ": a cgroup path below the cgroup2 mount, from \"/\"");
	return s;
}

KeyHandler read_host_guard(HostGuard& g) {
	return [&g](const YAML::Node& v, const std::string& p) -> Status {
		auto on_off =
		    one_of<GuardSwitch>({{"auto", GuardSwitch::automatic}, {"off", GuardSwitch::off}});
		return read_map(v, p,
		                {{"rawSockets", set(g.raw_sockets, on_off)},
		                 {"objects", set(g.objects, on_off)},
		                 {"allow", append_each<std::string>(g.allow, read_cgroup_path)}});
	};
}

Result<std::string> read_service_tags_path(const YAML::Node& node, const std::string& path) {
	auto s = read_string(node, path);
	if (s.ok() && s->find('\0') != std::string::npos)
		return at(node, path, "NUL byte in path");
	return s;
}

Result<AllowRule> read_allow_rule(const YAML::Node& node, const std::string& path, std::size_t i) {
	if (!node.IsMap())
		return at(node, path,
		          "expected a map with fqdn, cidr or serviceTag, got " +
		              std::string(type_name(node)));
	AllowRule rule;
	std::string_view dest_key;
	// Each destination key sets the kind; a second one is an error at its own path.
	auto destination = [&](AllowRule::Kind kind, std::string_view key, KeyHandler read) -> KeyHandler {
		return [&, kind, key, read](const YAML::Node& v, const std::string& p) -> Status {
			if (!dest_key.empty())
				return at(v, p,
				          "a rule has one destination, and this one already has " +
				              std::string(dest_key));
			dest_key = key;
			rule.kind = kind;
			return read(v, p);
		};
	};
	Reader<std::string> name = [](const YAML::Node& v, const std::string& p) -> Result<std::string> {
		auto s = read_string(v, p);
		if (s.ok() && !valid_rule_name(*s))
			return at(v, p,
			          in_quotes(*s) +
			              ": a name is 1-63 letters, digits, '-', '_', '.', ':' starting with "
			              "a letter or digit");
		return s;
	};
	Reader<std::string> tag = [](const YAML::Node& v, const std::string& p) -> Result<std::string> {
		auto s = read_string(v, p);
		if (s.ok() && !valid_tag_name(*s))
			return at(v, p, in_quotes(*s) + ": not a service-tag name (e.g. AzureMonitor)");
		return s;
	};
	EGRESS_TRY(read_map(
	    node, path,
	    {
	        {"name", set(rule.name, name)},
	        {"comment", set<std::string>(rule.comment, read_string)},
	        {"fqdn", destination(AllowRule::Kind::fqdn, "fqdn", set(rule.fqdn, fqdn(true)))},
	        {"cidr", destination(AllowRule::Kind::cidr, "cidr", set<Cidr>(rule.cidr, read_cidr))},
	        {"serviceTag",
	         destination(AllowRule::Kind::service_tag, "serviceTag", set(rule.service_tag, tag))},
	        {"ports",
	         [&](const YAML::Node& v, const std::string& p) -> Status {
		         if (v.IsSequence() && v.size() == 0)
			         return at(v, p, "empty list (omit `ports` for the default tcp/443)");
		         return append_each<PortRange>(rule.ports, read_port)(v, p);
	         }},
	    }));
	if (dest_key.empty())
		return at(node, path, "needs one of fqdn, cidr or serviceTag");
	if (rule.ports.empty())
		rule.ports = {PortRange{Proto::tcp, 443, 443}};
	std::sort(rule.ports.begin(), rule.ports.end());
	rule.ports.erase(std::unique(rule.ports.begin(), rule.ports.end()), rule.ports.end());
	rule.id = rule.name.empty() ? index("allow", i) : rule.name;
	return rule;
}

Status read_allow(const YAML::Node& node, const std::string& path, std::vector<AllowRule>& out) {
	std::set<std::string> names;
	return for_each_item(
	    node, path, [&](const YAML::Node& item, const std::string& item_path, std::size_t i) {
		    auto rule = read_allow_rule(item, item_path, i);
		    if (!rule.ok())
			    return Status(std::move(rule).error());
		    if (!rule->name.empty() && !names.insert(rule->name).second)
			    return Status(at(item["name"], join(item_path, "name"),
			                     in_quotes(rule->name) + ": duplicate rule name"));
		    out.push_back(std::move(*rule));
		    return ok_status();
	    });
}

// Duplicates are harmless but would show twice in every render; drop them, keeping the first.
template <typename T>
void drop_duplicates(std::vector<T>& v) {
	std::vector<T> out;
	for (auto& x : v)
		if (std::find(out.begin(), out.end(), x) == out.end())
			out.push_back(std::move(x));
	v = std::move(out);
}

Result<Config> read_config(const YAML::Node& root) {
	if (root.IsNull())
		return at(root, "", "empty config (at least `cloud` and `location` are needed)");
	if (!root.IsMap())
		return at(root, "", "expected a map of keys, got " + std::string(type_name(root)));
	using std::chrono::seconds;
	constexpr seconds kWeek(7 * 86400);
	Config c;
	EGRESS_TRY(read_map(
	    root, "",
	    {
	        {"cloud", set<Cloud>(c.cloud, read_cloud)},
	        {"location", set<std::string>(c.location, read_location)},
	        {"edition",
	         set(c.edition, one_of<Edition>({{"current", Edition::current}, {"2020", Edition::v2020}}))},
	        {"mode", set(c.mode, one_of<Mode>({{"audit", Mode::audit}, {"enforce", Mode::enforce}}))},
	        {"failMode", set(c.fail_mode,
	                         one_of<FailMode>({{"closed", FailMode::closed}, {"open", FailMode::open}}))},
	        {"features", append_each<std::string>(c.features, read_feature)},
	        {"recommended", set<bool>(c.recommended, read_bool)},
	        {"konnectivity", set<bool>(c.konnectivity, read_bool)},
	        {"apiServer",
	         [&](const YAML::Node& v, const std::string& p) {
		         // "" = not known yet; otherwise an exact name.
		         Reader<std::string> api_fqdn = [](const YAML::Node& n, const std::string& np) {
			         return n.IsScalar() && n.Scalar().empty()
			                    ? Result<std::string>(std::string())
			                    : fqdn(false)(n, np);
		         };
		         return read_map(v, p,
		                         {
		                             {"fqdn", set(c.api_server.fqdn, api_fqdn)},
		                             {"ips", append_each<IpAddress>(c.api_server.ips, read_ip)},
		                         });
	         }},
	        {"clusterCIDRs", append_each<Cidr>(c.cluster_cidrs, read_cidr)},
	        {"dnsServers", append_each<IpAddress>(c.dns_servers, read_ip)},
	        {"serviceTags", set<std::string>(c.service_tags, read_service_tags_path)},
	        {"allow",
	         [&](const YAML::Node& v, const std::string& p) { return read_allow(v, p, c.allow); }},
	        {"denyLog",
	         [&](const YAML::Node& v, const std::string& p) {
		         return read_map(v, p,
		                         {
		                             {"file", set(c.deny_log.file, absolute_path(true))},
		                             {"maxSizeMB", set(c.deny_log.max_size_mb, uint_in(1, 10240))},
		                             {"maxFiles", set(c.deny_log.max_files, uint_in(1, 100))},
		                             {"stdout", set<bool>(c.deny_log.to_stdout, read_bool)},
		                         });
	         }},
	        {"metrics",
	         [&](const YAML::Node& v, const std::string& p) {
		         return read_map(
		             v, p,
		             {{"listen", set<std::optional<ListenAddress>>(c.metrics.listen, read_listen)}});
	         }},
	        {"dns",
	         [&](const YAML::Node& v, const std::string& p) {
		         return read_map(
		             v, p,
		             {
		                 {"minTTL", set(c.dns.min_ttl, duration_in(seconds(0), kWeek))},
		                 {"maxTTL", set(c.dns.max_ttl, duration_in(seconds(1), kWeek))},
		                 {"grace", set(c.dns.grace, duration_in(seconds(0), seconds(3600)))},
		                 {"queryPolicy", set(c.dns.query_policy,
		                                     one_of<QueryPolicy>({{"allowed", QueryPolicy::allowed},
		                                                          {"any", QueryPolicy::any}}))},
		                 {"clusterDomain", set(c.dns.cluster_domain, fqdn(false))},
		             });
	         }},
	        {"cgroupPath", set(c.cgroup_path, absolute_path(true))},
	        {"pinPath", set(c.pin_path, absolute_path(false))},
	        {"controlSocket", set<std::string>(c.control_socket, read_control_socket)},
	        {"uplink", read_uplink_key(c)},
	        {"hostGuard", read_host_guard(c.host_guard)},
	    }));

	// Rules that span keys. `root[...]` on a const node never inserts.
	if (!root["cloud"])
		return at(root, "cloud", "missing (" + catalog::cloud_names(" or ") + ")");
	if (!root["location"])
		return at(root, "location", "missing (the cluster's region, e.g. eastus)");
	EGRESS_TRY(check_location(root["location"], c.cloud, c.location));
	if (!root["konnectivity"])
		c.konnectivity = c.edition == Edition::current; // konnectivity post-dates the 2020 page
	if (c.dns.min_ttl > c.dns.max_ttl)
		return at(root["dns"], "dns.minTTL",
		          std::to_string(c.dns.min_ttl.count()) + "s is above dns.maxTTL (" +
		              std::to_string(c.dns.max_ttl.count()) + "s)");
	if (c.mode == Mode::enforce && c.cluster_cidrs.empty())
		return at(root, "clusterCIDRs",
		          "required in enforce mode: list the pod, service and node subnets, or in-cluster "
		          "traffic is "
		          "dropped");
	for (std::size_t i = 0; i < c.allow.size(); ++i)
		if (c.allow[i].kind == AllowRule::Kind::service_tag && c.service_tags.empty())
			return at(root["allow"][i], index("allow", i) + ".serviceTag",
			          "needs `serviceTags` (the path of a ServiceTags JSON file) to know the "
			          "tag's prefixes");

	std::sort(c.features.begin(), c.features.end());
	c.features.erase(std::unique(c.features.begin(), c.features.end()), c.features.end());
	drop_duplicates(c.cluster_cidrs);
	drop_duplicates(c.dns_servers);
	drop_duplicates(c.api_server.ips);
	return c;
}

} // namespace

std::string_view edition_name(Edition edition) {
	return edition == Edition::current ? "current" : "2020";
}
std::string_view mode_name(Mode mode) {
	return mode == Mode::audit ? "audit" : "enforce";
}
std::string_view fail_mode_name(FailMode mode) {
	return mode == FailMode::closed ? "closed" : "open";
}

std::string_view allow_kind_name(AllowRule::Kind kind) {
	switch (kind) {
	case AllowRule::Kind::fqdn:
		return "fqdn";
	case AllowRule::Kind::cidr:
		return "cidr";
	case AllowRule::Kind::service_tag:
		return "serviceTag";
	}
	return "unknown";
}

bool Config::has_feature(std::string_view name) const {
	const Feature* f = find_feature(name);
	return f && std::find(features.begin(), features.end(), f->name) != features.end();
}

namespace {

// One layer's text -> its node tree, with the guards every config input gets.
Result<YAML::Node> parse_layer(std::string_view text, const std::string& source) {
	if (text.size() > kMaxConfigBytes)
		return std::move(
		    Error("larger than " + std::to_string(kMaxConfigBytes) + " bytes", EFBIG).wrap(source));
	if (text.find('\0') != std::string_view::npos)
		return std::move(
		    Error("NUL byte in the text (not a YAML or JSON file?)", EINVAL).wrap(source));
	if (!valid_utf8(text))
		return std::move(Error("not UTF-8 text", EINVAL).wrap(source));
	auto root = detail::parse_document(text);
	if (!root.ok())
		return std::move(Error(root.error().message(), EINVAL).wrap(source));
	return root;
}

Result<Config> read_layers(const std::vector<ConfigLayer>& layers) {
	const std::string base = layers[0].name.empty() ? "config" : layers[0].name;
	auto root = parse_layer(layers[0].text, base);
	if (!root.ok())
		return std::move(root).error();
	std::map<std::string, std::string> set_by; // key path -> overlay that set it
	for (std::size_t i = 1; i < layers.size(); ++i) {
		auto patch = parse_layer(layers[i].text, layers[i].name);
		if (!patch.ok())
			return std::move(patch).error();
		EGRESS_TRY_CTX(detail::merge_overlay(*root, *patch, layers[i].name, set_by), layers[i].name);
	}
	auto config = read_config(*root);
	if (config.ok())
		return config;
	// Name the file that holds the offending key (its line numbers are that file's); a key no
	// overlay set is the base's.
	return std::move(config).error().wrap(detail::layer_of(config.error().message(), set_by, base));
}

} // namespace

Result<Config> parse_config_layers(const std::vector<ConfigLayer>& layers) {
	if (layers.empty())
		return Error("no config documents", EINVAL);
	try {
		return read_layers(layers);
	} catch (const std::exception& e) {
		// yaml-cpp's node accessors can throw on trees we did not expect; none may escape.
		return std::move(Error(std::string("cannot read: ") + e.what(), EINVAL).wrap(layers[0].name));
	}
}

Result<Config> parse_config(std::string_view text, std::string_view source_name) {
	return parse_config_layers({ConfigLayer{std::string(source_name), std::string(text)}});
}

std::vector<std::string> config_overlays(const std::string& path) {
	return detail::overlay_files(path);
}

Result<Config> load_config(const std::string& path) {
	auto base = detail::read_text_file(path, kMaxConfigBytes, "config");
	if (!base.ok())
		return std::move(base).error();
	std::vector<ConfigLayer> layers{{path, std::move(*base)}};
	for (const auto& file : config_overlays(path)) {
		auto text = detail::read_text_file(file, kMaxConfigBytes, "config overlay");
		if (!text.ok())
			return std::move(text).error();
		layers.push_back({file, std::move(*text)});
	}
	auto config = parse_config_layers(layers);
	if (!config.ok())
		return config;
	auto& tags = config->service_tags;
	if (!tags.empty() && tags.front() != '/') {
		auto dir = std::filesystem::path(path).parent_path();
		tags = (dir / tags).lexically_normal().string();
	}
	return config;
}

} // namespace egress::policy
