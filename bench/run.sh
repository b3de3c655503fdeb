#!/usr/bin/env bash
# One command runs every benchmark of the project and prints one table: aks-egress-guard beside
# nftables, ipset+iptables and dnsmasq --nftset, measured in the same run (see bench/README.md).
#
#   sudo bench/run.sh            full run (the DNS race does 10,000 iterations; a few minutes)
#   sudo bench/run.sh --quick    short rounds and 500 race iterations, for development
#
# BUILD_DIR (default <repo>/build) is configured and the bench targets are built if needed.
# Exits non-zero only when a benchmark breaks; a missed target is marked MISS in the table.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
quick=()
for arg in "$@"; do
	case $arg in
	--quick) quick=(--quick) ;;
	*)
		echo "usage: bench/run.sh [--quick]" >&2
		exit 2
		;;
	esac
done

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/run.sh must run as root: the benchmarks create network namespaces, cgroups and" >&2
	echo "bpffs mounts, load BPF programs and nftables/ipset rules (all private to the run)." >&2
	exit 1
fi

logs=$(mktemp -d /tmp/aegbench-logs.XXXXXX)
current=0
# shellcheck disable=SC2317 # invoked through the EXIT trap
cleanup() {
	# A benchmark killed mid-run cannot run its destructors: stop it, then sweep what it left
	# (namespaces, cgroups, bpffs mounts of dead processes; its temp files by pid).
	if [ "$current" -ne 0 ] && kill -0 "$current" 2>/dev/null; then
		kill -TERM "$current" 2>/dev/null
		sleep 1
		kill -KILL "$current" 2>/dev/null
		wait "$current" 2>/dev/null
		rm -f /tmp/aegbench"$current"-*
	fi
	"$repo/tools/sweep.sh" >/dev/null 2>&1
	rm -rf "$logs"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

targets=(datapath_bench traffic_bench pod_bench dns_race_bench daemon_bench)
if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$repo" -B "$build" >"$logs/configure.log" 2>&1 || {
		cat "$logs/configure.log" >&2
		exit 2
	}
fi
if ! cmake --build "$build" -j2 --target "${targets[@]}" >"$logs/build.log" 2>&1; then
	tail -40 "$logs/build.log" >&2
	echo "bench/run.sh: building ${targets[*]} failed" >&2
	exit 2
fi

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
failed=0
run_bench() { # name, args...
	local name=$1
	shift
	echo "running $name $* ..." >&2
	"$build/bench/$name" "$@" >"$logs/$name.out" 2>"$logs/$name.err" &
	current=$!
	if ! wait "$current"; then
		echo "bench/run.sh: $name failed:" >&2
		tail -20 "$logs/$name.err" >&2
		failed=1
	fi
	current=0
}
run_bench datapath_bench
run_bench traffic_bench "${quick[@]}" --no-header
run_bench pod_bench "${quick[@]}" --no-header
run_bench dns_race_bench "${quick[@]}" --no-header
run_bench daemon_bench "${quick[@]}" --no-header
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "# aks-egress-guard benchmarks ($(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs, ${quick[*]:-full run})"
echo "load average (1/5/15 min): $load_start at the start, $load_end at the end"
echo
echo "| measurement | aks-egress-guard | nftables | ipset+iptables | baseline | ratio | target |"
echo "|---|---|---|---|---|---|---|"
# datapath_bench's own rows (measurement | value | empty prog | ratio | target | verdict) fitted
# into the common columns.
awk -F'|' '/^\| / && $2 !~ /^ *measurement/ {
	for (i = 2; i <= 7; i++) gsub(/^ +| +$/, "", $i)
	verdict = $7 == "MISS" ? "**MISS**" : $7
	printf "| datapath: %s | %s | - | - | %s%s | %s | %s %s |\n", $2, $3, $4, ($4 == "" ? "-" : " (empty prog)"), ($5 == "" ? "-" : $5), ($6 == "" ? "-" : $6), verdict
}' "$logs/datapath_bench.out" 2>/dev/null
grep -h '^| ' "$logs/traffic_bench.out" "$logs/pod_bench.out" "$logs/dns_race_bench.out" \
	"$logs/daemon_bench.out" 2>/dev/null
echo
echo "Notes from the runs:"
for name in "${targets[@]}"; do
	[ -f "$logs/$name.out" ] || continue
	grep -v '^|' "$logs/$name.out" | sed '/^[[:space:]]*$/d; s/^/  /'
done
exit $failed
