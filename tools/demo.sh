#!/usr/bin/env bash
# README command 1: the main job on the embedded default.
#
# Today: installs dependencies, builds, and prints the policy that the embedded default config
# (AzureCloud / eastus, audit) compiles to, with the catalog rows behind each rule. The live
# simulated node (namespaces, dnsmasq, egressd enforcing) replaces this when the daemon lands.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
	tools/install-deps.sh
elif ! command -v bpftool >/dev/null && [ ! -x /usr/sbin/bpftool ]; then
	echo "demo.sh: dependencies missing; run as root (it calls tools/install-deps.sh)" >&2
	exit 1
fi

if [ ! -x build/userspace/cli/egressctl ]; then
	echo "== building"
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j"$(nproc)" --target egressctl >/dev/null
fi
egressctl=build/userspace/cli/egressctl

echo "== the embedded default config"
"$egressctl" render --default-config --print-config
echo
echo "== the policy it compiles to (egressctl render --default-config -o table)"
"$egressctl" render --default-config -o table
