// docs/metrics.md is the contract dashboards are built on: its table lists exactly the families
// egressd declares, and the `map` label values it names are exactly the maps the daemon reports
// (the name of every kernel::kMaps entry with reports_fill, without the "egress_" prefix).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "audit/exposition_parser.h"
#include "audit/metrics.h"
#include "kernel/maps.h"

namespace {

using namespace egress;

std::string metrics_md() {
	std::ifstream in(std::string(EGRESS_SOURCE_DIR) + "/docs/metrics.md");
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

TEST(MetricsDocs, TheTableListsExactlyTheDeclaredFamilies) {
	std::string doc = metrics_md();
	ASSERT_FALSE(doc.empty());
	std::set<std::string> documented;
	std::regex row(R"(\n\| `(aks_egress_guard_[a-z0-9_]+)` \|)");
	for (auto it = std::sregex_iterator(doc.begin(), doc.end(), row); it != std::sregex_iterator(); ++it)
		documented.insert((*it)[1]);
	auto e = audit::parse_exposition(audit::Metrics().render());
	ASSERT_TRUE(e.ok()) << e.error().to_string();
	std::set<std::string> declared;
	for (const auto& [name, type] : e->types)
		declared.insert(name);
	EXPECT_EQ(documented, declared);
}

TEST(MetricsDocs, MapLabelValuesAreTheReportedMaps) {
	std::set<std::string> reported;
	for (const auto& map : kernel::kMaps)
		if (map.reports_fill) {
			audit::Metrics m;
			m.set_map_fill_ratio(map.name, 0.5);
			auto e = audit::parse_exposition(m.render());
			ASSERT_TRUE(e.ok());
			for (const auto& s : e->samples)
				if (s.name == audit::metric::kMapFillRatio)
					reported.insert(s.labels.at("map"));
		}
	std::string doc = metrics_md();
	auto row = doc.find("| `aks_egress_guard_map_fill_ratio` |");
	ASSERT_NE(row, std::string::npos);
	std::string line = doc.substr(row, doc.find('\n', row) - row);
	auto listed_at = line.find("prefix: ");
	ASSERT_NE(listed_at, std::string::npos) << line;
	std::string listed = line.substr(listed_at, line.find(". Alert") - listed_at);
	std::set<std::string> documented;
	std::regex value(R"(`([a-z0-9_]+)`)");
	for (auto it = std::sregex_iterator(listed.begin(), listed.end(), value);
	     it != std::sregex_iterator(); ++it)
		documented.insert((*it)[1]);
	EXPECT_EQ(documented, reported) << line;
}

} // namespace
