// Paths of the repository under test (EGRESS_SOURCE_DIR, set by CMakeLists.txt) and the rendered
// overlays.
import path from "node:path";
import { render } from "./kustomize.mjs";
import { sourceDir } from "./paths.mjs";

export { sourceDir };
export const manifestsDir = path.join(sourceDir, "manifests");
export const overlays = ["audit", "enforce", "uninstall"];

export const renderOverlay = (name) => render(path.join(manifestsDir, "overlays", name));
export const renderBase = () => render(path.join(manifestsDir, "base"));

export function find(objects, kind, name) {
	const o = objects.find((x) => x.kind === kind && (name === undefined || x.metadata?.name === name));
	if (!o)
		throw new Error(`no ${kind}${name ? "/" + name : ""} in the rendered output`);
	return o;
}

export const daemonSet = (objects) => find(objects, "DaemonSet", "aks-egress-guard");
export const egressd = (objects) => daemonSet(objects).spec.template.spec.containers.find((c) => c.name === "egressd");
export const configText = (objects) => find(objects, "ConfigMap", "aks-egress-guard-config").data["config.yaml"];
