// The Dockerfile's structure (no Docker engine runs in CI): the build stage (Debian bookworm) uses
// tools/install-deps.sh and builds only egressd and egressctl; the library stage installs only
// runtime libraries and collects the binaries with their closure (tools/image/image-root.sh, the
// script tools/build-image.sh uses too); the runtime stage is that closure on scratch, with OCI
// labels and PATH, and starts egressd on the ConfigMap's file.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { sourceDir } from "./lib/paths.mjs";

// Instructions with their continuation lines joined, comments dropped.
function instructions(text) {
	const out = [];
	let cur = "";
	for (const raw of text.split("\n")) {
		if (/^\s*#/.test(raw) && !cur)
			continue;
		const line = raw.replace(/\s+$/, "");
		if (line.endsWith("\\")) {
			cur += line.slice(0, -1) + " ";
			continue;
		}
		cur += line;
		if (cur.trim()) {
			const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(cur);
			out.push({ op: m[1].toUpperCase(), args: m[2].trim() });
		}
		cur = "";
	}
	return out;
}

const text = fs.readFileSync(path.join(sourceDir, "Dockerfile"), "utf8");
const all = instructions(text);
const stages = [];
for (const i of all) {
	if (i.op === "FROM")
		stages.push({ from: i.args, body: [] });
	else if (stages.length)
		stages.at(-1).body.push(i);
}

// Build-only Debian packages: none of them may reach the runtime image.
const kBuildOnly = /\b(clang|llvm|lld|gcc|g\+\+|build-essential|cmake|make|bpftool|[a-z0-9.+-]+-dev|git|nodejs|npm)\b/;
const kRuntime = ["libbpf1", "libelf1", "zlib1g", "libnl-3-200", "libnl-route-3-200", "libyaml-cpp0.7", "libc-ares2"];

test("three stages: build and libraries on Debian bookworm, the runtime on scratch", () => {
	assert.equal(stages.length, 3);
	assert.match(stages[0].from, /^debian:bookworm(@sha256:[0-9a-f]{64})? AS build$/);
	assert.match(stages[1].from, /^debian:bookworm(-slim)?(@sha256:[0-9a-f]{64})? AS libraries$/);
	assert.equal(stages[2].from, "scratch AS runtime");
});

test("the build stage uses install-deps.sh and builds egressd and egressctl only", () => {
	const runs = stages[0].body.filter((i) => i.op === "RUN").map((i) => i.args).join("\n");
	assert.match(runs, /tools\/install-deps\.sh/);
	assert.match(runs, /cmake --build \S+ --target egressd egressctl\b/);
	assert.match(runs, /-DEGRESS_TESTS=OFF/);
	const installed = [...runs.matchAll(/install (?:-s )?-D -m 0755 \S+ \/out(\S+)/g)].map((m) => m[1]).sort();
	assert.deepEqual(installed, ["/usr/local/bin/egressctl", "/usr/local/bin/egressd"]);
});

test("the library stage installs runtime libraries only and collects the closure with image-root.sh", () => {
	const body = stages[1].body;
	const runs = body.filter((i) => i.op === "RUN").map((i) => i.args).join("\n");
	const installs = [...runs.matchAll(/apt-get install\s+((?:-\S+\s+)*)([^&|;]+)/g)].flatMap((m) => m[2].trim().split(/\s+/));
	assert.deepEqual([...installs].sort(), [...kRuntime].sort());
	for (const p of installs)
		assert.doesNotMatch(p, kBuildOnly, `${p} is a build-only package`);
	assert.match(runs, /--no-install-recommends/);
	const copies = body.filter((i) => i.op === "COPY").map((i) => i.args);
	assert.deepEqual(copies, ["--from=build /out/ /image/", "tools/image/image-root.sh /usr/local/sbin/image-root.sh"]);
	assert.match(runs, /image-root\.sh \/ \/image/, "the closure is collected and checked");
});

test("the runtime stage is the closure alone, with PATH and OCI labels", () => {
	const body = stages[2].body;
	assert.ok(!body.some((i) => i.op === "RUN"), "nothing runs in a stage without a shell");
	const copies = body.filter((i) => i.op === "COPY").map((i) => i.args);
	assert.deepEqual(copies, ["--from=libraries /image/ /"]);
	assert.ok(body.some((i) => i.op === "ENV" && /^PATH=\/usr\/local\/bin$/.test(i.args)), "egressctl on PATH for kubectl exec");
	const labels = body.filter((i) => i.op === "LABEL").map((i) => i.args).join(" ");
	for (const l of ["title", "description", "version", "revision"])
		assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.${l}=`), `label ${l}`);
	// The shared script enforces what "only" means; the shell-free uninstall overlay relies on it.
	const script = fs.readFileSync(path.join(sourceDir, "tools/image/image-root.sh"), "utf8");
	for (const check of ["-perm /6000", "bin/sh", "usr/bin/dpkg", "var/lib/apt", "beyond the binaries"])
		assert.ok(script.includes(check), `image-root.sh checks ${check}`);
});

test("entrypoint starts egressd on the ConfigMap's file", () => {
	const eps = stages[2].body.filter((i) => i.op === "ENTRYPOINT");
	assert.equal(eps.length, 1);
	assert.deepEqual(JSON.parse(eps[0].args), ["/usr/local/bin/egressd", "--config", "/etc/aks-egress-guard/config.yaml"]);
	assert.ok(!stages[2].body.some((i) => i.op === "USER" && !/^(0|root)$/.test(i.args)),
		"the DaemonSet sets the uid; the image must not contradict it");
});

test(".dockerignore keeps build trees and VCS data out of the context", () => {
	const ignore = fs.readFileSync(path.join(sourceDir, ".dockerignore"), "utf8").split("\n");
	for (const p of [".git", "build", "build-*", "**/node_modules"])
		assert.ok(ignore.includes(p), `.dockerignore lacks ${p}`);
});
