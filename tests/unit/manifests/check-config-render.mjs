// The config shipped in the ConfigMaps is loaded by the real parser: `egressctl render` must accept
// the audit and enforce configs once the operator has set the location, and must refuse the
// placeholder, naming the key. Usage: node check-config-render.mjs /path/to/egressctl
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { renderOverlay, configText, sourceDir } from "./lib/repo.mjs";

const egressctl = process.argv[2];

function render(text, t) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aeg-cfg-"));
	t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
	const file = path.join(dir, "config.yaml");
	fs.writeFileSync(file, text);
	return spawnSync(egressctl, ["render", "--config", file], { encoding: "utf8" });
}

for (const name of ["audit", "enforce"]) {
	test(`${name} config loads once location is set`, (t) => {
		const text = configText(renderOverlay(name)).replace(/^location: .*$/m, "location: eastus");
		const r = render(text, t);
		assert.equal(r.status, 0, `egressctl render failed:\n${r.stderr}`);
	});
	test(`${name} config with the placeholder location is refused`, (t) => {
		const r = render(configText(renderOverlay(name)), t);
		assert.equal(r.status, 3, `expected exit 3 (bad input), got ${r.status}\n${r.stdout}${r.stderr}`);
		assert.match(r.stderr, /location/);
	});
}

test("the operator guide's minimal config loads", (t) => {
	const guide = fs.readFileSync(path.join(sourceDir, "docs/operator-guide.md"), "utf8");
	const config = /```yaml\n(cloud: AzureCloud\n[\s\S]*?)```/.exec(guide);
	assert.ok(config, "the Install section's config example");
	const r = render(config[1], t);
	assert.equal(r.status, 0, `egressctl render failed:\n${r.stderr}`);
});
