// The AKS egress catalog: every outbound requirement of the AKS docs (2019/2020 editions, the
// China-site localisation and the current page, for AzureCloud, AzureChinaCloud and
// AzureUSGovernment) plus platform-local rows an on-node enforcer must allow.
//
// The data lives in userspace/catalog/data/aks-egress-catalog.json (schema: SCHEMA.md), is
// embedded into the binaries at build time and can be replaced at run time with load_file().
// Everything here is pure: no I/O except load_file(), no exceptions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/entry.h"
#include "common/result.h"

namespace egress::catalog {

// Schema spelling the loader accepts ("schema" at the top of the file).
inline constexpr std::string_view kSchema = "aks-egress-catalog/1";

// A selection over the catalog. Unset fields do not filter.
struct Filter {
	std::optional<Cloud> cloud;     // rows of this cloud plus rows with cloud `all`
	std::optional<Edition> edition; // Entry::in_edition
	std::optional<Status> status;
	std::vector<std::string> categories; // exact category strings, e.g. "required", "feature:gpu"
	std::vector<std::string> features;   // feature names or config aliases: matches feature:<name>
	// categories and features together form one "any of" set; both empty: every category.
	bool include_uncertain = true;
};

// How an entry differs between two editions.
enum class Change { added, removed, changed };
std::string_view to_string(Change c);

struct DiffItem {
	Change change = Change::changed;
	Entry entry;
	// For `changed`: the dated history events between the two editions ("2022-03-30
	// konnectivity_exemption_added (1eeeb3a72)").
	std::vector<std::string> details;
};

struct Diff {
	Edition from = Edition::v2020;
	Edition to = Edition::current;
	Cloud cloud = Cloud::all;
	std::vector<DiffItem> items; // added, then removed, then changed; by id within each group
};

// Metadata of one documentation edition (the "editions" table of the data file).
struct EditionInfo {
	Edition edition = Edition::current;
	std::string as_of; // YYYY-MM-DD: the last day of the English text the edition matches
	std::string title;
	std::vector<std::string> sources;
};

class Catalog {
public:
	// The catalog compiled into the binary (never fails unless the build embedded a bad file).
	static Result<Catalog> load_embedded();
	// A catalog file given at run time (--catalog FILE).
	static Result<Catalog> load_file(const std::string& path);
	// Parses and validates catalog JSON. Errors name the entry ("entries[12] (id pub-fqdn-mcr):
	// ports[0]: ...") or the top-level key. `origin` prefixes the error context.
	static Result<Catalog> parse(std::string_view json_text, std::string_view origin = "catalog");

	const std::vector<Entry>& entries() const { return entries_; }
	const Entry* find(std::string_view id) const;
	std::vector<Entry> select(const Filter& filter) const;
	// Entries of `cloud` (plus `all` rows) that `to` has and `from` lacks (added), `from` has and
	// `to` lacks (removed), and both have but whose history records a change dated after `from`'s
	// as_of and no later than `to`'s (changed). from > to swaps the meaning of added/removed.
	Diff diff(Edition from, Edition to, Cloud cloud) const;

	const std::string& schema() const { return schema_; }
	const std::vector<EditionInfo>& editions() const { return editions_; }
	const EditionInfo* edition_info(Edition e) const;
	// Placeholder name -> description ("location" -> "AKS cluster region name ...").
	const std::map<std::string, std::string>& placeholders() const { return placeholders_; }
	// Feature name -> description, for every feature:<name> the catalog uses.
	const std::map<std::string, std::string>& features() const { return features_; }
	// Condition name ("konnectivity") -> description.
	const std::map<std::string, std::string>& conditions() const { return conditions_; }
	// Source id ("S-HEAD", "seed:000_...txt", "I-AKS-4792") -> URL or seed file description.
	const std::map<std::string, std::string>& sources() const { return sources_; }

private:
	std::string schema_;
	std::vector<EditionInfo> editions_;
	std::map<std::string, std::string> placeholders_;
	std::map<std::string, std::string> features_;
	std::map<std::string, std::string> conditions_;
	std::map<std::string, std::string> sources_;
	std::vector<Entry> entries_;
};

// The raw JSON embedded at build time (identical bytes to data/aks-egress-catalog.json).
std::string_view embedded_json();

// Renderers for `egressctl catalog`. JSON: an array of objects with the field order of
// SCHEMA.md ("id", "cloud", "status", "editions", "category", "kind", "destination", ...), two-space
// indent, trailing newline: stable, so tests and scripts can diff it. Table: aligned plain text,
// one row per entry (ID CLOUD STATUS CATEGORY KIND PORTS DESTINATION; PORTS as ports_text), header first.
std::string to_json(const std::vector<Entry>& entries);
std::string to_table(const std::vector<Entry>& entries);
std::string to_json(const Diff& diff);
std::string to_table(const Diff& diff);
// One entry as a JSON object (same field order as to_json).
std::string entry_to_json(const Entry& entry);
// "tcp/443", "udp+tcp/53", "tcp/80,32526".
std::string ports_text(const Entry& entry);
// The destination as one line: the pattern for names, "alt | alt | ..." for network rows.
std::string destination_text(const Entry& entry);

// Fills {placeholders} in a template ("*.hcp.{location}.azmk8s.io"). A placeholder absent from
// `vars`, an empty name or an unbalanced brace is an error naming it; unused vars are fine.
Result<std::string> expand(std::string_view tmpl, const std::map<std::string, std::string>& vars);
// The placeholder names a template uses, in order of appearance, without duplicates.
std::vector<std::string> placeholders_of(std::string_view tmpl);

} // namespace egress::catalog
