#!/bin/bash
# PID 1 of a test guest, started by tools/vm/init.sh on the host's root (read-only, under a tmpfs
# overlay). Mounts what an AKS node has — pure cgroup v2 at /sys/fs/cgroup, a bpffs at
# /sys/fs/bpf, securityfs for AppArmor — runs the steps that /aeg-vm/job names, writes each
# step's log and exit status into /aeg-vm (the host's result directory) and powers off.
# Every step runs under `timeout`; the host has its own timeout for the whole guest as well.
set -u
out=/aeg-vm
# shellcheck source=/dev/null
. "$out/job" # BUILD_DIR, STEPS, E2E_REGEX, MODULES_DIR, REPO, STEP_TIMEOUT

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
for d in /tmp /run /dev/shm /var/tmp; do
	mount -t tmpfs -o mode=1777 tmpfs "$d"
done
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t bpf bpf /sys/fs/bpf
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
# The kernel's modules (veth, sch_ingress, ...) from the unpacked package, for modprobe.
release=$(uname -r)
mkdir -p "/lib/modules/$release"
mount --bind "$MODULES_DIR" "/lib/modules/$release"
ip link set lo up
hostname aeg-vm
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

{
	echo "kernel $(uname -r)"
	echo "cgroup $(stat -fc %T /sys/fs/cgroup)"
	echo "lsm $(cat /sys/kernel/security/lsm 2>/dev/null)"
	echo "btf $([ -e /sys/kernel/btf/vmlinux ] && echo yes || echo no)"
} >"$out/facts"

run_step() { # name command...
	local name=$1
	shift
	local t0=$SECONDS
	echo "aeg-guest: step $name" >/dev/console
	timeout --kill-after=10 "$STEP_TIMEOUT" "$@" >"$out/$name.log" 2>&1
	local rc=$?
	echo "$rc $((SECONDS - t0))" >"$out/$name.rc"
	echo "aeg-guest: step $name exit $rc in $((SECONDS - t0)) s" >/dev/console
}

for step in $STEPS; do
	case $step in
	bpf) run_step bpf ctest --test-dir "$BUILD_DIR" -L bpf --output-on-failure ;;
	e2e) run_step e2e ctest --test-dir "$BUILD_DIR" -L e2e -R "$E2E_REGEX" --output-on-failure ;;
	verifier) run_step verifier "$REPO/tools/vm/verifier-figures.sh" "$BUILD_DIR" ;;
	apparmor) run_step apparmor "$REPO/tools/vm/apparmor-check.sh" "$BUILD_DIR" ;;
	*) echo "127 0" >"$out/$step.rc" ;;
	esac
done
sync
echo o >/proc/sysrq-trigger
sleep 10
