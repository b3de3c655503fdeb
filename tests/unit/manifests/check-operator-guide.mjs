// The commands of docs/operator-guide.md run as written and print what the guide says:
//  - the jq filters of "Reading the deny log", on a `kubectl logs` stream that mixes egressd's own
//    log lines with deny lines (the guide's two example lines), with `kubectl logs` replaced by
//    that stream;
//  - the node check of "Prerequisites" (the command after `chroot /host`), run in a private mount
//    namespace with a cgroup2 and a bpffs mounted where a node has them (root only);
//  - the servicetags extract of "Adding rules", on Microsoft's real public file (../shared).
// Usage: node check-operator-guide.mjs /path/to/egressctl
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { sourceDir } from "./lib/paths.mjs";

const egressctl = process.argv[2];
const guide = fs.readFileSync(path.join(sourceDir, "docs/operator-guide.md"), "utf8");
const inCi = process.env.CI === "true";
const have = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

// Shell code blocks of the guide, continuation lines joined into one command each.
function commands() {
	const out = [];
	for (const block of guide.matchAll(/```sh\n([\s\S]*?)```/g)) {
		let cur = "";
		for (const line of block[1].split("\n")) {
			if (!cur && (line.startsWith("#") || !line.trim()))
				continue;
			cur += line.replace(/\\$/, "") + (line.endsWith("\\") ? "" : "\n");
			if (!line.endsWith("\\") && !line.trimEnd().endsWith("|")) {
				out.push(cur.trim());
				cur = "";
			}
		}
	}
	return out;
}

function tmpdir(t) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aeg-guide-"));
	t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
	return dir;
}

test("the jq filters tell egressd's log lines from deny lines", { skip: !have("jq") && !inCi && "jq not installed" }, (t) => {
	const denies = /```json\n([\s\S]*?)```/.exec(guide)[1].trim().split("\n");
	assert.equal(denies.length, 2, "the guide's two example deny lines");
	const own = /`(info egressd: policy generation[^`]*)`/.exec(guide.replace(/\n/g, " "))[1];
	const stream = [own, denies[0], "warn egressd: config key uplink changed: it takes effect at the next restart",
		denies[1], "error egressd: reload (inotify) failed, generation 2 stays enforced: {oops}"].join("\n") + "\n";
	const file = path.join(tmpdir(t), "kubectl-logs.txt");
	fs.writeFileSync(file, stream);
	const logs = commands().filter((c) => c.startsWith("kubectl -n aks-egress-guard logs") && c.includes("|"));
	assert.equal(logs.length, 3, logs.join("\n---\n"));
	const run = (c) => {
		const pipeline = `cat ${file} |${c.slice(c.indexOf("|") + 1)}`;
		const r = spawnSync("bash", ["-o", "pipefail", "-c", pipeline], { encoding: "utf8" });
		assert.equal(r.status, 0, `${pipeline}\n${r.stderr}`);
		return r.stdout;
	};
	const grouped = run(logs[0]);
	assert.match(grouped, /^\s+1 github\.com:443\/tcp no_rule$/m);
	assert.match(grouped, /^\s+1 8\.8\.8\.8:0\/icmp raw$/m);
	assert.equal(grouped.trim().split("\n").length, 2, grouped);
	const node = run(logs[1]).trim().split("\n");
	assert.equal(node.length, 1, "only the host process's line");
	assert.equal(JSON.parse(node[0]).pod, null);
	const ownLines = run(logs[2]).trim().split("\n");
	assert.equal(ownLines.length, 3);
	assert.ok(ownLines.every((l) => /^(info|warn|error) egressd: /.test(l)), ownLines.join("\n"));
});

test("the node check prints the kernel, cgroup2fs and bpf_fs", (t) => {
	if (process.getuid() !== 0 || !have("unshare")) {
		if (inCi)
			assert.fail("needs root and unshare in CI");
		t.skip("needs root (a private mount namespace)");
		return;
	}
	const check = commands().find((c) => c.startsWith("kubectl debug node/") && c.includes("chroot /host"));
	assert.ok(check, "the Prerequisites node check");
	const inner = /chroot \/host sh -c '([^']*)'/.exec(check)[1];
	// A node's mounts, in a namespace of our own: nothing outside it changes.
	const r = spawnSync("unshare", ["-m", "sh", "-c",
		`mount --make-rprivate / && mount -t cgroup2 none /sys/fs/cgroup && mount -t bpf bpf /sys/fs/bpf && sh -c '${inner}'`],
	{ encoding: "utf8" });
	assert.equal(r.status, 0, r.stderr);
	const lines = r.stdout.trim().split("\n");
	assert.match(lines[0], /^\d+\.\d+/, "uname -r");
	assert.deepEqual(lines.slice(1), ["cgroup2fs", "bpf_fs"]);
});

test("the servicetags extract of the guide runs on Microsoft's file", (t) => {
	const real = path.resolve(sourceDir, "../shared/reference/service-tags/ServiceTags_Public_20250728.json");
	if (!fs.existsSync(real)) {
		if (inCi)
			assert.fail(`${real} is missing: CI must have ../shared beside the clone`);
		t.skip("../shared not present");
		return;
	}
	const extract = commands().find((c) => c.startsWith("egressctl servicetags extract"));
	assert.ok(extract);
	const dir = tmpdir(t);
	fs.mkdirSync(path.join(dir, "my-cluster"));
	fs.copyFileSync(real, path.join(dir, "ServiceTags_Public_20250728.json"));
	const r = spawnSync("bash", ["-c", extract.replace(/^egressctl /, `${egressctl} `)], { cwd: dir, encoding: "utf8" });
	assert.equal(r.status, 0, r.stderr);
	const slim = JSON.parse(fs.readFileSync(path.join(dir, "my-cluster/service-tags.json"), "utf8"));
	assert.deepEqual(slim.values.map((v) => v.name).sort(), ["AzureCloud.westeurope", "AzureMonitor"]);
});
