// Catalog::parse: JSON text -> validated Catalog. Every check names the entry (index and id) and
// the field, because the file is edited by hand and a typo must point at its line of thought.
#include <cctype>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"

namespace egress::catalog {
namespace {

using Json = nlohmann::json;

// Thrown inside this file only; parse() turns it into an Error (no exception leaves the module).
struct Invalid {
	std::string path;
	std::string message;
};

[[noreturn]] void fail(const std::string& path, std::string message) {
	throw Invalid{path, std::move(message)};
}

std::string join(const std::string& base, const std::string& key) {
	return base.empty() ? key : base + "." + key;
}
std::string index(const std::string& base, std::size_t i) {
	return base + "[" + std::to_string(i) + "]";
}

// Checks an object against its allowed keys (unknown keys are typos, not extensions).
void check_keys(const Json& obj, const std::string& path, std::initializer_list<std::string_view> allowed) {
	if (!obj.is_object())
		fail(path, "must be an object");
	for (const auto& item : obj.items()) {
		bool known = false;
		for (auto k : allowed)
			known = known || item.key() == k;
		if (!known)
			fail(join(path, item.key()), "unknown key");
	}
}

const Json& member(const Json& obj, const std::string& path, const char* key) {
	auto it = obj.find(key);
	if (it == obj.end())
		fail(join(path, key), "missing");
	return *it;
}

std::string string_at(const Json& obj, const std::string& path, const char* key, bool non_empty = false) {
	const Json& v = member(obj, path, key);
	if (!v.is_string())
		fail(join(path, key), "must be a string");
	auto s = v.get<std::string>();
	if (non_empty && s.empty())
		fail(join(path, key), "must not be empty");
	return s;
}

std::string optional_string(const Json& obj, const std::string& path, const char* key) {
	return obj.contains(key) ? string_at(obj, path, key) : std::string();
}

bool bool_at(const Json& obj, const std::string& path, const char* key) {
	const Json& v = member(obj, path, key);
	if (!v.is_boolean())
		fail(join(path, key), "must be true or false");
	return v.get<bool>();
}

const Json& array_at(const Json& obj, const std::string& path, const char* key, bool non_empty = false) {
	const Json& v = member(obj, path, key);
	if (!v.is_array())
		fail(join(path, key), "must be an array");
	if (non_empty && v.empty())
		fail(join(path, key), "must not be empty");
	return v;
}

std::vector<std::string> strings_at(const Json& obj, const std::string& path, const char* key,
                                    bool non_empty = false) {
	std::vector<std::string> out;
	const Json& arr = array_at(obj, path, key, non_empty);
	for (std::size_t i = 0; i < arr.size(); ++i) {
		if (!arr[i].is_string() || arr[i].get_ref<const std::string&>().empty())
			fail(index(join(path, key), i), "must be a non-empty string");
		out.push_back(arr[i].get<std::string>());
	}
	return out;
}

template <typename E, typename Parse>
E enum_at(const Json& obj, const std::string& path, const char* key, Parse parse, std::string_view allowed) {
	auto s = string_at(obj, path, key);
	auto v = parse(s);
	if (!v)
		fail(join(path, key), "unknown value \"" + s + "\" (expected " + std::string(allowed) + ")");
	return *v;
}

template <typename E, typename Parse>
std::vector<E> enums_at(const Json& obj, const std::string& path, const char* key, Parse parse,
                        std::string_view allowed, bool non_empty = false) {
	std::vector<E> out;
	auto names = strings_at(obj, path, key, non_empty);
	for (std::size_t i = 0; i < names.size(); ++i) {
		auto v = parse(names[i]);
		if (!v)
			fail(index(join(path, key), i),
			     "unknown value \"" + names[i] + "\" (expected " + std::string(allowed) + ")");
		for (const E& seen : out)
			if (seen == *v)
				fail(index(join(path, key), i), "duplicate \"" + names[i] + "\"");
		out.push_back(*v);
	}
	return out;
}

std::map<std::string, std::string> string_map_at(const Json& obj, const std::string& path, const char* key) {
	const Json& v = member(obj, path, key);
	if (!v.is_object())
		fail(join(path, key), "must be an object of strings");
	std::map<std::string, std::string> out;
	for (const auto& item : v.items()) {
		if (!item.value().is_string())
			fail(join(join(path, key), item.key()), "must be a string");
		out.emplace(item.key(), item.value().get<std::string>());
	}
	return out;
}

bool valid_date(const std::string& s) {
	if (s.size() != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
		if (!std::isdigit(static_cast<unsigned char>(s[i])))
			return false;
	return true;
}

std::string date_or_null(const Json& obj, const std::string& path, const char* key) {
	const Json& v = member(obj, path, key);
	if (v.is_null())
		return {};
	if (!v.is_string() || !valid_date(v.get<std::string>()))
		fail(join(path, key), "must be a date YYYY-MM-DD or null");
	return v.get<std::string>();
}

bool valid_id(const std::string& id) {
	if (id.empty())
		return false;
	for (char c : id)
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	return true;
}

struct Tables {
	std::map<std::string, std::string> placeholders, features, conditions, sources;
};

// Checks that a name pattern is spelled as its wildcard decision says (DESIGN.md §3).
void check_name(Entry& e, const std::string& path) {
	const std::string& p = e.pattern;
	const std::string& d = e.documented;
	const std::string pp = join(path, "pattern");
	if (p.find_first_of(" \t/") != std::string::npos)
		fail(pp, "must be one name, got \"" + p + "\"");
	switch (e.wildcard) {
	case WildcardDepth::none:
		if (e.kind != Kind::fqdn)
			fail(join(path, "wildcard"),
			     "a wildcard row needs one-label, any-depth or label-glob");
		if (p.find('*') != std::string::npos)
			fail(pp, "an exact name must not contain '*' (use kind wildcard)");
		if (p != d)
			fail(pp, "an exact name must equal \"documented\"");
		return;
	case WildcardDepth::one_label:
		// The docs print either the wildcard or, for a few rows, only the bare suffix
		// (vault.azure.net) whose real names sit one label below it.
		if (p.rfind("*.", 0) != 0 || p.find('*', 1) != std::string::npos || (p != d && p != "*." + d))
			fail(pp, "one-label must be \"*.<suffix>\" for the documented \"*.<suffix>\" or "
			         "\"<suffix>\", got \"" +
			             p + "\"");
		break;
	case WildcardDepth::any_depth:
		if (p.rfind("**.", 0) != 0 || p.find('*', 2) != std::string::npos ||
		    (p.substr(1) != d && p.substr(3) != d))
			fail(pp,
			     "any-depth must be \"**.<suffix>\" for the documented \"*.<suffix>\", got \"" +
			         p + "\"");
		break;
	case WildcardDepth::label_glob:
		if (p != d || p.find('*') == std::string::npos || p.find('*') > p.find('.') ||
		    p.rfind("*.", 0) == 0)
			fail(pp, "label-glob must be the documented name with '*' inside its first label");
		break;
	}
	if (e.kind != Kind::wildcard)
		fail(join(path, "kind"), "must be wildcard for a wildcard pattern");
	if (e.wildcard_reason.empty())
		fail(join(path, "wildcard_reason"), "the wildcard depth decision needs its reason");
}

Alternative parse_alternative(const Json& j, const std::string& path) {
	check_keys(j, path, {"type", "value", "patterns", "note", "known_after_cluster_creation"});
	Alternative a;
	a.type =
	    enum_at<AlternativeType>(j, path, "type", parse_alternative_type,
	                             "any, service_tag, region_cidrs, api_server_public_ip, placeholder_ip, "
	                             "ip, cidr, fqdn_network_rule, fqdn_hosts");
	a.value = string_at(j, path, "value", true);
	bool named = a.type == AlternativeType::fqdn_network_rule || a.type == AlternativeType::fqdn_hosts;
	if (named)
		a.patterns = strings_at(j, path, "patterns", true);
	else if (j.contains("patterns"))
		fail(join(path, "patterns"),
		     "only fqdn_network_rule and fqdn_hosts alternatives carry patterns");
	a.note = optional_string(j, path, "note");
	if (j.contains("known_after_cluster_creation"))
		a.known_after_cluster_creation = bool_at(j, path, "known_after_cluster_creation");
	return a;
}

void parse_destination(const Json& j, const std::string& path, Entry& e) {
	if (e.kind == Kind::network) {
		check_keys(j, path, {"alternatives"});
		const Json& alts = array_at(j, path, "alternatives", true);
		for (std::size_t i = 0; i < alts.size(); ++i)
			e.alternatives.push_back(
			    parse_alternative(alts[i], index(join(path, "alternatives"), i)));
		return;
	}
	check_keys(j, path, {"pattern", "documented", "wildcard", "wildcard_reason"});
	e.pattern = string_at(j, path, "pattern", true);
	e.documented = string_at(j, path, "documented", true);
	e.wildcard = enum_at<WildcardDepth>(j, path, "wildcard", parse_wildcard_depth,
	                                    "none, one-label, any-depth, label-glob");
	e.wildcard_reason = optional_string(j, path, "wildcard_reason");
	check_name(e, path);
}

// The placeholders a row declares must be exactly those its destination uses, and known.
void check_placeholders(const Entry& e, const std::string& path, const Tables& t) {
	std::set<std::string> used;
	auto collect = [&](const std::string& s) {
		for (auto& name : placeholders_of(s))
			used.insert(name);
	};
	collect(e.pattern);
	for (const auto& a : e.alternatives) {
		collect(a.value);
		for (const auto& p : a.patterns)
			collect(p);
	}
	std::set<std::string> declared(e.placeholders.begin(), e.placeholders.end());
	for (const auto& name : declared)
		if (!t.placeholders.count(name))
			fail(join(path, "placeholders"),
			     "unknown placeholder \"" + name + "\" (not in the placeholders table)");
	if (used != declared) {
		std::string list;
		for (const auto& u : used)
			list += (list.empty() ? "" : ", ") + u;
		fail(join(path, "placeholders"),
		     "must list exactly the placeholders the destination uses: [" + list + "]");
	}
}

Entry parse_entry(const Json& j, std::size_t i, const Tables& t) {
	std::string path = index("entries", i);
	if (j.is_object() && j.contains("id") && j["id"].is_string())
		path += " (id " + j["id"].get<std::string>() + ")";
	check_keys(j, path, {"id",         "cloud",       "status",     "editions", "category",
	                     "kind",       "destination", "protocols",  "ports",    "app_protocol",
	                     "match_hint", "purpose",     "conditions", "notes",    "placeholders",
	                     "sources",    "added",       "removed",    "history",  "uncertain"});
	Entry e;
	e.id = string_at(j, path, "id");
	if (!valid_id(e.id))
		fail(join(path, "id"), "must be lower-case letters, digits and '-'");
	e.cloud = enum_at<Cloud>(j, path, "cloud", parse_cloud, cloud_names() + ", all");
	e.status = enum_at<Status>(j, path, "status", parse_status, "current, legacy");
	e.editions = enums_at<Edition>(j, path, "editions", parse_edition, "2019, 2020, cn-2024, current");
	if (e.status == Status::legacy && e.listed_in(Edition::current))
		fail(join(path, "status"), "a legacy row cannot be listed in the current edition");
	if (e.status == Status::current && !e.editions.empty() && !e.listed_in(Edition::current) &&
	    !e.listed_in(Edition::cn2024))
		fail(join(path, "status"), "a current row printed only by old editions must be legacy");
	e.category = string_at(j, path, "category");
	if (!valid_category(e.category))
		fail(join(path, "category"),
		     "unknown category \"" + e.category +
		         "\" (expected required, conditional, recommended, observed-recommended, "
		         "observed-optional, "
		         "platform-local, reported-unconfirmed, feature:<name> or workload:<name>)");
	if (e.is_feature() && !t.features.count(std::string(e.feature_name())))
		fail(join(path, "category"),
		     "feature \"" + std::string(e.feature_name()) + "\" is not in the features table");
	e.kind = enum_at<Kind>(j, path, "kind", parse_kind, "fqdn, wildcard, network");
	parse_destination(member(j, path, "destination"), join(path, "destination"), e);
	e.protocols = enums_at<Protocol>(j, path, "protocols", parse_protocol, "tcp, udp", true);
	const Json& ports = array_at(j, path, "ports", true);
	for (std::size_t k = 0; k < ports.size(); ++k) {
		if (!ports[k].is_number_integer() || ports[k].get<long long>() < 1 ||
		    ports[k].get<long long>() > 65535)
			fail(index(join(path, "ports"), k), "must be an integer in 1..65535");
		e.ports.push_back(static_cast<std::uint16_t>(ports[k].get<long long>()));
	}
	e.app_protocol = string_at(j, path, "app_protocol");
	e.match_hint = string_at(j, path, "match_hint");
	e.purpose = string_at(j, path, "purpose", true);
	const std::string cpath = join(path, "conditions");
	const Json& cond = member(j, path, "conditions");
	check_keys(cond, cpath, {"needed_unless", "needed_only_if", "note"});
	constexpr std::string_view kCondNames =
	    "konnectivity, private-cluster, nodes-after-march-2021, custom-dns, "
	    "api-server-by-ip, api-server-vnet-integration, localdns";
	e.needed_unless = enums_at<Condition>(cond, cpath, "needed_unless", parse_condition, kCondNames);
	e.needed_only_if = enums_at<Condition>(cond, cpath, "needed_only_if", parse_condition, kCondNames);
	e.condition_note = string_at(cond, cpath, "note");
	for (const auto* list : {&e.needed_unless, &e.needed_only_if})
		for (Condition c : *list)
			if (!t.conditions.count(std::string(to_string(c))))
				fail(cpath, "condition \"" + std::string(to_string(c)) +
				                "\" is not in the conditions table");
	if ((!e.needed_unless.empty() || !e.needed_only_if.empty()) && e.condition_note.empty())
		fail(join(cpath, "note"), "a conditional row needs its note");
	e.notes = string_at(j, path, "notes");
	e.placeholders = strings_at(j, path, "placeholders");
	check_placeholders(e, path, t);
	e.sources = strings_at(j, path, "sources", true);
	for (std::size_t k = 0; k < e.sources.size(); ++k) {
		const auto& s = e.sources[k];
		if (s.rfind("https://", 0) != 0 && s.rfind("http://", 0) != 0 && !t.sources.count(s))
			fail(index(join(path, "sources"), k),
			     "\"" + s + "\" is neither a URL nor a key of the sources table");
	}
	e.added = date_or_null(j, path, "added");
	e.removed = date_or_null(j, path, "removed");
	const Json& hist = array_at(j, path, "history");
	for (std::size_t k = 0; k < hist.size(); ++k) {
		const std::string hpath = index(join(path, "history"), k);
		check_keys(hist[k], hpath, {"event", "date", "commit", "note"});
		HistoryEvent h;
		h.event = string_at(hist[k], hpath, "event", true);
		h.date = string_at(hist[k], hpath, "date");
		if (!valid_date(h.date))
			fail(join(hpath, "date"), "must be a date YYYY-MM-DD");
		h.commit = string_at(hist[k], hpath, "commit");
		h.note = optional_string(hist[k], hpath, "note");
		if (!e.history.empty() && h.date < e.history.back().date)
			fail(join(hpath, "date"), "history must be ordered oldest first");
		e.history.push_back(std::move(h));
	}
	e.uncertain = bool_at(j, path, "uncertain");
	return e;
}

void parse_catalog(const Json& root, std::string& schema, std::vector<EditionInfo>& editions, Tables& t,
                   std::vector<Entry>& entries) {
	check_keys(root, "",
	           {"schema", "title", "imported_from", "editions", "conditions", "features", "placeholders",
	            "sources", "entries"});
	schema = string_at(root, "", "schema");
	if (schema != kSchema)
		fail("schema", "unsupported schema \"" + schema + "\" (this build reads \"" +
		                   std::string(kSchema) + "\")");
	optional_string(root, "", "title");
	optional_string(root, "", "imported_from");
	t.conditions = string_map_at(root, "", "conditions");
	for (const auto& [name, _] : t.conditions)
		if (!parse_condition(name))
			fail("conditions." + name,
			     "unknown condition (this build knows the ones in SCHEMA.md)");
	t.features = string_map_at(root, "", "features");
	t.placeholders = string_map_at(root, "", "placeholders");
	t.sources = string_map_at(root, "", "sources");
	const Json& eds = member(root, "", "editions");
	if (!eds.is_object())
		fail("editions", "must be an object");
	for (const auto& item : eds.items()) {
		const std::string path = "editions." + item.key();
		auto ed = parse_edition(item.key());
		if (!ed)
			fail(path, "unknown edition (expected 2019, 2020, cn-2024, current)");
		check_keys(item.value(), path, {"as_of", "title", "sources"});
		EditionInfo info;
		info.edition = *ed;
		info.as_of = string_at(item.value(), path, "as_of");
		if (!valid_date(info.as_of))
			fail(path + ".as_of", "must be a date YYYY-MM-DD");
		info.title = string_at(item.value(), path, "title");
		info.sources = strings_at(item.value(), path, "sources");
		editions.push_back(std::move(info));
	}
	for (auto e : {Edition::v2019, Edition::v2020, Edition::cn2024, Edition::current}) {
		bool found = false;
		for (const auto& info : editions)
			found = found || info.edition == e;
		if (!found)
			fail("editions", "missing edition \"" + std::string(to_string(e)) + "\"");
	}
	const Json& arr = array_at(root, "", "entries", true);
	std::set<std::string> ids;
	for (std::size_t i = 0; i < arr.size(); ++i) {
		Entry e = parse_entry(arr[i], i, t);
		if (!ids.insert(e.id).second)
			fail(index("entries", i) + " (id " + e.id + ").id", "duplicate id");
		entries.push_back(std::move(e));
	}
}

} // namespace

Result<Catalog> Catalog::parse(std::string_view json_text, std::string_view origin) {
	Json root;
	try {
		root = Json::parse(json_text.begin(), json_text.end());
	} catch (const Json::parse_error& e) {
		return Error(std::string("invalid JSON: ") + e.what(), EINVAL).wrap(std::string(origin));
	}
	Catalog c;
	Tables t;
	try {
		parse_catalog(root, c.schema_, c.editions_, t, c.entries_);
	} catch (const Invalid& bad) {
		std::string where = bad.path.empty() ? "" : bad.path + ": ";
		return Error(where + bad.message, EINVAL).wrap(std::string(origin));
	} catch (const Json::exception& e) {
		// Defensive: a type mismatch the checks above missed still becomes an error value.
		return Error(std::string("unexpected JSON shape: ") + e.what(), EINVAL)
		    .wrap(std::string(origin));
	}
	c.placeholders_ = std::move(t.placeholders);
	c.features_ = std::move(t.features);
	c.conditions_ = std::move(t.conditions);
	c.sources_ = std::move(t.sources);
	return c;
}

} // namespace egress::catalog
