// Strategic merge patch, the subset kustomize applies for the patches in manifests/: maps merge
// key by key, `null` deletes a key, lists of objects with a known merge key (containers by name,
// volumeMounts by mountPath ...) merge element by element, every other list is replaced.
// Directives this subset does not implement ($patch, $setElementOrder, $retainKeys ...) are
// refused rather than silently mis-applied.

// Merge keys of the Kubernetes types used here (from the API's x-kubernetes-patch-merge-key).
const kMergeKeys = {
	containers: "name",
	initContainers: "name",
	ephemeralContainers: "name",
	volumes: "name",
	volumeMounts: "mountPath",
	volumeDevices: "devicePath",
	env: "name",
	ports: "containerPort",
	imagePullSecrets: "name",
	hostAliases: "ip",
};

const isMap = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

export function strategicMerge(base, patch, path = "") {
	if (!isMap(patch))
		return structuredClone(patch);
	const out = isMap(base) ? structuredClone(base) : {};
	for (const [key, value] of Object.entries(patch)) {
		const where = path ? `${path}.${key}` : key;
		if (key.startsWith("$"))
			throw new Error(`${where}: patch directive ${key} is not supported by this renderer`);
		if (value === null) {
			delete out[key];
		} else if (Array.isArray(value) && kMergeKeys[key] && Array.isArray(out[key])) {
			out[key] = mergeList(out[key], value, kMergeKeys[key], where);
		} else if (isMap(value)) {
			out[key] = strategicMerge(out[key], value, where);
		} else {
			out[key] = structuredClone(value);
		}
	}
	return out;
}

function mergeList(base, patch, mergeKey, where) {
	const out = base.map((e) => structuredClone(e));
	for (const item of patch) {
		if (!isMap(item) || !(mergeKey in item))
			throw new Error(`${where}: every element needs its merge key "${mergeKey}"`);
		const i = out.findIndex((e) => isMap(e) && e[mergeKey] === item[mergeKey]);
		if (i >= 0)
			out[i] = strategicMerge(out[i], item, `${where}[${mergeKey}=${item[mergeKey]}]`);
		else
			out.push(strategicMerge({}, item, where));
	}
	return out;
}
