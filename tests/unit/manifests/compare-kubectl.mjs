// The renderer in lib/kustomize.mjs against the real thing: `kubectl kustomize` of every overlay
// must produce the same objects. Registered only when a kubectl is found at configure time.
// Usage: node compare-kubectl.mjs /path/to/kubectl [/path/to/egressctl]
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
// renderer does not have (images, configMapGenerator with behavior: merge): kubectl must render it
// with the image replaced and the guide's overlay added beside the base's config.yaml; and the
// rendered ConfigMap must load the way egressd loads it (`egressctl render --configmap`: its keys
// as the pod's files, overlays merged) with the overlay's keys in force and the rest the base's.
function guideOverlay(t) {
	const guide = fs.readFileSync(path.join(sourceDir, "docs/operator-guide.md"), "utf8");
	const kust = /```yaml\n# my-cluster\/kustomization\.yaml\n([\s\S]*?)```/.exec(guide);
	const overlay = /```yaml\n# my-cluster\/config\.50-cluster\.yaml\n([\s\S]*?)```/.exec(guide);
	assert.ok(kust && overlay, "the Install section's two examples");
	const root = fs.mkdtempSync(path.join(os.tmpdir(), "aeg-guide-"));
	t.after(() => fs.rmSync(root, { recursive: true, force: true }));
	fs.mkdirSync(path.join(root, "my-cluster"));
	fs.symlinkSync(sourceDir, path.join(root, "aks-egress-guard"));
	fs.writeFileSync(path.join(root, "my-cluster/kustomization.yaml"), kust[1]);
	fs.writeFileSync(path.join(root, "my-cluster/config.50-cluster.yaml"), overlay[1]);
	const r = spawnSync(kubectl, ["kustomize", "--load-restrictor", "LoadRestrictionsNone", path.join(root, "my-cluster")],
		{ encoding: "utf8" });
	assert.equal(r.status, 0, r.stderr);
	return { rendered: r.stdout, overlay: overlay[1] };
}

test("the operator guide's own-overlay example renders", (t) => {
	const { rendered, overlay } = guideOverlay(t);
	const objects = YAML.parseAllDocuments(rendered).map((d) => d.toJS());
	const cm = objects.find((o) => o.kind === "ConfigMap");
	const base = renderBase().find((o) => o.kind === "ConfigMap");
	assert.equal(cm.data["config.yaml"], base.data["config.yaml"], "the base's config.yaml, not a copy");
	assert.equal(cm.data["config.50-cluster.yaml"], overlay);
	assert.ok(cm.data["config.10-mode.yaml"], "the audit overlay's key is kept (behavior: merge)");
	const ds = objects.find((o) => o.kind === "DaemonSet");
	assert.match(ds.spec.template.spec.containers[0].image, /^myregistry\.azurecr\.io\/aks-egress-guard:0\.1\.0$/);
});

// Every overlay as kubectl renders it, loaded through the real config loader.
const egressctl = process.argv[3];
const effective = (manifests) => {
	const r = spawnSync(egressctl, ["render", "--configmap", "-", "-o", "config"], { input: manifests, encoding: "utf8" });
	return r;
};

test("kubectl-rendered overlays load: the guide's cluster overlay over overlays/audit", { skip: !egressctl }, (t) => {
	const r = effective(guideOverlay(t).rendered);
	assert.equal(r.status, 0, r.stderr);
	const c = JSON.parse(r.stdout);
	assert.equal(c.location, "westeurope");
	assert.deepEqual(c.features, ["monitor"]);
	assert.equal(c.apiServer.fqdn, "myaks-dns-12345678.hcp.westeurope.azmk8s.io");
	assert.equal(c.mode, "audit", "from overlays/audit's config.10-mode.yaml");
	assert.equal(c.pinPath, "/sys/fs/bpf/aks-egress-guard", "from the base");
});

test("the guide's offline check against the rendered overlay exits with the verdict", { skip: !egressctl }, (t) => {
	const { rendered } = guideOverlay(t);
	const check = (dest) => spawnSync(egressctl, ["check", dest, "--configmap", "-"], { input: rendered, encoding: "utf8" });
	const denied = check("github.com:443");
	assert.equal(denied.status, 1, denied.stdout + denied.stderr);
	const allowed = check("mcr.microsoft.com:443");
	assert.equal(allowed.status, 0, allowed.stdout + allowed.stderr);
	const api = check("myaks-dns-12345678.hcp.westeurope.azmk8s.io:443");
	assert.equal(api.status, 0, "the overlay's apiServer.fqdn is allowed on 443\n" + api.stdout);
});

for (const name of ["audit", "enforce"]) {
	test(`kubectl-rendered overlays/${name} loads with its mode, and refuses the placeholder`, { skip: !egressctl }, () => {
		const r = spawnSync(kubectl, ["kustomize", path.join(manifestsDir, "overlays", name)], { encoding: "utf8" });
		assert.equal(r.status, 0, r.stderr);
		const refused = effective(r.stdout);
		assert.equal(refused.status, 3, refused.stdout);
		assert.match(refused.stderr, /config\.yaml: location: "set-me-to-the-cluster-region"/);
		// The same manifests with one more key, as an operator's overlay adds it.
		const docs = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS());
		docs.find((o) => o.kind === "ConfigMap").data["config.50-cluster.yaml"] = "location: francecentral\n";
		const loaded = effective(docs.map((d) => YAML.stringify(d)).join("---\n"));
		assert.equal(loaded.status, 0, loaded.stderr);
		const c = JSON.parse(loaded.stdout);
		assert.equal(c.mode, name);
		assert.equal(c.location, "francecentral");
	});
}
