#!/bin/sh
# PID 1 of the guest's initramfs (busybox). Loads the modules the guest needs to see its root,
# mounts the host's root (virtio-9p tag "hostroot", read-only) under a tmpfs overlay so the guest
# can write anywhere without touching the host, mounts the result share (tag "aegout", writable)
# at /aeg-vm, and hands over to the script named by aeg.init= on the kernel command line.
# Anything that fails powers the guest off: the host sees no result and reports the failure.
fail() {
	echo "aeg-init: $*"
	poweroff -f
}
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules/order); do
	insmod "/modules/$m" || fail "insmod $m"
done
script=
for arg in $(cat /proc/cmdline); do
	case $arg in aeg.init=*) script=${arg#aeg.init=} ;; esac
done
[ -n "$script" ] || fail "no aeg.init= on the kernel command line"
# msize: 9p's default (8 KiB) makes reading binaries and libraries slow under emulation.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower ||
	fail "mounting the host's root over 9p"
mount -t tmpfs -o mode=0755 upper /upper || fail "mounting the overlay's tmpfs"
mkdir -p /upper/data /upper/work
mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay /newroot ||
	fail "mounting the overlay root"
mkdir -p /newroot/aeg-vm
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 aegout /newroot/aeg-vm ||
	fail "mounting the result share"
umount /proc /sys /dev
exec switch_root /newroot /bin/bash "$script"
