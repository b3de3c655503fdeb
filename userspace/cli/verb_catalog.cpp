// egressctl catalog: the built-in (or --catalog) requirement rows, filtered, or the diff between
// two documentation editions.
#include "catalog/catalog.h"
#include "cli/inputs.h"
#include "cli/output.h"
#include "cli/verb.h"

namespace egress::cli {

namespace {

struct CatalogArgs {
	std::string cloud;
	std::string edition;
	std::string status;
	std::vector<std::string> categories;
	std::vector<std::string> features;
	bool certain_only = false;
	std::string diff;
	std::string format = "table";
};

int run_catalog(const CatalogArgs& a, const Globals& globals) {
	catalog::Filter filter;
	if (!a.cloud.empty() && a.cloud != "all") {
		auto c = catalog::parse_cloud(a.cloud);
		if (!c)
			return fail(kExitUsage, "--cloud: \"" + a.cloud + "\": expected " +
			                            catalog::cloud_names() + " or all");
		filter.cloud = *c;
	}
	if (!a.edition.empty()) {
		auto e = catalog::parse_edition(a.edition);
		if (!e)
			return fail(kExitUsage, "--edition: \"" + a.edition +
			                            "\": expected current, 2020, 2019 or cn-2024");
		filter.edition = *e;
	}
	if (!a.status.empty()) {
		auto s = catalog::parse_status(a.status);
		if (!s)
			return fail(kExitUsage, "--status: \"" + a.status + "\": expected current or legacy");
		filter.status = *s;
	}
	for (const auto& c : a.categories)
		if (!catalog::valid_category(c))
			return fail(kExitUsage,
			            "--category: \"" + c + "\": not a catalog category (see docs/cli.md)");
	filter.categories = a.categories;
	filter.features = a.features;
	filter.include_uncertain = !a.certain_only;

	auto cat = load_catalog(globals);
	if (!cat.ok())
		return fail(kExitBadInput, cat.error());

	std::string text;
	if (!a.diff.empty()) {
		auto colon = a.diff.find(':');
		auto from = catalog::parse_edition(a.diff.substr(0, colon));
		auto to = colon == std::string::npos ? std::nullopt
		                                     : catalog::parse_edition(a.diff.substr(colon + 1));
		if (!from || !to)
			return fail(kExitUsage,
			            "--diff: \"" + a.diff + "\": expected FROM:TO, e.g. 2020:current");
		auto diff = cat->diff(*from, *to, filter.cloud.value_or(catalog::Cloud::all));
		text = a.format == "json" ? catalog::to_json(diff) : catalog::to_table(diff);
	} else {
		auto rows = cat->select(filter);
		text = a.format == "json" ? catalog::to_json(rows) : catalog::to_table(rows);
	}
	auto st = write_output("", text);
	return st.ok() ? kExitOk : fail(kExitFailure, st.error());
}

} // namespace

VerbRun setup_catalog(CLI::App& command, const Globals& globals) {
	auto a = std::make_shared<CatalogArgs>();
	command.add_option("--cloud", a->cloud,
	                   catalog::cloud_names() +
	                       " or all (rows of the cloud plus the cloud-independent ones)");
	command.add_option("--edition", a->edition,
	                   "Rows of a documentation edition: current, 2020, 2019, cn-2024");
	command.add_option("--status", a->status, "current or legacy");
	command
	    .add_option(
	        "--category", a->categories,
	        "Only these categories (repeatable): required, conditional, recommended, platform-local, "
	        "feature:<name>, ...")
	    ->allow_extra_args(false);
	command
	    .add_option("--feature", a->features,
	                "Only rows of this feature (repeatable): gpu, windows, monitor, ...")
	    ->allow_extra_args(false);
	command.add_flag("--certain", a->certain_only, "Leave out rows marked uncertain");
	command.add_option("--diff", a->diff,
	                   "Rows added, removed or changed between two editions, e.g. 2020:current");
	command.add_option("-o,--output", a->format, "Output format")
	    ->check(CLI::IsMember({"table", "json"}))
	    ->capture_default_str();
	return [a, &globals]() { return run_catalog(*a, globals); };
}

} // namespace egress::cli
