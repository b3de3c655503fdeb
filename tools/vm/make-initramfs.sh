#!/usr/bin/env bash
# Builds the guest's initramfs: a static busybox, tools/vm/init.sh as /init, and the modules that
# Debian builds as modules but the guest needs before it can see its root (virtio-pci, 9p over
# virtio, overlayfs), decompressed and listed in load order.
# Usage: make-initramfs.sh KERNEL_ROOT RELEASE OUT.cpio.gz
set -euo pipefail
kroot=${1:?kernel root} release=${2:?release} out=${3:?output}
here=$(cd "$(dirname "$0")" && pwd)
busybox=$(command -v busybox)
if ldd "$busybox" >/dev/null 2>&1; then # ldd fails on a static executable
	echo "make-initramfs.sh: $busybox is dynamically linked: install busybox-static" >&2
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,lower,upper,newroot,modules}
cp "$busybox" "$work/bin/busybox"
for applet in sh mount umount mkdir insmod switch_root cat echo sleep poweroff; do
	ln -s busybox "$work/bin/$applet"
done
cp "$here/init.sh" "$work/init"
chmod 755 "$work/init"

# modprobe resolves the dependency order; modules built in print "builtin" and are skipped.
for m in virtio_pci 9pnet_virtio 9p overlay; do
	modprobe -d "$kroot" -S "$release" --show-depends "$m" | while read -r verb path _; do
		[ "$verb" = insmod ] || continue
		base=$(basename "$path")
		base=${base%.xz}
		base=${base%.zst}
		[ -f "$work/modules/$base" ] && continue
		case $path in
		*.xz) xz -dc "$path" >"$work/modules/$base" ;;
		*.zst) zstd -dqc "$path" >"$work/modules/$base" ;;
		*) cp "$path" "$work/modules/$base" ;;
		esac
		echo "$base" >>"$work/modules/order"
	done
done
touch "$work/modules/order"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
