#!/usr/bin/env bash
# Assembles and checks the root file system of the node image (docs/image.md): egressd and egressctl
# and exactly the files of their shared-library closure, as the dynamic loader of LIBROOT (a Debian
# root holding the runtime library packages) resolves it, plus the loader's configuration and cache
# and an empty /tmp. Nothing else: no shell, no package manager, no apt or dpkg state, no setuid
# file. Shared by tools/build-image.sh (LIBROOT made by mmdebstrap) and the Dockerfile (LIBROOT = /
# of its library stage). Fails when any check fails.
#
#   tools/image/image-root.sh LIBROOT IMAGEROOT     (IMAGEROOT/usr/local/bin/egress{d,ctl} installed)
set -euo pipefail
lib_root=${1:?usage: image-root.sh LIBROOT IMAGEROOT}
image_root=${2:?usage: image-root.sh LIBROOT IMAGEROOT}
lib_root=$(cd "$lib_root" && pwd)
image_root=$(cd "$image_root" && pwd)
binaries=(/usr/local/bin/egressd /usr/local/bin/egressctl)
die() { echo "image-root: $*" >&2; exit 1; }
in_lib_root() { if [ "$lib_root" = / ]; then "$@"; else chroot "$lib_root" "$@"; fi; }

allowed=$(mktemp)
trap 'rm -f "$allowed"' EXIT
printf '%s\n' "${binaries[@]}" /etc/ld.so.cache /etc/ld.so.conf >"$allowed"
mkdir -p "$image_root/tmp" "$image_root/etc"
chmod 1777 "$image_root/tmp"
# libc6 ships ld.so.conf.d; ld.so.conf itself belongs to libc-bin, which a bare library root lacks.
cp -a "$lib_root/etc/ld.so.conf.d" "$image_root/etc/"
if [ -f "$lib_root/etc/ld.so.conf" ]; then
	cp -a "$lib_root/etc/ld.so.conf" "$image_root/etc/"
else
	echo 'include /etc/ld.so.conf.d/*.conf' >"$image_root/etc/ld.so.conf"
fi

for bin in "${binaries[@]}"; do
	[ -x "$image_root$bin" ] || die "$image_root$bin is missing"
	probe=$bin
	if [ "$lib_root" != / ]; then # the loader runs inside LIBROOT: give it the binary there
		probe=/tmp/$(basename "$bin")
		cp "$image_root$bin" "$lib_root$probe"
	fi
	list=$(in_lib_root /lib64/ld-linux-x86-64.so.2 --list "$probe") || die "cannot list the libraries of $bin"
	[ "$lib_root" = / ] || rm -f "$lib_root$probe"
	! grep -q 'not found' <<<"$list" || die "$bin: a library is missing:"$'\n'"$list"
	for lib in $(grep -o '/[^ ]*' <<<"$list" | grep -v "^$probe\$" | sort -u); do
		# The path the loader used, every symlink on the way, and the file itself.
		p=$lib
		while :; do
			mkdir -p "$image_root$(dirname "$p")"
			[ -e "$image_root$p" ] || [ -L "$image_root$p" ] || cp -a "$lib_root$p" "$image_root$p"
			echo "$p" >>"$allowed"
			[ -L "$lib_root$p" ] || break
			t=$(readlink "$lib_root$p")
			case $t in /*) p=$t ;; *) p=$(dirname "$p")/$t ;; esac
		done
	done
done
ldconfig -r "$image_root"

# Checks: the binaries run on the image's own libraries (chroot), and nothing else is inside.
chroot "$image_root" /usr/local/bin/egressd --version
chroot "$image_root" /usr/local/bin/egressctl version
chroot "$image_root" /usr/local/bin/egressctl uninstall --pins /nonexistent/aks-egress-guard --check >/dev/null
setuid=$(find "$image_root" -xdev -perm /6000)
[ -z "$setuid" ] || die "setuid/setgid files: $setuid"
for f in bin/sh usr/bin/sh usr/bin/apt usr/bin/apt-get usr/bin/dpkg var/lib/dpkg var/lib/apt var/cache/apt; do
	[ ! -e "$image_root/$f" ] || die "$f is in the image"
done
unexpected=$(cd "$image_root" && find . \( -type f -o -type l \) ! -path './etc/ld.so.conf.d/*' | sed 's|^\.||' |
	while read -r f; do grep -qxF "$f" "$allowed" || echo "$f"; done)
[ -z "$unexpected" ] || die "files beyond the binaries and their libraries:"$'\n'"$unexpected"
echo "image-root: $(find "$image_root" -type f | wc -l) files, $(du -sh "$image_root" | cut -f1): egressd, egressctl and their libraries"
