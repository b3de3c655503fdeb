// The renderer in lib/kustomize.mjs against the real thing: `kubectl kustomize` of every overlay
// must produce the same objects. Registered only when a kubectl is found at configure time.
// Usage: node compare-kubectl.mjs /path/to/kubectl
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { requireDep } from "./lib/deps.mjs";
import { objectId } from "./lib/kustomize.mjs";
import { manifestsDir, overlays, renderOverlay, renderBase, sourceDir } from "./lib/repo.mjs";

const YAML = requireDep("yaml");
const kubectl = process.argv[2];

for (const name of ["base", ...overlays]) {
	test(`kubectl kustomize ${name} matches the test renderer`, () => {
		const dir = name === "base" ? path.join(manifestsDir, "base") : path.join(manifestsDir, "overlays", name);
		const r = spawnSync(kubectl, ["kustomize", dir], { encoding: "utf8" });
		assert.equal(r.status, 0, r.stderr);
		const theirs = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS());
		const ours = name === "base" ? renderBase() : renderOverlay(name);
		const byId = (list) => Object.fromEntries(list.map((o) => [objectId(o), o]));
		assert.deepEqual(byId(ours), byId(theirs));
	});
}

// The own-overlay example of docs/operator-guide.md ("Install") uses kustomize features the test
// renderer does not have (images, configMapGenerator): kubectl must render it with the image
// replaced and the guide's config in the ConfigMap.
test("the operator guide's own-overlay example renders", (t) => {
	const guide = fs.readFileSync(path.join(sourceDir, "docs/operator-guide.md"), "utf8");
	const kust = /```yaml\n# my-cluster\/kustomization\.yaml\n([\s\S]*?)```/.exec(guide);
	const config = /```yaml\n(cloud: AzureCloud\n[\s\S]*?)```/.exec(guide);
	assert.ok(kust && config, "the Install section's two examples");
	const root = fs.mkdtempSync(path.join(os.tmpdir(), "aeg-guide-"));
	t.after(() => fs.rmSync(root, { recursive: true, force: true }));
	fs.mkdirSync(path.join(root, "my-cluster"));
	fs.symlinkSync(sourceDir, path.join(root, "aks-egress-guard"));
	fs.writeFileSync(path.join(root, "my-cluster/kustomization.yaml"), kust[1]);
	fs.writeFileSync(path.join(root, "my-cluster/config.yaml"), config[1]);
	const r = spawnSync(kubectl, ["kustomize", "--load-restrictor", "LoadRestrictionsNone", path.join(root, "my-cluster")],
		{ encoding: "utf8" });
	assert.equal(r.status, 0, r.stderr);
	const objects = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS());
	const cm = objects.find((o) => o.kind === "ConfigMap");
	assert.equal(cm.data["config.yaml"], config[1]);
	const ds = objects.find((o) => o.kind === "DaemonSet");
	assert.match(ds.spec.template.spec.containers[0].image, /^myregistry\.azurecr\.io\/aks-egress-guard:0\.1\.0$/);
});
