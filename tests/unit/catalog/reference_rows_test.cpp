// Every row of ../shared/reference/aks-egress-catalog.reference.json must be in the catalog with the
// same facts. The reference is outside the repo: without it the test skips locally but FAILS in CI
// (CI=true), so a checkout that lost ../shared cannot pass silently.
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "catalog_fixture.h"

namespace egress::catalog {
namespace {

using nlohmann::json;

bool in_ci() {
	const char* ci = std::getenv("CI");
	return ci && std::string(ci) == "true";
}

json load_reference() {
	std::string text;
	if (!test::read_file(EGRESS_REFERENCE_JSON, text))
		return json();
	return json::parse(text);
}

std::string kind_of(const json& r) {
	auto k = r["kind"].get<std::string>();
	return k == "wildcard_fqdn" ? "wildcard" : k;
}

std::vector<Protocol> protocols_of(const json& r) {
	auto p = r["protocol"].get<std::string>();
	if (p == "TCP")
		return {Protocol::tcp};
	if (p == "UDP")
		return {Protocol::udp};
	if (p == "UDP+TCP")
		return {Protocol::udp, Protocol::tcp};
	ADD_FAILURE() << "unexpected reference protocol " << p;
	return {};
}

std::set<std::string> editions_of(const json& r) {
	std::set<std::string> out;
	for (const auto& e : r["editions"]) {
		auto tag = e.get<std::string>().substr(0, e.get<std::string>().find(' '));
		if (tag == "seed-003")
			out.insert("2019");
		else if (tag == "seed-000" || tag == "seed-001")
			out.insert("2020");
		else if (tag == "seed-002")
			out.insert("cn-2024");
		else if (tag == "current")
			out.insert("current");
		else
			ADD_FAILURE() << "unexpected reference edition " << tag;
	}
	return out;
}

class CatalogReference : public ::testing::Test {
protected:
	void SetUp() override {
		ref_ = load_reference();
		if (ref_.is_null()) {
			if (in_ci())
				FAIL() << "reference file " << EGRESS_REFERENCE_JSON
				       << " is missing: CI must have ../shared beside the clone";
			GTEST_SKIP() << "reference file " << EGRESS_REFERENCE_JSON << " not present (not CI)";
		}
	}
	json ref_;
};

TEST_F(CatalogReference, ReferenceHasAll195Rows) {
	EXPECT_EQ(ref_["entries"].size(), 195u);
}

TEST_F(CatalogReference, EveryReferenceRowIsInTheCatalogWithTheSameFacts) {
	const Catalog& c = test::embedded();
	std::size_t checked = 0;
	for (const auto& r : ref_["entries"]) {
		const std::string id = r["id"].get<std::string>();
		SCOPED_TRACE("reference row " + id);
		const Entry* e = c.find(id);
		if (!e) {
			ADD_FAILURE() << "reference row " << id << " is missing from the catalog";
			continue;
		}
		EXPECT_EQ(to_string(e->cloud), r["cloud"].get<std::string>());
		EXPECT_EQ(to_string(e->status), r["status"].get<std::string>());
		EXPECT_EQ(e->category, r["category"].get<std::string>());
		EXPECT_EQ(to_string(e->kind), kind_of(r));
		EXPECT_EQ(e->ports, r["ports"].get<std::vector<std::uint16_t>>());
		EXPECT_EQ(e->protocols, protocols_of(r));
		EXPECT_EQ(e->uncertain, r["uncertain"].get<bool>());
		std::set<std::string> eds;
		for (Edition ed : e->editions)
			eds.insert(std::string(to_string(ed)));
		EXPECT_EQ(eds, editions_of(r));
		auto ph = r["placeholders"].get<std::vector<std::string>>();
		EXPECT_EQ(std::set<std::string>(e->placeholders.begin(), e->placeholders.end()),
		          std::set<std::string>(ph.begin(), ph.end()));
		EXPECT_EQ(e->sources, r["source"].get<std::vector<std::string>>());
		if (r["destination"].is_string()) {
			EXPECT_EQ(e->documented, r["destination"].get<std::string>());
		} else {
			const auto& alts = r["destination"];
			ASSERT_EQ(e->alternatives.size(), alts.size());
			for (std::size_t i = 0; i < alts.size(); ++i) {
				EXPECT_EQ(to_string(e->alternatives[i].type),
				          alts[i]["type"].get<std::string>());
				EXPECT_EQ(e->alternatives[i].value, alts[i]["value"].get<std::string>());
				EXPECT_EQ(e->alternatives[i].known_after_cluster_creation,
				          alts[i].value("known_after_cluster_creation", false));
			}
		}
		for (const auto& [event, text] : r["history"].items()) {
			auto date = text.get<std::string>().substr(0, 10);
			bool found = false;
			for (const auto& h : e->history)
				found = found || (h.event == event && h.date == date);
			EXPECT_TRUE(found) << "history event " << event << " " << date;
			if (event == "added") {
				EXPECT_EQ(e->added, date);
			}
			if (event == "removed") {
				EXPECT_EQ(e->removed, date);
			}
		}
		++checked;
	}
	EXPECT_EQ(checked, ref_["entries"].size());
}

TEST_F(CatalogReference, EveryReferenceSourceIdResolves) {
	const Catalog& c = test::embedded();
	for (const auto& [id, _] : ref_["sources"].items())
		EXPECT_TRUE(c.sources().count(id)) << id;
	for (const auto& [name, _] : ref_["placeholders"].items())
		EXPECT_TRUE(c.placeholders().count(name)) << name;
}

} // namespace
} // namespace egress::catalog
