#!/bin/bash
# Guest step (a guest booted with --apparmor): egressd confined the way an AKS Ubuntu node confines
# the DaemonSet's container — an AppArmor profile, uid 0 with only CAP_BPF, CAP_NET_ADMIN and
# CAP_PERFMON (bounding set; no inheritable or ambient capabilities), no_new_privs, and the
# seccomp filter of tools/vm/seccomp-exec.py — with the DaemonSet's paths (pins under the node's
# /sys/fs/bpf, pure cgroup v2 at /sys/fs/cgroup).
#
#  1. under containerd's default profile (what RuntimeDefault means on AKS): egressd must fail to
#     start, and say why (the profile denies writes below /sys/fs/bpf, i.e. pinning); this proves
#     the manifest cannot leave the profile at its default;
#  2. under the profile manifests/base/daemonset.yaml asks for (securityContext.appArmorProfile):
#     egressd starts, a denied connect fails with EPERM, an allowed one works, the deny log has
#     the line, `egressctl status` says pins_persist: true, and after kill -9 the programs still
#     enforce and a restarted egressd adopts the pins;
#  3. egressctl uninstall (overlays/uninstall runs it in the same container) fails under
#     containerd's profile and removes everything under the DaemonSet's.
# Usage: apparmor-check.sh BUILD_DIR. Prints "apparmor: PASS" or the first failed check.
set -euo pipefail
build=${1:?build dir}
repo=$(cd "$(dirname "$0")/../.." && pwd)
vm=$repo/tools/vm
egressd=$build/userspace/daemon/egressd
egressctl=$build/userspace/cli/egressctl
work=/run/aeg-aa
sock=/run/aks-egress-guard/egressd.sock
pins=/sys/fs/bpf/aks-egress-guard
deny_log=/var/log/aks-egress-guard/deny.log

fail() {
	echo "apparmor: FAIL: $*"
	[ -f "$work/egressd.log" ] && sed 's/^/  egressd: /' "$work/egressd.log" | tail -20
	exit 1
}
pass() { echo "  ok: $*"; }

[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] || fail "AppArmor is not enabled"
grep -q apparmor /sys/kernel/security/lsm || fail "AppArmor is not an active LSM"
pass "AppArmor on ($(cat /sys/kernel/security/lsm))"

mkdir -p "$work" /run/aks-egress-guard /var/log/aks-egress-guard
"$vm/containerd-apparmor-profile.sh" >"$work/cri-containerd.profile"
apparmor_parser -r -K "$work/cri-containerd.profile" || fail "loading containerd's profile"
grep -q '^cri-containerd.apparmor.d (enforce)' /sys/kernel/security/apparmor/profiles ||
	fail "containerd's profile is not loaded in enforce mode"
pass "containerd's default profile loaded (enforce)"

# What the DaemonSet asks for: securityContext.appArmorProfile.type (+ localhostProfile).
ds=$repo/manifests/base/daemonset.yaml
aa_type=$(sed -n '/appArmorProfile:/,/type:/s/^ *type: *\([A-Za-z]*\).*/\1/p' "$ds" | head -1)
case $aa_type in
Unconfined) manifest_profile=unconfined ;;
RuntimeDefault) manifest_profile=cri-containerd.apparmor.d ;;
Localhost)
	manifest_profile=$(sed -n 's/^ *localhostProfile: *\([^ ]*\).*/\1/p' "$ds" | head -1)
	apparmor_parser -r -K "$repo/manifests/apparmor/$manifest_profile" || fail "loading $manifest_profile"
	;;
*) fail "manifests/base/daemonset.yaml sets no securityContext.appArmorProfile.type" ;;
esac
pass "the DaemonSet asks for appArmorProfile $aa_type ($manifest_profile)"

