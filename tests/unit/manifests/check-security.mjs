// The security properties of the rendered DaemonSet, for every overlay: what DESIGN.md §7 and
// manifests/base/daemonset.yaml promise, asserted on what would reach the cluster.
import test from "node:test";
import assert from "node:assert/strict";
import { overlays, renderOverlay, daemonSet, find } from "./lib/repo.mjs";

// The only host paths, each with its type and whether the container may write to it.
const kHostPaths = {
	"/sys/fs/bpf": { type: "Directory", mountPath: "/sys/fs/bpf", readOnly: false },
	"/sys/fs/cgroup": { type: "Directory", mountPath: "/sys/fs/cgroup", readOnly: true },
	"/var/log/pods": { type: "Directory", mountPath: "/var/log/pods", readOnly: true },
	"/sys/kernel/security": { type: "Directory", mountPath: "/sys/kernel/security", readOnly: true },
	"/run/aks-egress-guard": { type: "DirectoryOrCreate", mountPath: "/run/aks-egress-guard", readOnly: false },
	"/var/log/aks-egress-guard": { type: "DirectoryOrCreate", mountPath: "/var/log/aks-egress-guard", readOnly: false },
};
const kCapabilities = ["BPF", "NET_ADMIN", "PERFMON"];

for (const name of overlays) {
	const objects = renderOverlay(name);
	const ds = daemonSet(objects);
	const pod = ds.spec.template.spec;

	test(`${name}: host namespaces, scheduling and identity`, () => {
		assert.equal(pod.hostNetwork, true);
		assert.notEqual(pod.hostPID, true, "hostPID must stay off");
		assert.notEqual(pod.hostIPC, true, "hostIPC must stay off");
		assert.deepEqual(pod.tolerations, [{ operator: "Exists" }], "tolerate every taint");
		assert.equal(pod.priorityClassName, "system-node-critical");
		assert.equal(pod.automountServiceAccountToken, false);
		const sa = find(objects, "ServiceAccount", pod.serviceAccountName);
		assert.equal(sa.automountServiceAccountToken, false);
		assert.ok(!objects.some((o) => /Role/.test(o.kind)), "no RBAC: egressd never calls the API server");
		assert.equal(pod.securityContext?.seccompProfile?.type, "RuntimeDefault");
		assert.equal(ds.spec.updateStrategy.type, "RollingUpdate");
		assert.ok(ds.spec.updateStrategy.rollingUpdate?.maxUnavailable, "maxUnavailable set");
	});

	test(`${name}: every container is unprivileged with exactly the BPF capabilities`, () => {
		for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
			const sc = c.securityContext ?? {};
			assert.notEqual(sc.privileged, true, `${c.name}: privileged`);
			assert.equal(sc.allowPrivilegeEscalation, false, `${c.name}: allowPrivilegeEscalation`);
			assert.equal(sc.readOnlyRootFilesystem, true, `${c.name}: readOnlyRootFilesystem`);
			assert.deepEqual(sc.capabilities?.drop, ["ALL"], `${c.name}: drop ALL`);
			assert.deepEqual([...(sc.capabilities?.add ?? [])].sort(), kCapabilities, `${c.name}: capabilities`);
			assert.ok(!(sc.capabilities.add ?? []).includes("SYS_ADMIN"));
			assert.equal(sc.procMount ?? "Default", "Default");
			assert.notEqual(sc.seccompProfile?.type, "Unconfined", `${c.name}: seccomp`);
			assert.equal(c.resources?.requests?.cpu !== undefined && c.resources?.limits?.memory !== undefined, true,
				`${c.name}: requests and limits`);
		}
	});

	// AppArmor (AKS Ubuntu nodes): the field (Kubernetes 1.30+) and the annotation older clusters
	// read must say the same for every container, and neither may be left to containerd's default
	// profile, which denies pinning below /sys/fs/bpf (tools/vm/apparmor-check.sh proves both).
	test(`${name}: every container's AppArmor profile is set, and field and annotation agree`, () => {
		const annotations = ds.spec.template.metadata?.annotations ?? {};
		const asAnnotation = (p) =>
			({ Unconfined: "unconfined", RuntimeDefault: "runtime/default" })[p?.type] ??
			(p?.type === "Localhost" ? `localhost/${p.localhostProfile}` : undefined);
		for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
			const profile = c.securityContext?.appArmorProfile ?? pod.securityContext?.appArmorProfile;
			assert.ok(profile?.type, `${c.name}: appArmorProfile`);
			assert.notEqual(profile.type, "RuntimeDefault", `${c.name}: containerd's profile denies pinning`);
			assert.equal(annotations[`container.apparmor.security.beta.kubernetes.io/${c.name}`], asAnnotation(profile),
				`${c.name}: annotation`);
		}
	});

	test(`${name}: only the listed host paths, mounted as documented`, () => {
		const volumes = pod.volumes.filter((v) => v.hostPath);
		assert.deepEqual(volumes.map((v) => v.hostPath.path).sort(), Object.keys(kHostPaths).sort());
		const mounts = pod.containers.flatMap((c) => c.volumeMounts ?? []);
		for (const v of volumes) {
			const want = kHostPaths[v.hostPath.path];
			assert.equal(v.hostPath.type, want.type, `${v.hostPath.path}: type`);
			const m = mounts.filter((x) => x.name === v.name);
			assert.equal(m.length, 1, `${v.hostPath.path}: mounted once`);
			assert.equal(m[0].mountPath, want.mountPath);
			assert.equal(m[0].readOnly === true, want.readOnly, `${v.hostPath.path}: readOnly`);
			assert.notEqual(m[0].mountPropagation, "Bidirectional", "Bidirectional needs privileged");
		}
		const other = pod.volumes.filter((v) => !v.hostPath && !v.configMap && !v.emptyDir);
		assert.deepEqual(other, [], "only hostPath, configMap and emptyDir volumes");
	});
}

test("egressd: probes on the metrics port and the documented resources", () => {
	for (const name of ["audit", "enforce"]) {
		const c = daemonSet(renderOverlay(name)).spec.template.spec.containers.find((x) => x.name === "egressd");
		assert.deepEqual(c.livenessProbe.httpGet, { host: "127.0.0.1", path: "/healthz", port: 9464 });
		assert.deepEqual(c.readinessProbe.httpGet, { host: "127.0.0.1", path: "/readyz", port: 9464 });
		assert.deepEqual(c.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } });
		assert.deepEqual(c.args, ["--config", "/etc/aks-egress-guard/config.yaml"]);
		assert.deepEqual(c.env.find((e) => e.name === "NODE_NAME")?.valueFrom, { fieldRef: { fieldPath: "spec.nodeName" } });
	}
});
