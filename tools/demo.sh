#!/usr/bin/env bash
# README command 1: a live, simulated AKS node enforcing the default policy, in one command.
#
# Installs dependencies and builds egressd/egressctl if needed, then builds a node out of network
# namespaces (an "internet" with dnsmasq and listeners, a node with egressd and a kubelet-named pod
# cgroup), shows what an operator sees (allowed and denied connections, the deny log, egressctl
# status/ips/check, audit versus enforce) and removes everything again, also on Ctrl-C or failure.
# docs/demo.md walks through the output. Root only; nothing leaves the namespaces it creates.
#
#   tools/demo.sh               (as root; EGRESS_BUILD_DIR=build-x to use another build directory)
set -uo pipefail
# shellcheck source-path=SCRIPTDIR
cd "$(dirname "$0")/.." || exit 1
DEMO_DIR=$PWD/tools/demo
BUILD_DIR=${EGRESS_BUILD_DIR:-build}

die() {
	echo "demo.sh: $*" >&2
	exit 1
}
section() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, cgroups, BPF; it also calls tools/install-deps.sh)"

section "dependencies and build"
tools/install-deps.sh || die "installing dependencies failed"
EGRESSD=$PWD/$BUILD_DIR/userspace/daemon/egressd
EGRESSCTL=$PWD/$BUILD_DIR/userspace/cli/egressctl
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
	say "configuring $BUILD_DIR/ (first run only)"
	cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || die "cmake failed"
fi
# Incremental: a no-op when up to date, a few minutes on the first run.
say "building egressd and egressctl in $BUILD_DIR/"
cmake --build "$BUILD_DIR" -j"$(nproc)" --target egressd egressctl >/dev/null || die "build failed"
say "egressd:   $EGRESSD"
say "egressctl: $EGRESSCTL"

# shellcheck source=demo/node.sh
. "$DEMO_DIR/node.sh"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	section "cleanup"
	if [ -n "${DEMO_KEEP_LOGS:-}" ]; then # debugging the demo itself: keep its logs and metrics
		cp -r "$DEMO_ROOT/log" "$DEMO_KEEP_LOGS"
		http_get /metrics >"$DEMO_KEEP_LOGS/metrics.txt"
	fi
	node_down
	say "removed netns $DEMO_INET $DEMO_NODE, cgroup $DEMO_CG, bpffs $DEMO_PINS, $DEMO_ROOT"
	exit "$rc"
}
trap cleanup EXIT
trap 'echo; echo "demo.sh: interrupted" >&2; exit 130' INT TERM


# Runs an online egressctl verb; a verb (or flag) this build lacks is a note, not a failure.
ctl_show() {
	local out rc
	out=$(in_ns "$DEMO_NODE" "$EGRESSCTL" --socket "$DEMO_ROOT/run/egressd.sock" \
		--pins "$DEMO_PINS/aks-egress-guard" "$@" 2>&1)
	rc=$?
	if [ $rc -eq 2 ]; then
		say "(this egressctl has no online '$1' yet: $(head -1 <<<"$out"))"
		return 1
	fi
	sed 's/^/   /' <<<"$out"
	return 0
}

resolve() { # name -> first A record, asked from the pod
	in_pod dig +time=1 +tries=2 +short "@$DEMO_DNS" "$1" A 2>/dev/null | grep -E '^[0-9.]+$' | head -1
}

