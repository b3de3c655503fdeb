// DESIGN.md §3: our `*.` is one label, `**.` one or more. Every wildcard row records which of the two
// the docs' `*.` became, and why; a few decisions are pinned here so a silent edit shows up.
#include "catalog_fixture.h"

namespace egress::catalog {
namespace {

TEST(CatalogWildcard, EveryWildcardRowRecordsDepthAndReason) {
	std::size_t wildcards = 0;
	for (const auto& e : test::embedded().entries()) {
		SCOPED_TRACE(e.id);
		if (e.kind == Kind::network) {
			for (const auto& a : e.alternatives)
				for (const auto& p : a.patterns)
					EXPECT_TRUE(p.rfind("**.", 0) == 0 || p.rfind("*.", 0) == 0 ||
					            p.find('*') == std::string::npos)
					    << p;
			continue;
		}
		bool star = e.documented.find('*') != std::string::npos;
		if (star) {
			EXPECT_EQ(e.kind, Kind::wildcard);
		}
		if (e.kind != Kind::wildcard) {
			EXPECT_EQ(e.wildcard, WildcardDepth::none);
			EXPECT_EQ(e.pattern, e.documented);
			continue;
		}
		++wildcards;
		EXPECT_NE(e.wildcard, WildcardDepth::none);
		EXPECT_FALSE(e.wildcard_reason.empty());
		switch (e.wildcard) {
		case WildcardDepth::one_label:
			// Documented as "*.suffix", or as the bare suffix its names sit under
			// (kv-pub-vaults).
			EXPECT_TRUE(e.pattern == e.documented || e.pattern == "*." + e.documented)
			    << e.pattern;
			EXPECT_EQ(e.pattern.rfind("*.", 0), 0u);
			break;
		case WildcardDepth::any_depth:
			EXPECT_TRUE(e.pattern == "*" + e.documented || e.pattern == "**." + e.documented)
			    << e.pattern;
			break;
		case WildcardDepth::label_glob:
			EXPECT_EQ(e.pattern, e.documented);
			break;
		case WildcardDepth::none:
			break;
		}
	}
	EXPECT_EQ(wildcards, 60u); // the reference's 59 wildcard_fqdn rows + kv-pub-vaults
}

TEST(CatalogWildcard, PinnedDecisions) {
	const Catalog& c = test::embedded();
	struct Want {
		const char* id;
		WildcardDepth depth;
		const char* pattern;
	};
	for (const Want& w : {
	         Want{"pub-fqdn-hcp", WildcardDepth::one_label, "*.hcp.{location}.azmk8s.io"},
	         Want{"gov-fqdn-hcp", WildcardDepth::one_label,
	              "*.hcp.{location}.cx.aks.containerservice.azure.us"},
	         Want{"wl-acr-blob", WildcardDepth::one_label, "*.blob.core.windows.net"},
	         Want{"kv-gov", WildcardDepth::one_label, "*.vault.usgovcloudapi.net"},
	         Want{"kv-pub-vaults", WildcardDepth::one_label, "*.vault.azure.net"},
	         Want{"win-mp-wildcard", WildcardDepth::any_depth, "**.mp.microsoft.com"},
	         Want{"pub-fqdn-mcr-data", WildcardDepth::any_depth, "**.data.mcr.microsoft.com"},
	         Want{"cn-fqdn-azk8s", WildcardDepth::any_depth, "**.azk8s.cn"},
	         Want{"mon-pub-08", WildcardDepth::any_depth, "**.ingest.monitor.azure.com"},
	         Want{"pub-info-md-blob", WildcardDepth::label_glob, "md-*.blob.storage.azure.net"},
	     }) {
		const Entry& e = test::must_find(c, w.id);
		EXPECT_EQ(e.wildcard, w.depth) << w.id;
		EXPECT_EQ(e.pattern, w.pattern) << w.id;
	}
	const Entry& tcp22 = test::must_find(c, "pub-legacy-tcp22-tunnel");
	ASSERT_FALSE(tcp22.alternatives.empty());
	EXPECT_EQ(tcp22.alternatives[0].patterns,
	          (std::vector<std::string>{"*.hcp.{location}.azmk8s.io", "*.tun.{location}.azmk8s.io"}));
}

} // namespace
} // namespace egress::catalog
