// A renderer for exactly the kustomize features manifests/ uses: `resources` (files and
// directories), `namespace`, and `patches` with a `path` to a strategic-merge patch. Anything
// else in a kustomization is an error naming the key, so a new feature cannot slip past the
// tests unrendered. When a real `kubectl` is on PATH, compare-kubectl.mjs checks this renderer
// against `kubectl kustomize` object for object.
import fs from "node:fs";
import path from "node:path";
import { requireDep } from "./deps.mjs";
import { strategicMerge } from "./smp.mjs";

const { parseAllDocuments } = requireDep("yaml");

const kKnownKeys = new Set(["apiVersion", "kind", "namespace", "resources", "patches"]);
// Kinds that have no namespace (kustomize leaves them alone when setting one).
const kClusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "PriorityClass",
	"CustomResourceDefinition", "PersistentVolume", "StorageClass"]);

// Parses every YAML document of a file; duplicate keys and syntax errors throw with the file name.
export function readYamlDocs(file) {
	const text = fs.readFileSync(file, "utf8");
	const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
	const out = [];
	for (const d of docs) {
		if (d.errors.length)
			throw new Error(`${file}: ${d.errors.map((e) => e.message).join("; ")}`);
		const js = d.toJS();
		if (js !== null && js !== undefined)
			out.push(js);
	}
	return out;
}

export const objectId = (o) => `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;

export function render(dir) {
	const kfile = path.join(dir, "kustomization.yaml");
	const [k] = readYamlDocs(kfile);
	if (k.apiVersion !== "kustomize.config.k8s.io/v1beta1" || k.kind !== "Kustomization")
		throw new Error(`${kfile}: expected apiVersion kustomize.config.k8s.io/v1beta1, kind Kustomization`);
	for (const key of Object.keys(k))
		if (!kKnownKeys.has(key))
			throw new Error(`${kfile}: "${key}" is not supported by tests/unit/manifests/lib/kustomize.mjs`);

	let objects = [];
	for (const r of k.resources ?? []) {
		const p = path.join(dir, r);
		if (!fs.existsSync(p))
			throw new Error(`${kfile}: resource ${r} does not exist`);
		objects.push(...(fs.statSync(p).isDirectory() ? render(p) : readYamlDocs(p)));
	}
	if (k.namespace) {
		for (const o of objects)
			if (!kClusterScoped.has(o.kind))
				o.metadata = { ...o.metadata, namespace: k.namespace };
	}
	for (const patch of k.patches ?? []) {
		const extra = Object.keys(patch).filter((key) => key !== "path");
		if (extra.length)
			throw new Error(`${kfile}: patches[].${extra[0]} is not supported (only path)`);
		const file = path.join(dir, patch.path);
		for (const p of readYamlDocs(file)) {
			const matches = objects.filter((o) => o.apiVersion === p.apiVersion && o.kind === p.kind &&
				o.metadata?.name === p.metadata?.name &&
				(p.metadata?.namespace === undefined || o.metadata?.namespace === p.metadata.namespace));
			if (matches.length !== 1)
				throw new Error(`${file}: the patch of ${p.kind}/${p.metadata?.name} matches ${matches.length} objects`);
			const i = objects.indexOf(matches[0]);
			objects[i] = strategicMerge(matches[0], p);
		}
	}
	const seen = new Set();
	for (const o of objects) {
		if (seen.has(objectId(o)))
			throw new Error(`${kfile}: ${objectId(o)} is defined twice`);
		seen.add(objectId(o));
	}
	return objects;
}