# TCP connect from the pod with bash's /dev/tcp; prints the outcome and how long connect() took,
# returns 0 when connected.
tcp_probe() { # name port
	local name=$1 port=$2 addr out rc us msg
	addr=$(resolve "$name")
	[ -n "$addr" ] || {
		say "$(printf '%-44s' "$name:$port") no DNS answer"
		return 1
	}
	out=$(in_pod timeout 5 bash -c '
		s=${EPOCHREALTIME/./}
		msg=$({ exec 3<>"/dev/tcp/$1/$2" && head -c 200 <&3; } 2>&1)
		rc=$?
		e=${EPOCHREALTIME/./}
		printf "%s %s %s\n" "$rc" "$((e - s))" "$(head -1 <<<"$msg" | tr -d "\r")"' _ "$addr" "$port" 2>&1)
	read -r rc us msg <<<"$out"
	msg=${msg#_: }
	if [ "$rc" = 0 ]; then
		say "$(printf '%-44s %-15s' "$name:$port" "$addr") connected  -> $msg"
		return 0
	fi
	say "$(printf '%-44s %-15s' "$name:$port" "$addr") refused    -> $msg (after $((us / 1000)).$(printf %03d $((us % 1000))) ms)"
	return 1
}

udp_probe() { # name port
	local name=$1 port=$2 addr out rc
	addr=$(resolve "$name")
	# UDP may lose a datagram; like an NTP client, ask up to three times.
	for _ in 1 2 3; do
		out=$(in_pod timeout 3 socat -t1 -T1 - "UDP:$addr:$port" <<<"ping" 2>&1)
		rc=$?
		[ $rc -ne 0 ] || [ -z "$out" ] || break
	done
	out=$(sed 's/^.*E /error: /' <<<"$out" | head -1)
	if [ $rc -eq 0 ] && [ -n "$out" ]; then
		say "$(printf '%-44s %-15s' "$name:udp/$port" "$addr") answered   -> $out"
		return 0
	fi
	say "$(printf '%-44s %-15s' "$name:udp/$port" "$addr") no answer  -> ${out:-nothing within 2 s}"
	return 1
}

last_deny() { tail -n 1 "$DEMO_ROOT/log/deny.log" 2>/dev/null; }

section "building the simulated node"
node_up
say "internet netns $DEMO_INET: dnsmasq on $DEMO_DNS:53, listeners on tcp/443 9000 22 80, udp/1194 123"
demo_records | awk '{printf "     %-40s %s\n", $1, $2}'
say "node netns     $DEMO_NODE: eth0 $DEMO_NODE_IP/16, default via $DEMO_GATEWAY"
say "node cgroup    $DEMO_CG  (egressd attaches here)"
say "pod cgroup     ${DEMO_POD_CG#"$DEMO_CG"/}"
say "pod            $DEMO_POD_NS/$DEMO_POD_NAME (uid $DEMO_POD_UID), logs root $DEMO_ROOT/pods"
say "bpffs          $DEMO_PINS (private mount)"

section "egressd: the default AzureCloud/eastus config, mode: enforce"
write_config enforce
grep -vE '^\s*#' "$DEMO_ROOT/config/config.yaml" | sed 's/^/   | /'
start_egressd
say "egressd pid $DEMO_EGRESSD_PID: /readyz says ready; its log: $DEMO_ROOT/log/egressd.log"
grep -E 'policy generation|attached to cgroup' "$DEMO_ROOT/log/egressd.log" | cut -d' ' -f3- | sed 's/^/   egressd: /' 
# The resolver thread writes the exact names' addresses right after start; give it a moment.
mcr_reachable() { in_pod timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/443"' _ "$(demo_ip_of mcr.microsoft.com)" 2>/dev/null; }
wait_for 10 mcr_reachable || say "(mcr.microsoft.com not reachable 10 s after start; continuing)"

failures=0
section "allowed: what the catalog requires (from the pod, bash /dev/tcp and socat)"
for target in mcr.microsoft.com:443 eastus.data.mcr.microsoft.com:443 management.azure.com:443 \
	login.microsoftonline.com:443 packages.aks.azure.com:443 packages.microsoft.com:443 \
	acs-mirror.azureedge.net:443 aks-demo-6f1c2d3e.hcp.eastus.azmk8s.io:443; do
	tcp_probe "${target%:*}" "${target##*:}" || failures=$((failures + 1))
done
say "(names resolve through dnsmasq; exact names are resolved by egressd itself, wildcards such as"
say " *.hcp.eastus.azmk8s.io are learned in the kernel from the pod's own DNS answer)"
udp_probe ntp.ubuntu.com 123 || failures=$((failures + 1))

section "denied: names outside the policy are refused at once (EPERM at connect)"
tcp_probe example.org 443 && failures=$((failures + 1))
tcp_probe exfil.example.net 22 && failures=$((failures + 1))
tcp_probe security.ubuntu.com 80 && failures=$((failures + 1))
say "(DNS itself still answers: the policy decides on the connection, not the lookup)"
say "allowed names are allowed on their rule's ports only:"
tcp_probe mcr.microsoft.com 80 && failures=$((failures + 1))
tcp_probe aks-demo-6f1c2d3e.hcp.eastus.azmk8s.io 9000 && failures=$((failures + 1))
say "(tcp/9000 and udp/1194 are the legacy tunnel: konnectivity: true drops those rows)"
say "what a process sees: \$ bash -c 'exec 3<>/dev/tcp/$(demo_ip_of example.org)/443'"
in_pod bash -c 'exec 3<>"/dev/tcp/$1/443"' _ "$(demo_ip_of example.org)" 2>&1 | sed 's/^_: \(line 1: \)\{0,1\}/   bash: /'

section "the deny log ($DEMO_ROOT/log/deny.log, one JSON line per flow)"
wait_for 3 bash -c "grep -q 203.0.113.80 '$DEMO_ROOT/log/deny.log' 2>/dev/null"
if grep -q 203.0.113.80 "$DEMO_ROOT/log/deny.log" 2>/dev/null; then
	grep 203.0.113.80 "$DEMO_ROOT/log/deny.log" | tail -1 | jq . | sed 's/^/   /'
else
	say "(no deny line for example.org yet)"
	failures=$((failures + 1))
fi

section "egressctl denies --since 5m (the same lines, from the daemon)"
ctl_show denies --since 5m | head -12

section "egressctl status (selected lines)"
ctl_show status | grep -E '^   (daemon|mode|fail_mode|policy_generation|last_reload\.(ok|trigger)|rules\.|counters\.(allowed|denied)|maps\.egress_learned4|resolver\.(servers|failing)|dns_learning\.(trusted|name_entries)|deny_log\.lines|pin_dir|cgroup\.path|\()'
section "egressctl ips"
ctl_show ips
section "egressctl check mcr.microsoft.com:443 / example.org:443 / 198.51.100.20:443"
for dest in mcr.microsoft.com:443 example.org:443 198.51.100.20:443; do
	say "\$ egressctl check $dest"
	if ! ctl_show check "$dest"; then
		say "offline instead: egressctl check --config config.yaml $dest"
		"$EGRESSCTL" check --config "$DEMO_ROOT/config/config.yaml" "$dest" 2>&1 | sed 's/^/   /'
	fi
done

generations() { grep -c 'policy generation .* enforced' "$DEMO_ROOT/log/egressd.log"; }
# Waits until egressd logs one more enforced policy generation than `before`.
reloaded() { [ "$(generations)" -gt "$before" ]; }

section "audit mode: rewrite the config (mode: audit); egressd reloads on the change"
before=$(generations)
write_config audit
say "config.yaml now says: $(grep '^mode:' "$DEMO_ROOT/config/config.yaml")"
if wait_for 10 reloaded; then
	say "egressd: $(grep 'policy generation .* enforced' "$DEMO_ROOT/log/egressd.log" | tail -1 | cut -d' ' -f3-)"
	# The kernel reports one event per flow and second: let the last enforce-mode deny age out,
	# so the audit line below is this connection's.
	sleep 1
	tcp_probe example.org 443 || failures=$((failures + 1))
	audit_logged() { grep 203.0.113.80 "$DEMO_ROOT/log/deny.log" 2>/dev/null | grep -q '"verdict":"audit"'; }
	if wait_for 5 audit_logged; then
		say "the same flow in the deny log, now as audit (allowed, logged):"
		grep 203.0.113.80 "$DEMO_ROOT/log/deny.log" | grep '"verdict":"audit"' | tail -1 |
			jq -c '{time, verdict, reason, dst, dport, pod: .pod.name, policy_generation}' | sed 's/^/   /'
	else
		say "no audit line for example.org in the deny log"
		failures=$((failures + 1))
	fi
else
	say "egressd did not reload within 10 s"
	failures=$((failures + 1))
fi

section "back to enforce"
before=$(generations)
write_config enforce
wait_for 10 reloaded || failures=$((failures + 1))
say "egressd: $(grep 'policy generation .* enforced' "$DEMO_ROOT/log/egressd.log" | tail -1 | cut -d' ' -f3-)"
tcp_probe example.org 443 && failures=$((failures + 1))
tcp_probe mcr.microsoft.com 443 || failures=$((failures + 1))

section "result"
if [ $failures -eq 0 ]; then
	say "every check behaved as expected"
else
	say "$failures check(s) did not behave as expected (egressd log: last lines below)"
	tail -15 "$DEMO_ROOT/log/egressd.log" | sed 's/^/   | /'
	say "deny log:"
	sed 's/^/   | /' "$DEMO_ROOT/log/deny.log"
fi
[ $failures -eq 0 ]
