// Every manifest file, and the rendered output of the base and of each overlay, validated against
// the Kubernetes API schema offline (lib/k8s-schema.mjs). The last cases prove the validator can
// fail: a manifest with a wrong type, a missing required field or a misspelt field must be refused.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { readYamlDocs, render } from "./lib/kustomize.mjs";
import { validateObject, unknownFields } from "./lib/k8s-schema.mjs";
import { manifestsDir, overlays, renderBase, renderOverlay } from "./lib/repo.mjs";

function yamlFiles(dir) {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
		const p = path.join(dir, e.name);
		if (e.isDirectory())
			return yamlFiles(p);
		return /\.ya?ml$/.test(e.name) && e.name !== "kustomization.yaml" ? [p] : [];
	});
}

test("every base manifest is a valid Kubernetes object", () => {
	const files = yamlFiles(path.join(manifestsDir, "base"));
	assert.ok(files.length >= 4, `expected at least 4 manifests, found ${files.length}`);
	for (const f of files)
		for (const o of readYamlDocs(f))
			assert.deepEqual(validateObject(o), [], `${path.relative(manifestsDir, f)}: ${o.kind}`);
});

test("every overlay patch names only real fields", () => {
	const files = yamlFiles(path.join(manifestsDir, "overlays"));
	assert.ok(files.length >= 3);
	for (const f of files)
		for (const o of readYamlDocs(f))
			assert.deepEqual(unknownFields(o), [], path.relative(manifestsDir, f));
});

for (const name of ["base", ...overlays]) {
	test(`kustomize output of ${name} is valid`, () => {
		const objects = name === "base" ? renderBase() : renderOverlay(name);
		assert.deepEqual(objects.map((o) => o.kind).sort(), ["ConfigMap", "DaemonSet", "Namespace", "ServiceAccount"]);
		for (const o of objects) {
			assert.deepEqual(validateObject(o), [], `${name}: ${o.kind}/${o.metadata.name}`);
			if (o.kind !== "Namespace")
				assert.equal(o.metadata.namespace, "aks-egress-guard", `${o.kind} namespace`);
		}
	});
}

test("the validator refuses broken manifests (it can fail)", () => {
	const ds = () => structuredClone(renderBase().find((o) => o.kind === "DaemonSet"));
	const broken = [
		["wrong type", (d) => { d.spec.template.spec.hostNetwork = "true"; }, /must be boolean/],
		["missing required", (d) => { delete d.spec.template.spec.containers[0].name; }, /required property/],
		["bad enum", (d) => { d.spec.template.spec.dnsPolicy = "Host"; }, /must be equal to one of/],
		["misspelt field", (d) => { d.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true; }, /readOnlyRootFileSystem: unknown field/],
		["misspelt deep field", (d) => { d.spec.template.spec.containers[0].livenessProbe.httpGet.paht = "/x"; }, /httpGet\.paht: unknown field/],
		["misspelt metadata", (d) => { d.metadata.lables = {}; }, /metadata\.lables: unknown field/],
	];
	for (const [what, mutate, expected] of broken) {
		const d = ds();
		mutate(d);
		const errors = validateObject(d);
		assert.ok(errors.some((e) => expected.test(e)), `${what}: expected ${expected}, got ${JSON.stringify(errors)}`);
	}
});

test("the renderer refuses kustomize features it does not implement", (t) => {
	const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "aeg-kust-"));
	t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
	fs.writeFileSync(path.join(dir, "kustomization.yaml"),
		"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n  - name: x\n");
	assert.throws(() => render(dir), /"images" is not supported/);
});
