// The catalog compiled into the binary is byte-for-byte the file in the repo, and renders back to it.
#include <nlohmann/json.hpp>

#include "catalog_fixture.h"

namespace egress::catalog {
namespace {

TEST(CatalogEmbedded, EqualsTheDataFileInTheRepo) {
	std::string file;
	ASSERT_TRUE(test::read_file(EGRESS_CATALOG_DATA_FILE, file)) << EGRESS_CATALOG_DATA_FILE;
	EXPECT_EQ(embedded_json().size(), file.size());
	EXPECT_TRUE(embedded_json() == file) << "rebuild: the embedded catalog is stale";
}

TEST(CatalogEmbedded, LoadsAndEqualsLoadFile) {
	auto from_file = Catalog::load_file(EGRESS_CATALOG_DATA_FILE);
	ASSERT_TRUE(from_file.ok()) << from_file.error().to_string();
	const Catalog& c = test::embedded();
	ASSERT_EQ(c.entries().size(), from_file->entries().size());
	EXPECT_GE(c.entries().size(), 186u);
	EXPECT_EQ(to_json(c.entries()), to_json(from_file->entries()));
	EXPECT_EQ(c.schema(), kSchema);
}

TEST(CatalogEmbedded, ToJsonRoundTripsTheDataFileEntries) {
	// The renderer's field order is the data file's: rendering every entry reproduces the file's
	// "entries" array exactly, so `egressctl catalog -o json` output can serve as a catalog again.
	auto file = nlohmann::ordered_json::parse(embedded_json());
	EXPECT_EQ(to_json(test::embedded().entries()), file["entries"].dump(2) + "\n");
}

} // namespace
} // namespace egress::catalog
