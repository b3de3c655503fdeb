#!/usr/bin/env bash
# The full test run (README command 2; .ci/run calls exactly this):
#   1. installs every dependency (tools/install-deps.sh, apt-get only);
#   2. builds the project with g++ and runs the unit, bpf and e2e tiers (bpf/e2e need root);
#   3. boots Debian's 6.1 and 6.12 kernels under qemu (tools/vm/matrix.sh: kernels from the Debian
#      archive, cached) and runs the bpf tier, an egressd e2e subset and the AppArmor check in each;
#   4. builds the pure modules with clang + ASan + UBSan and runs the unit tier and the libFuzzer
#      targets under them;
#   5. checks that nothing of ours is left behind (namespaces, cgroups, pins), and fails if so.
# Exit status is non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)

if [ "$(id -u)" -ne 0 ]; then
	echo "test.sh: run as root: the bpf and e2e tiers load BPF programs and create namespaces" >&2
	exit 1
fi

tools/install-deps.sh
tools/sweep.sh
trap 'tools/sweep.sh >/dev/null' EXIT

echo "== lint (one door to the kernel; format and clang-tidy of changed files)"
tools/lint.sh

echo "== build (g++)"
mkdir -p build build-san
# EGRESS_WERROR: warnings are errors in the project's own builds (not for every consumer).
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEGRESS_WERROR=ON >build/configure.log 2>&1 ||
	{ cat build/configure.log; exit 1; }
cmake --build build -j"$jobs"

echo "== build (clang, ASan+UBSan, libFuzzer)"
CC=clang CXX=clang++ cmake -S . -B build-san -DCMAKE_BUILD_TYPE=Debug -DEGRESS_PURE_ONLY=ON \
	-DEGRESS_SANITIZE=ON -DEGRESS_FUZZ=ON -DEGRESS_BENCH=OFF -DEGRESS_WERROR=ON >build-san/configure.log 2>&1 ||
	{ cat build-san/configure.log; exit 1; }
cmake --build build-san -j"$jobs"

status=0
summary() { # file -> "passed failed"
	sed -n 's/.*tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\).*/\1 \2/p' "$1" | tail -1
}

echo "== tests: unit, bpf, e2e (g++ build)"
ctest --test-dir build -j"$jobs" --output-on-failure -L 'unit|bpf|e2e' 2>&1 | tee build/ctest.log || status=1
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

echo "== kernel matrix: Debian 6.1 and 6.12 under qemu (bpf tier, egressd e2e, AppArmor)"
tools/vm/matrix.sh --build build 2>&1 | tee build/vm-matrix.log || status=1
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

echo "== tests: unit, fuzz (clang ASan+UBSan build)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-san -j"$jobs" --output-on-failure -L 'unit|fuzz' 2>&1 | tee build-san/ctest.log || status=1
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

echo "== residue check"
if ! tools/sweep.sh --check; then
	echo "test.sh: tests left namespaces, cgroups or pins behind (listed above)" >&2
	status=1
fi

passed=0
failed=0
# The guests' ctest runs count too (tools/vm/matrix.sh keeps their logs under build/vm/).
for log in build/ctest.log build-san/ctest.log build/vm/*/bpf.log build/vm/*/e2e.log; do
	[ -f "$log" ] || continue
	read -r f total <<<"$(summary "$log")"
	f=${f:-0}
	total=${total:-0}
	failed=$((failed + f))
	passed=$((passed + total - f))
done
[ $failed -eq 0 ] || status=1
[ $((passed + failed)) -gt 0 ] || { echo "test.sh: no test ran" >&2; status=1; }
echo "total: $passed passed, $failed failed"
exit $status