# A node: allowed and denied destinations on a dummy interface, a greeter, a child cgroup.
ip link add aeg-aa0 type dummy
ip addr add 198.51.100.1/24 dev aeg-aa0
ip addr add 203.0.113.1/24 dev aeg-aa0
ip link set aeg-aa0 up
socat TCP-LISTEN:443,bind=0.0.0.0,reuseaddr,fork SYSTEM:'echo hi' &
cg=/sys/fs/cgroup/aeg-aa
mkdir -p "$cg"
cat >"$work/config.yaml" <<EOF
cloud: AzureCloud
location: eastus
mode: enforce
failMode: closed
clusterCIDRs: [10.244.0.0/16]
dnsServers: [127.0.0.53]
allow:
  - cidr: 198.51.100.0/24
    ports: [tcp/443]
denyLog:
  file: $deny_log
  stdout: false
metrics:
  listen: 127.0.0.1:9464
cgroupPath: $cg
pinPath: $pins
controlSocket: $sock
EOF
: >"$work/resolv.conf"

connect_from_pod() { # addr -> prints "hi" or the error
	bash -c "echo \$\$ >$cg/cgroup.procs; exec 3<>/dev/tcp/$1/443 && head -c 2 <&3" 2>&1 || true
}
for _ in $(seq 1 50); do # socat listening yet?
	[ "$(connect_from_pod 203.0.113.1)" = hi ] && break
	sleep 0.2
done
[ "$(connect_from_pod 203.0.113.1)" = hi ] || fail "the denied destination is not reachable without egressd"

