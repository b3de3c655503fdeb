#!/usr/bin/env bash
# Installs every Debian package that the build, tests, demo and benchmarks need.
# Idempotent: packages already present are skipped, and apt-get update runs only when something
# is missing. Nothing is downloaded from anywhere but the Debian archive.
set -euo pipefail

packages=(
	# toolchain and build
	build-essential cmake pkg-config git
	clang llvm lld libclang-rt-14-dev clang-format clang-tidy
	# BPF: libbpf (pkg-config), bpftool for skeletons, kernel UAPI headers, libelf/zlib for libbpf
	libbpf-dev bpftool linux-libc-dev libelf-dev zlib1g-dev
	# userspace libraries (see DESIGN.md)
	libnl-3-dev libnl-route-3-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libc-ares-dev
	# tests and benchmarks
	libgtest-dev libgmock-dev libbenchmark-dev
	# simulated nodes: namespaces, a real DNS server (dnsmasq-base: the binary without a system
	# service that would grab port 53 on install), peers for benchmarks
	iproute2 iputils-ping socat dnsmasq-base nftables ipset iptables iperf3 dnsutils procps kmod util-linux
	# the kernel matrix (tools/vm): qemu (software emulation), a static busybox and cpio for the
	# guest's initramfs, xz for Debian's compressed modules; in the guest, AppArmor's parser,
	# capsh and Python's libseccomp binding for egressd confined as on an AKS node
	qemu-system-x86 busybox-static cpio xz-utils apparmor libcap2-bin python3-seccomp
	# the operator guide's jq filters, run as written (tests/unit/manifests/check-operator-guide.mjs)
	jq
)

# Node.js + npm run the offline manifest validation (tests/unit/manifests: npm ci of a pinned lock
# file). Debian's packages, unless a node with npm is already installed (nodesource's nodejs bundles
# npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	packages+=(nodejs npm)
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must run as root (it calls apt-get)" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	# dpkg-query prints "install ok installed" only for fully installed packages.
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps.sh: all ${#packages[@]} packages present"
	exit 0
fi

echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps.sh: done"
