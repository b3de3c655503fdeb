#!/usr/bin/env bash
# Boots ONE Debian kernel under qemu (software emulation, 1 vCPU) on this machine's root, shared
# read-only, and runs test steps in it against an existing g++ build directory.
#
#   tools/vm/run-kernel.sh 6.1                        # bpf tier + egressd e2e + verifier figures
#   tools/vm/run-kernel.sh 6.12 --steps "bpf"         # only the bpf tier
#   tools/vm/run-kernel.sh 6.12 --apparmor --steps apparmor
#
# Options: --build DIR (default build), --steps "bpf e2e verifier apparmor", --timeout SECONDS
# (whole guest, default 1200; each step gets the same less a minute), --out DIR (results; default <build>/vm/<kernel>), --apparmor (boot
# with AppArmor as the only major LSM, as on AKS Ubuntu nodes).
# Results: <out>/<step>.log, <out>/<step>.rc ("exit-status seconds"), <out>/console.log,
# <out>/facts. Exit status 0 only when every step ran and passed. Needs root (qemu reads the whole
# root; nothing is written outside <out> and the kernel cache).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

name=${1:?usage: run-kernel.sh 6.1|6.12|5.10 [--build DIR] [--steps "..."] [--timeout S] [--out DIR] [--apparmor]}
shift
build=$repo/build
steps="bpf e2e verifier"
timeout_s=1200
out=
apparmor=0
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(cd "$2" && pwd) && shift ;;
	--steps) steps=$2 && shift ;;
	--timeout) timeout_s=$2 && shift ;;
	--out) out=$2 && shift ;;
	--apparmor) apparmor=1 ;;
	*)
		echo "run-kernel.sh: unknown option $1" >&2
		exit 2
		;;
	esac
	shift
done
out=${out:-$build/vm/$name}

if [ "$(id -u)" -ne 0 ]; then
	echo "run-kernel.sh: run as root" >&2
	exit 1
fi
[ -f "$build/CTestTestfile.cmake" ] || {
	echo "run-kernel.sh: $build is not a build directory (cmake -S . -B build first)" >&2
	exit 1
}

kdir=$("$here/fetch-kernel.sh" "$name")
read -r release _ <"$kdir/ready"
rm -rf "$out"
mkdir -p "$out"

# The e2e subset: egressd enforcing in a child cgroup and netns (allowed and denied connects, EPERM,
# the deny log, restart adopting the pins, kernel-learned wildcard names), DNS learning, and the host
# guard (BPF LSM: the only tier where it enforces; lsm= below has bpf with --apparmor).
e2e_regex='^e2e\.(EgressdE2e\.(AllowedConnect|KillNine|CleanShutdown|AWildcardName)|DnsLearningE2e\.|HostGuardE2e\.)'
cat >"$out/job" <<EOF
BUILD_DIR='$build'
REPO='$repo'
STEPS='$steps'
E2E_REGEX='$e2e_regex'
MODULES_DIR='$kdir/root/lib/modules/$release'
STEP_TIMEOUT=$((timeout_s > 120 ? timeout_s - 60 : timeout_s / 2))
EOF

append="console=ttyS0 panic=-1 quiet aeg.init=$here/guest.sh"
if [ $apparmor -eq 1 ]; then
	# As AKS Ubuntu nodes boot: AppArmor is the major LSM (Debian's kernels enable it by default;
	# this makes it explicit and leaves no doubt which one answers).
	append+=" apparmor=1 security=apparmor lsm=landlock,lockdown,yama,integrity,apparmor,bpf"
fi

t0=$SECONDS
status=0
# qemu exits when the guest powers off (or panics: -no-reboot); `timeout` ends a hung guest.
timeout --kill-after=15 "$timeout_s" qemu-system-x86_64 \
	-machine pc,accel=tcg -cpu max -smp 1 -m 2048 \
	-kernel "$kdir/vmlinuz" -initrd "$kdir/initramfs.cpio.gz" -append "$append" \
	-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
	-fsdev local,id=aegout,path="$out",security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=aegout,mount_tag=aegout \
	-nic none -display none -monitor none -serial "file:$out/console.log" -no-reboot \
	</dev/null >"$out/qemu.log" 2>&1 || status=$?
elapsed=$((SECONDS - t0))
echo "$elapsed" >"$out/elapsed"
if [ $status -eq 124 ] || [ $status -eq 137 ]; then
	echo "run-kernel.sh: $name: the guest did not finish within ${timeout_s}s (console: $out/console.log)" >&2
fi

failed=0
for step in $steps; do
	if [ ! -f "$out/$step.rc" ]; then
		echo "$name $step: no result (guest crashed or timed out; see $out/console.log)"
		failed=1
		continue
	fi
	read -r rc secs <"$out/$step.rc"
	echo "$name $step: exit $rc in ${secs}s"
	# ctest's summary, and the failures' names
	grep -E 'tests passed|tests failed|^\s+[0-9]+ - .*\((Failed|Timeout|Not Run|SEGFAULT|Subprocess)' \
		"$out/$step.log" 2>/dev/null | sed "s/^/  /" || true
	[ "$rc" = 0 ] || failed=1
done
echo "$name: $release, ${elapsed}s, $([ $failed -eq 0 ] && echo passed || echo FAILED)"
exit $failed
