// docs/catalog-mapping.md must name every category present in the catalog
// (userspace/catalog/data/aks-egress-catalog.json), and every category its table names must exist:
// a new category in the catalog fails this test until the page says where it comes from.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { sourceDir } from "./lib/paths.mjs";

const catalog = JSON.parse(fs.readFileSync(path.join(sourceDir, "userspace/catalog/data/aks-egress-catalog.json"), "utf8"));
const page = fs.readFileSync(path.join(sourceDir, "docs/catalog-mapping.md"), "utf8");
const categories = [...new Set(catalog.entries.map((e) => e.category))].sort();

// The first cell of every row of the mapping table: `category`.
const tableRows = [...page.matchAll(/^\| `([a-z0-9:*-]+)` \|/gm)].map((m) => m[1]);

test("the catalog has categories to map", () => {
	assert.ok(categories.length >= 5, `only ${categories.length} categories`);
	assert.ok(tableRows.length >= categories.length);
});

test("every catalog category has a row in docs/catalog-mapping.md", () => {
	const missing = categories.filter((c) => !tableRows.includes(c));
	assert.deepEqual(missing, [], `categories without a row: ${missing.join(", ")}`);
});

test("every feature of the catalog is mapped", () => {
	for (const f of Object.keys(catalog.features ?? {}))
		assert.ok(tableRows.includes(`feature:${f}`), `feature:${f}`);
});

test("the page names no category the catalog does not have", () => {
	const stale = tableRows.filter((c) => !categories.includes(c));
	assert.deepEqual(stale, [], `rows for categories not in the catalog: ${stale.join(", ")}`);
});
