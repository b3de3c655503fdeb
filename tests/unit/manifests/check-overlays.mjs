// What the overlays change and what they must keep: audit and enforce add only the config overlay
// config.10-mode.yaml (mode, failMode) and leave the base's config.yaml alone; the config agrees with the DaemonSet's mounts and probes;
// the uninstall overlay runs the right command and turns ready only on a clean node; the
// operator's guide documents the removal in the order that never leaves a node locked.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { requireDep } from "./lib/deps.mjs";
import { sourceDir, renderBase, renderOverlay, daemonSet, egressd, configText, find } from "./lib/repo.mjs";

const YAML = requireDep("yaml");
const base = renderBase();
const baseText = configText(base);
const baseConfig = YAML.parse(baseText);

const configData = (objects) => find(objects, "ConfigMap", "aks-egress-guard-config").data;

test("audit and enforce add only the mode overlay to the base's config", () => {
	for (const [name, mode] of [["audit", "audit"], ["enforce", "enforce"]]) {
		const data = configData(renderOverlay(name));
		assert.equal(data["config.yaml"], baseText, `overlays/${name} must not copy or change config.yaml`);
		assert.deepEqual(Object.keys(data).sort(), ["config.10-mode.yaml", "config.yaml"]);
		const overlay = YAML.parse(data["config.10-mode.yaml"]);
		assert.deepEqual(Object.keys(overlay).sort(), ["failMode", "mode"], `${name}: the overlay sets one concern`);
		assert.equal(overlay.mode, mode);
		assert.match(overlay.failMode, /^(open|closed)$/, `${name}: failMode written explicitly`);
	}
	assert.equal(baseConfig.mode, "audit", "the base never enforces");
	assert.equal(YAML.parse(configData(renderOverlay("enforce"))["config.10-mode.yaml"]).failMode, "open",
		"enforce ships the fail-open safety net (operator-guide: Switching to enforce)");
});

test("the base config leaves the location to the operator and lists only documented keys", () => {
	assert.equal(baseConfig.cloud, "AzureCloud");
	assert.doesNotMatch(String(baseConfig.location), /^[a-z0-9]+$/,
		"the placeholder must not be a valid region: egressd must refuse it until set");
	const reference = fs.readFileSync(path.join(sourceDir, "docs/config.md"), "utf8");
	for (const key of Object.keys(baseConfig))
		assert.match(reference, new RegExp("\\| `" + key + "(\\.|`)"), `config key ${key} is not in docs/config.md`);
});

test("config and DaemonSet agree: pins, socket, probes", () => {
	const c = egressd(base);
	const mounts = Object.fromEntries(c.volumeMounts.map((m) => [m.mountPath, m]));
	assert.ok(baseConfig.pinPath.startsWith("/sys/fs/bpf/") && mounts["/sys/fs/bpf"], "pinPath inside the bpffs mount");
	assert.ok(mounts[path.dirname(baseConfig.controlSocket)], "control socket directory is the host mount");
	const port = Number(baseConfig.metrics.listen.split(":").pop());
	assert.equal(c.livenessProbe.httpGet.port, port);
	assert.equal(c.readinessProbe.httpGet.port, port);
	assert.equal(c.ports.find((p) => p.name === "metrics").containerPort, port);
	assert.match(baseConfig.metrics.listen, /^(127\.0\.0\.1|0\.0\.0\.0|):/, "the probes use 127.0.0.1");
	const mountedConfig = c.volumeMounts.find((m) => m.name === "config").mountPath;
	assert.equal(c.args[c.args.indexOf("--config") + 1], `${mountedConfig}/config.yaml`);
});

test("uninstall overlay: egressctl uninstall on every node, ready only when clean", () => {
	const ds = daemonSet(renderOverlay("uninstall"));
	const c = ds.spec.template.spec.containers.find((x) => x.name === "egressd");
	// No shell in the image: egressctl runs directly, idles only after a successful uninstall
	// (a failure exits non-zero and the container retries), and is its own readiness check.
	assert.deepEqual(c.command, ["/usr/local/bin/egressctl", "uninstall", "--pins", baseConfig.pinPath, "--idle"]);
	assert.equal(c.args, undefined, "egressd's arguments are gone");
	assert.equal(c.livenessProbe, undefined);
	assert.equal(c.readinessProbe.httpGet, undefined);
	assert.deepEqual(c.readinessProbe.exec.command,
		["/usr/local/bin/egressctl", "uninstall", "--pins", baseConfig.pinPath, "--check"]);
	assert.equal(ds.spec.updateStrategy.rollingUpdate.maxUnavailable, "100%");
	assert.equal(c.image, egressd(base).image, "the uninstaller is the same image");
	assert.ok(!c.lifecycle?.preStop, "no preStop: upgrades must not uninstall");
	for (const o of renderOverlay("uninstall"))
		assert.doesNotMatch(JSON.stringify(o), /\/bin\/sh/, "the image has no shell");
});

test("the operator's guide documents removal in the safe order", () => {
	const guide = fs.readFileSync(path.join(sourceDir, "docs/operator-guide.md"), "utf8");
	const steps = [
		"kubectl apply -k manifests/overlays/uninstall",
		"kubectl -n aks-egress-guard rollout status daemonset/aks-egress-guard",
		"kubectl delete -k manifests/overlays/uninstall",
	];
	let at = guide.indexOf("## Uninstalling");
	assert.ok(at >= 0, "a section named Uninstalling");
	for (const s of steps) {
		const i = guide.indexOf(s, at);
		assert.ok(i > at, `"${s}" missing or out of order in docs/operator-guide.md`);
		at = i;
	}
	for (const [file, text] of [["manifests/overlays/uninstall/kustomization.yaml", null], ["manifests/README.md", null]]) {
		const t = text ?? fs.readFileSync(path.join(sourceDir, file), "utf8");
		for (const s of [steps[0], steps[2]])
			assert.ok(t.includes(s), `${file} shows ${s}`);
	}
});
