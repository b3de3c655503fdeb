#!/usr/bin/env bash
# Finds, and removes, what tests and the demo create when the process that created it is gone:
# network namespaces, cgroups and private bpffs mounts named aeg...<pid hex>x<n>... (see
# tests/testlib/system.h unique_name). Resources of live processes are left alone, so a sweep never
# disturbs a test that is still running.
#
#   tools/sweep.sh          remove leftovers of dead processes
#   tools/sweep.sh --check  only list anything of ours still present (dead or alive); exit 1 if any
set -uo pipefail

check=0
[ "${1:-}" = "--check" ] && check=1
found=0

# The creator's pid, from a name like aeg1a2bx3-c, aeg-test-1a2bx3, aeg-pins-1a2bx3.
owner_pid() {
	local name=$1
	if [[ $name =~ ^aeg(-[a-z]+-)?([0-9a-f]+)x[0-9a-f]+ ]]; then
		echo $((16#${BASH_REMATCH[2]}))
	else
		echo 0
	fi
}

stale() { # name -> 0 if its creator is dead (or unknown)
	local pid
	pid=$(owner_pid "$1")
	[ "$pid" -eq 0 ] || [ ! -d "/proc/$pid" ]
}

report() {
	found=1
	echo "sweep: $*"
}

# Network namespaces (their veths and processes go with them).
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^aeg' || true); do
	if [ $check -eq 1 ]; then
		report "netns $ns"
	elif stale "$ns"; then
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null && echo "sweep: removed netns $ns"
	fi
done

# Child cgroups under the cgroup v2 mount.
cg_root=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/self/mounts)
if [ -n "$cg_root" ]; then
	for dir in "$cg_root"/aeg-*; do
		[ -d "$dir" ] || continue
		name=$(basename "$dir")
		if [ $check -eq 1 ]; then
			report "cgroup $dir"
		elif stale "$name"; then
			# Nested cgroups first (the demo makes node/pod children).
			find "$dir" -depth -type d | while read -r d; do
				xargs -r kill -9 <"$d/cgroup.procs" 2>/dev/null
				for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
			done
			[ -d "$dir" ] || echo "sweep: removed cgroup $dir"
		fi
	done
fi

# Private bpffs mounts (unmounting drops every pin in them).
for dir in $(awk '$3 == "bpf" {print $2}' /proc/self/mounts | grep '^/tmp/aeg-' || true); do
	if [ $check -eq 1 ]; then
		report "bpffs $dir"
	elif stale "$(basename "$dir")"; then
		umount -l "$dir" 2>/dev/null && rmdir "$dir" 2>/dev/null && echo "sweep: removed bpffs $dir"
	fi
done
for dir in /tmp/aeg-pins-*; do
	[ -d "$dir" ] || continue
	if ! awk -v d="$dir" '$2 == d {f=1} END {exit !f}' /proc/self/mounts; then
		stale "$(basename "$dir")" && rmdir "$dir" 2>/dev/null
	fi
done

# Plain scratch directories (the demo's files, test temp dirs) that are not mount points.
for dir in /tmp/aeg-demo-* /tmp/aeg-nodee2e*; do
	[ -d "$dir" ] || continue
	awk -v d="$dir" '$2 == d {f=1} END {exit !f}' /proc/self/mounts && continue
	if [ $check -eq 1 ]; then
		stale "$(basename "$dir")" || continue
		report "directory $dir"
	elif stale "$(basename "$dir")"; then
		rm -rf "$dir" && echo "sweep: removed $dir"
	fi
done

# Pins of ours on the machine's own bpffs (the product default is /sys/fs/bpf/aks-egress-guard;
# tests never use it, so anything named aeg-* there is residue).
if [ -d /sys/fs/bpf ]; then
	for p in /sys/fs/bpf/aeg-*; do
		[ -e "$p" ] || continue
		if [ $check -eq 1 ]; then report "pin $p"; else rm -rf "$p" && echo "sweep: removed $p"; fi
	done
fi

exit $((check == 1 ? found : 0))
