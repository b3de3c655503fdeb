// Offline validation against the Kubernetes API schema, with the npm package kubernetes-models
// (validators generated from the Kubernetes OpenAPI document; the version is pinned in
// package-lock.json). Its validators check types, enums, formats and required fields but, like
// the API server, let unknown fields through; a misspelt `readOnlyRootFilesystem` would then be
// silently ignored by the cluster. So unknown fields are checked separately, against the property
// lists of the same package's type declarations (.d.ts), which are generated from the same schema.
import fs from "node:fs";
import path from "node:path";
import { requireDep } from "./deps.mjs";

const modelsDir = path.dirname(requireDep.resolve("kubernetes-models/package.json"));

// "apps/v1" + "DaemonSet" -> "apps/v1/DaemonSet"; "v1" + "ConfigMap" -> "v1/ConfigMap".
function modelPath(apiVersion, kind) {
	if (typeof apiVersion !== "string" || typeof kind !== "string")
		throw new Error("apiVersion and kind must be strings");
	return `${apiVersion}/${kind}`;
}

// Full validation of a complete object: schema (kubernetes-models) plus unknown fields.
export function validateObject(obj) {
	const errors = [];
	let Model;
	try {
		Model = requireDep(`kubernetes-models/${modelPath(obj.apiVersion, obj.kind)}`)[obj.kind];
	} catch (e) {
		return [`${obj.apiVersion}/${obj.kind}: no schema for this kind (${e.message.split("\n")[0]})`];
	}
	try {
		new Model(obj).validate();
	} catch (e) {
		errors.push(e.message);
	}
	errors.push(...unknownFields(obj));
	return errors;
}

// Unknown-field check only: for partial objects such as strategic-merge patches.
export function unknownFields(obj) {
	const file = path.join(modelsDir, `${modelPath(obj.apiVersion, obj.kind)}.d.ts`);
	if (!fs.existsSync(file))
		return [`${obj.apiVersion}/${obj.kind}: no type declaration ${file}`];
	const errors = [];
	walk(obj, loadInterface(file), obj.kind, errors);
	return errors;
}

function walk(value, iface, where, errors) {
	if (value === null || typeof value !== "object" || Array.isArray(value) || !iface)
		return;
	for (const [key, v] of Object.entries(value)) {
		const type = iface.props.get(key);
		if (type === undefined) {
			errors.push(`${where}.${key}: unknown field`);
			continue;
		}
		checkType(v, type, iface.file, `${where}.${key}`, errors);
	}
}

function checkType(v, type, fromFile, where, errors) {
	type = type.trim();
	const arr = /^Array<(.*)>$/s.exec(type);
	if (arr) {
		if (Array.isArray(v))
			v.forEach((e, i) => checkType(e, arr[1], fromFile, `${where}[${i}]`, errors));
		return;
	}
	const map = /^\{\s*\[key: string\]:\s*(.*?);?\s*\}$/s.exec(type);
	if (map) {
		if (v && typeof v === "object")
			for (const [k, e] of Object.entries(v))
				checkType(e, map[1], fromFile, `${where}.${k}`, errors);
		return;
	}
	if (/^I[A-Za-z0-9]+$/.test(type))
		walk(v, resolveType(type, fromFile), where, errors);
	// Anything else is a primitive, a literal union or an alias (IntOrString, Quantity): a leaf.
}

const cache = new Map();

// The interface a type name imported by `fromFile` refers to, or null for a non-interface alias.
function resolveType(name, fromFile) {
	const text = fs.readFileSync(fromFile, "utf8");
	const imp = new RegExp(`import \\{[^}]*\\b${name}\\b[^}]*\\} from "([^"]+)"`).exec(text);
	let target;
	if (imp) {
		const spec = imp[1];
		target = spec.startsWith(".") ? path.join(path.dirname(fromFile), spec) : requireDep.resolve(spec).replace(/\.js$/, "");
		target += ".d.ts";
	} else {
		target = fromFile; // declared in the same file
	}
	return fs.existsSync(target) ? loadInterface(target) : null;
}

// Parses the first `export interface I... { ... }` of a .d.ts into its property names and types.
function loadInterface(file) {
	if (cache.has(file))
		return cache.get(file);
	const text = fs.readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
	const head = /export interface (\w+)(?: extends ([\w, ]+))? \{/.exec(text);
	if (!head) {
		cache.set(file, null);
		return null;
	}
	const props = new Map();
	if (head[2] && /\bTypeMeta\b/.test(head[2])) {
		props.set("apiVersion", "string");
		props.set("kind", "string");
	}
	let i = head.index + head[0].length;
	const re = /\s*"([^"]+)"\??:\s*/y;
	for (;;) {
		re.lastIndex = i;
		const m = re.exec(text);
		if (!m)
			break;
		let j = re.lastIndex, depth = 0;
		while (j < text.length && !(depth === 0 && text[j] === ";")) {
			if ("{<(".includes(text[j])) depth++;
			if ("}>)".includes(text[j])) depth--;
			j++;
		}
		props.set(m[1], text.slice(re.lastIndex, j));
		i = j + 1;
	}
	const iface = { file, props };
	cache.set(file, iface);
	return iface;
}
