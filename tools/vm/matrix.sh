#!/usr/bin/env bash
# The kernel matrix of tools/test.sh: boots each Debian kernel (tools/vm/run-kernel.sh, AppArmor
# on as on AKS Ubuntu nodes) and runs in it the bpf tier, the egressd e2e subset, the verifier's
# figures and the AppArmor check, against the g++ build; then prints one table.
#
#   tools/vm/matrix.sh [--build DIR] [KERNEL...]     # default kernels: $AEG_VM_KERNELS or "6.1 6.12"
#
# Kernels run side by side, $AEG_VM_JOBS at a time (default: the number of cores; each guest is
# one emulated CPU). Exit status 0 only when every kernel passed every step.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$repo/build
if [ "${1:-}" = --build ]; then
	build=$(cd "$2" && pwd)
	shift 2
fi
read -r -a kernels <<<"${*:-${AEG_VM_KERNELS:-6.1 6.12}}"
jobs=${AEG_VM_JOBS:-$(nproc)}
steps="bpf e2e verifier apparmor"

# Fetch first, one at a time (apt), so that the guests' clocks measure only the guests.
for k in "${kernels[@]}"; do
	"$here/fetch-kernel.sh" "$k" >/dev/null
done

# build/vm holds this matrix's results only (tools/test.sh counts the guests' ctest logs there).
rm -rf "$build/vm"
t0=$SECONDS
pids=()
for k in "${kernels[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
	"$here/run-kernel.sh" "$k" --build "$build" --apparmor --steps "$steps" >"$build/vm-$k.log" 2>&1 &
	pids+=($!)
done
status=0
for i in "${!kernels[@]}"; do
	wait "${pids[$i]}" || status=1
	cat "$build/vm-${kernels[$i]}.log"
done
wall=$((SECONDS - t0))

# step result: "pass (Ns)" / "FAIL (Ns)" / "no result"
cell() { # out step
	[ -f "$1/$2.rc" ] || { echo "no result"; return; }
	read -r rc secs <"$1/$2.rc"
	[ "$rc" = 0 ] && echo "pass (${secs}s)" || echo "FAIL (${secs}s)"
}
echo
echo "kernel matrix (${wall}s wall, $jobs at a time)"
printf '| %s | %s | %s | %s | %s | %s | %s |\n' kernel programs "verifier steps (insns)" bpf e2e apparmor time
printf '|%s|%s|%s|%s|%s|%s|%s|\n' --- --- --- --- --- --- ---
for k in "${kernels[@]}"; do
	out=$build/vm/$k
	release=$(sed -n 's/^kernel //p' "$out/facts" 2>/dev/null)
	# lines of the budget test: "verifier <program> <N> insns ..."
	figures=$(awk '$1 == "verifier" && $4 == "insns" { printf "%s%s %s", sep, $2, $3; sep = ", " }' \
		"$out/verifier.log" 2>/dev/null)
	n=$(awk '$1 == "verifier" && $4 == "insns"' "$out/verifier.log" 2>/dev/null | wc -l)
	printf '| %s | %s | %s | %s | %s | %s | %ss |\n' "${release:-$k}" "$n" "${figures:--}" \
		"$(cell "$out" bpf)" "$(cell "$out" e2e)" "$(cell "$out" apparmor)" "$(cat "$out/elapsed" 2>/dev/null)"
done
exit $status
