#!/usr/bin/env bash
# Builds the aks-egress-guard node image without a Docker engine or a registry (docs/image.md):
#   1. egressd and egressctl, built here (RelWithDebInfo, what tools/test.sh tests) and stripped;
#   2. a Debian bookworm root made by mmdebstrap from the Debian archive, holding only the runtime
#      packages of the libraries the two binaries link;
#   3. the image root (tools/image/image-root.sh, shared with the Dockerfile): the two binaries and
#      exactly the files of their shared-library closure, the loader's cache, an empty /tmp; no
#      shell, no package manager, no apt or dpkg state, no setuid files; checked, or the script fails;
#   4. an OCI image from scratch with buildah: entrypoint, PATH, OCI labels.
#
#   tools/build-image.sh [--tag NAME] [--keep]        (root; --keep leaves the work folder)
#
# The binaries are built on this machine, so it must run the image's Debian release (bookworm): the
# libraries they were linked against are then the ones the image holds. Elsewhere use the
# Dockerfile. Needs mmdebstrap and buildah (installed from Debian when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

suite=bookworm
mirror=${EGRESS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
version=$(sed -n 's/^project(aks-egress-guard VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
tag="localhost/aks-egress-guard:$version"
keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--tag) tag=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	*) echo "usage: tools/build-image.sh [--tag NAME] [--keep]" >&2; exit 2 ;;
	esac
done

die() { echo "build-image: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap and buildah create a root file system)"
. /etc/os-release
[ "${VERSION_CODENAME:-}" = "$suite" ] ||
	die "this machine runs ${PRETTY_NAME:-an unknown system}; the binaries must be built on Debian $suite (the image's release), or use the Dockerfile"
for tool in mmdebstrap buildah; do
	command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$tool" >/dev/null; }
done

# The runtime halves of the -dev packages the binaries link (as in the Dockerfile's runtime stage).
runtime_packages=libc6,libstdc++6,libgcc-s1,libbpf1,libelf1,zlib1g,libnl-3-200,libnl-route-3-200,libyaml-cpp0.7,libc-ares2

start=$(date +%s)
work=$(mktemp -d /tmp/aeg-image-XXXXXX)
cleanup() { [ $keep -eq 1 ] && echo "build-image: work folder kept: $work" || rm -rf "$work"; }
trap cleanup EXIT

echo "== 1. egressd and egressctl ($(nproc) jobs)"
build=$root/build-image
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEGRESS_TESTS=OFF -DEGRESS_BENCH=OFF \
	-DEGRESS_WERROR=ON >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
cmake --build "$build" --target egressd egressctl -j"${JOBS:-$(nproc)}"

echo "== 2. Debian $suite runtime libraries (mmdebstrap, $mirror)"
# extract: unpack the packages (and what they depend on) without running maintainer scripts:
# libraries need none, and nothing of dpkg or apt ends up inside.
mmdebstrap --quiet --variant=extract --include="$runtime_packages" "$suite" "$work/debian" "$mirror"

echo "== 3. the image root: the two binaries and their shared-library closure"
image_root=$work/root
install -s -D -m 0755 "$build/userspace/daemon/egressd" "$image_root/usr/local/bin/egressd"
install -s -D -m 0755 "$build/userspace/cli/egressctl" "$image_root/usr/local/bin/egressctl"
tools/image/image-root.sh "$work/debian" "$image_root"

echo "== 4. the OCI image ($tag)"
revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
labels=(--label org.opencontainers.image.title=aks-egress-guard
	--label "org.opencontainers.image.description=eBPF egress enforcement for AKS nodes: egressd and egressctl"
	--label "org.opencontainers.image.version=$version"
	--label "org.opencontainers.image.revision=$revision"
	--label "org.opencontainers.image.created=$(date -u +%Y-%m-%dT%H:%M:%SZ)")
# The source label only when the clone knows where it came from.
if source=$(git -C "$root" remote get-url origin 2>/dev/null) && [ -n "$source" ]; then
	labels+=(--label "org.opencontainers.image.source=$source")
fi
c=$(buildah from scratch)
buildah copy --quiet "$c" "$image_root" / >/dev/null
buildah config \
	--entrypoint '["/usr/local/bin/egressd", "--config", "/etc/aks-egress-guard/config.yaml"]' \
	--env PATH=/usr/local/bin \
	"${labels[@]}" \
	"$c"
buildah commit --quiet --rm "$c" "$tag" >/dev/null

# The committed image as a container sees it (chroot isolation: no OCI runtime or cgroup setup
# needed): both binaries through PATH, and no shell.
c=$(buildah from "$tag")
buildah run --isolation chroot "$c" -- egressd --version
buildah run --isolation chroot "$c" -- egressctl version
if buildah run --isolation chroot "$c" -- /bin/sh -c true 2>/dev/null; then
	buildah rm "$c" >/dev/null
	die "the image has a shell"
fi
buildah rm "$c" >/dev/null

size=$(buildah images --format '{{.Size}}' "$tag" | head -1)
echo "built $tag: $size, $(( $(date +%s) - start )) s"
echo "push it with: buildah push $tag docker://<registry>/aks-egress-guard:$version"
