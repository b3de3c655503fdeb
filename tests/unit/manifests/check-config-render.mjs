// The config shipped in the ConfigMaps is loaded by the real parser: `egressctl render` must accept
// the audit and enforce configs once an operator's overlay sets the location, with the overlay's
// mode in force, and must refuse the placeholder, naming the file and key.
// Usage: node check-config-render.mjs /path/to/egressctl
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { renderOverlay, find, sourceDir } from "./lib/repo.mjs";

const egressctl = process.argv[2];

// The ConfigMap's keys as the pod sees them (one folder), plus `extra` files; egressctl render of
// its config.yaml merges the overlays beside it, as egressd does.
function render(data, t, extra = {}, args = []) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aeg-cfg-"));
	t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
	for (const [key, text] of Object.entries({ ...data, ...extra }))
		fs.writeFileSync(path.join(dir, key), text);
	return spawnSync(egressctl, ["render", "--config", path.join(dir, "config.yaml"), ...args], { encoding: "utf8" });
}

const configData = (objects) => find(objects, "ConfigMap", "aks-egress-guard-config").data;

for (const name of ["audit", "enforce"]) {
	test(`${name} config loads once an overlay sets the location`, (t) => {
		const r = render(configData(renderOverlay(name)), t, { "config.50-cluster.yaml": "location: eastus\n" },
			["-o", "config"]);
		assert.equal(r.status, 0, `egressctl render failed:\n${r.stderr}`);
		const effective = JSON.parse(r.stdout);
		assert.equal(effective.location, "eastus");
		assert.equal(effective.mode, name, "the overlay's mode is in force");
	});
	test(`${name} config with the placeholder location is refused`, (t) => {
		const r = render(configData(renderOverlay(name)), t);
		assert.equal(r.status, 3, `expected exit 3 (bad input), got ${r.status}\n${r.stdout}${r.stderr}`);
		assert.match(r.stderr, /config\.yaml: location/);
	});
}

test("the operator guide's cluster overlay loads over the base", (t) => {
	const guide = fs.readFileSync(path.join(sourceDir, "docs/operator-guide.md"), "utf8");
	const overlay = /```yaml\n# my-cluster\/config\.50-cluster\.yaml\n([\s\S]*?)```/.exec(guide);
	assert.ok(overlay, "the Install section's config.50-cluster.yaml example");
	const r = render(configData(renderOverlay("audit")), t, { "config.50-cluster.yaml": overlay[1] }, ["-o", "config"]);
	assert.equal(r.status, 0, `egressctl render failed:\n${r.stderr}`);
	assert.equal(JSON.parse(r.stdout).location, "westeurope");
});
