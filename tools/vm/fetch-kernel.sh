#!/usr/bin/env bash
# Fetches one Debian kernel of the test matrix from the Debian archive, unpacks it and builds the
# guest's initramfs; prints the kernel's cache directory. Usage: tools/vm/fetch-kernel.sh NAME
#
#   NAME   suite                 why
#   6.1    bookworm              Debian 12's kernel
#   6.12   bookworm-backports    the newest LTS Debian 12 ships
#   5.10   bullseye              Debian 11's kernel: below the floor, expected to be refused
#
# The archive is the one this machine's apt already uses (its URI is read from apt's own config);
# the kernel's suite is fetched through a private apt configuration under the cache, so the
# machine's sources, lists and package state are never touched. Once a kernel is unpacked
# (<cache>/<NAME>/ready), later runs use it without asking the archive anything: delete the
# directory to fetch the suite's current kernel again. Cache: $AEG_VM_CACHE, default
# /var/cache/aks-egress-guard/vm.
set -euo pipefail

name=${1:?usage: fetch-kernel.sh 6.1|6.12|5.10}
case $name in
6.1) suite=bookworm ;;
6.12) suite=bookworm-backports ;;
5.10) suite=bullseye ;;
*)
	echo "fetch-kernel.sh: unknown kernel $name (6.1, 6.12 or 5.10)" >&2
	exit 2
	;;
esac
here=$(cd "$(dirname "$0")" && pwd)
cache=${AEG_VM_CACHE:-/var/cache/aks-egress-guard/vm}
dir=$cache/$name
if [ -f "$dir/ready" ]; then
	echo "$dir"
	exit 0
fi

# The Debian archive this machine is configured for: the URI apt uses for bookworm itself.
mirror=$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null |
	awk '$1 == "bookworm" { print $2; exit }')
if [ -z "$mirror" ]; then
	echo "fetch-kernel.sh: apt has no bookworm source configured: cannot find the Debian archive" >&2
	exit 1
fi

apt_dir=$cache/apt/$suite
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$dir"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
	>"$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/nonexistent
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o Dir::State::status=/dev/null
	-o APT::Sandbox::User=root -qq)

echo "fetch-kernel.sh: resolving the $suite kernel" >&2
apt-get "${apt_opts[@]}" update
# linux-image-amd64 (the metapackage) depends on exactly one versioned image package.
image=$(apt-cache "${apt_opts[@]}" show "linux-image-amd64" |
	sed -n 's/^Depends: \(linux-image-[^ ,]*\).*/\1/p' | head -1)
if [ -z "$image" ]; then
	echo "fetch-kernel.sh: no linux-image-amd64 in $suite" >&2
	exit 1
fi
echo "fetch-kernel.sh: downloading $image" >&2
rm -rf "$dir/root" "$dir"/*.deb
(cd "$dir" && apt-get "${apt_opts[@]}" download "$image")
dpkg-deb -x "$dir"/"$image"_*.deb "$dir/root"
rm -f "$dir"/*.deb
release=$(ls "$dir/root/lib/modules")
# Debian's postinst runs depmod; the package itself ships no modules.dep.
depmod -b "$dir/root" "$release"
ln -sf "root/boot/vmlinuz-$release" "$dir/vmlinuz"
"$here/make-initramfs.sh" "$dir/root" "$release" "$dir/initramfs.cpio.gz"
echo "$release $image" >"$dir/ready"
echo "$dir"