# The command prefix that confines what follows as the DaemonSet's container is confined; setpriv
# and seccomp-exec.py exec, so the command keeps the pid that $! names.
confine=()
confine_as() { # profile
	local aa=()
	[ "$1" = unconfined ] || aa=(--apparmor-profile "$1")
	confine=(setpriv "${aa[@]}" --no-new-privs --bounding-set -all,+bpf,+net_admin,+perfmon
		--inh-caps -all --ambient-caps -all -- "$vm/seccomp-exec.py")
}
confined() { # profile command...
	confine_as "$1"
	shift
	"${confine[@]}" "$@"
}
egressd_pid=
start_confined() { # profile
	confine_as "$1"
	"${confine[@]}" "$egressd" --config "$work/config.yaml" --resolv-conf "$work/resolv.conf" \
		--pod-logs-root "$work" --node-name aeg-vm >"$work/egressd.log" 2>&1 &
	egressd_pid=$!
	for _ in $(seq 1 300); do
		"$egressctl" --socket "$sock" status -o json 2>/dev/null | grep -q '"daemon": *"up"' && return 0
		kill -0 "$egressd_pid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}
stop() {
	kill -9 "$egressd_pid" 2>/dev/null || true
	wait "$egressd_pid" 2>/dev/null || true
}

# 1. containerd's default profile
if start_confined cri-containerd.apparmor.d; then
	stop
	fail "egressd started under containerd's default profile: the DaemonSet may not need $aa_type"
fi
stop
why=$(grep -m1 -iE 'error|denied|fatal' "$work/egressd.log" || tail -1 "$work/egressd.log")
pass "under containerd's default profile egressd refuses to start: $why"
# ... and it is AppArmor that refused: the same capabilities and filter work unconfined (below).
# The kernel's audit line, where it printed one (without auditd, printk's rate limit may drop it).
audit=$(dmesg | grep -m1 'apparmor="DENIED".*profile="cri-containerd.apparmor.d"' || true)
pass "the kernel's audit line: ${audit:+apparmor=${audit#*apparmor=}}${audit:-(none printed)}"
"$egressctl" --pins "$pins" uninstall --yes >/dev/null 2>&1 || true

# 2. the DaemonSet's profile
# Kernels before 5.11 charge BPF maps to RLIMIT_MEMLOCK, which the DaemonSet's capabilities cannot
# raise: there egressd must refuse in one line (userspace/kernel/feature_probe.cpp), and that is all.
IFS=. read -r major minor _ <<<"$(uname -r)"
if [ "$major" -lt 5 ] || { [ "$major" -eq 5 ] && [ "$minor" -lt 11 ]; }; then
	if start_confined "$manifest_profile"; then
		stop
		fail "egressd started on $(uname -r) without CAP_SYS_RESOURCE"
	fi
	stop
	grep -q 'RLIMIT_MEMLOCK' "$work/egressd.log" || fail "no memlock refusal on $(uname -r)"
	pass "on $(uname -r) with the DaemonSet's capabilities egressd refuses: $(grep -m1 RLIMIT_MEMLOCK "$work/egressd.log")"
	echo "apparmor: PASS (below 5.11: refused as documented)"
	exit 0
fi
start_confined "$manifest_profile" || fail "egressd did not start under $manifest_profile"
[ "$(readlink "/proc/$egressd_pid/exe")" = "$(readlink -f "$egressd")" ] || fail "pid $egressd_pid is not egressd"
label=$(cat "/proc/$egressd_pid/attr/current")
caps=$(grep CapEff "/proc/$egressd_pid/status" | awk '{print $2}')
[ "$caps" = 000000c000001000 ] || fail "egressd holds capabilities $caps, not exactly BPF, NET_ADMIN, PERFMON"
grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$egressd_pid/status" || fail "egressd runs without no_new_privs"
grep -q '^Seccomp:[[:space:]]*2' "/proc/$egressd_pid/status" || fail "egressd runs without a seccomp filter"
pass "egressd runs as '$label' with CapEff $caps ($(capsh --decode="$caps" | sed 's/.*=//')), no_new_privs, seccomp filter"
status=$("$egressctl" --socket "$sock" status -o json)
grep -q '"pins_persist": *true' <<<"$status" || fail "status does not say pins_persist: true: $status"
grep -q '"adopted": *false' <<<"$status" || fail "a fresh start says adopted: $status"
pass "egressctl status: adopted false, pins_persist true"
r=$(connect_from_pod 203.0.113.1)
grep -q 'Operation not permitted' <<<"$r" || fail "a denied connect gave: $r"
pass "denied connect: EPERM"
[ "$(connect_from_pod 198.51.100.1)" = hi ] || fail "the allowed connect failed"
pass "allowed connect: answered"
for _ in $(seq 1 50); do grep -q '203.0.113.1' "$deny_log" 2>/dev/null && break; sleep 0.2; done
grep -q '"dst":"203.0.113.1"' "$deny_log" || fail "no deny line for 203.0.113.1 in $deny_log"
pass "deny log: $(grep -m1 '203.0.113.1' "$deny_log" | cut -c1-120)..."
stop
r=$(connect_from_pod 203.0.113.1)
grep -q 'Operation not permitted' <<<"$r" || fail "after kill -9 a denied connect gave: $r"
pass "after kill -9: still EPERM (the pinned links hold)"
start_confined "$manifest_profile" || fail "egressd did not restart under $manifest_profile"
"$egressctl" --socket "$sock" status -o json | grep -q '"adopted": *true' || fail "the restart did not adopt the pins"
pass "restart: adopted the pins"
[ "$(connect_from_pod 198.51.100.1)" = hi ] || fail "the allowed connect failed after the restart"
stop
# overlays/uninstall runs egressctl uninstall in the same container: unpinning is a write too.
if confined cri-containerd.apparmor.d "$egressctl" --pins "$pins" uninstall --yes >"$work/uninstall.log" 2>&1; then
	fail "egressctl uninstall worked under containerd's default profile"
fi
pass "under containerd's default profile egressctl uninstall fails: $(head -1 "$work/uninstall.log")"
confined "$manifest_profile" "$egressctl" --pins "$pins" uninstall --yes >"$work/uninstall.log" 2>&1 ||
	fail "egressctl uninstall under $manifest_profile: $(cat "$work/uninstall.log")"
[ ! -e "$pins" ] || fail "egressctl uninstall left $pins"
[ "$(connect_from_pod 203.0.113.1)" = hi ] || fail "the denied destination is still denied after the uninstall"
pass "egressctl uninstall (as overlays/uninstall runs it): unpinned, nothing enforced any more"
echo "apparmor: PASS"
