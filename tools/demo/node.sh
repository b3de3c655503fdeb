# shellcheck shell=bash
# The simulated AKS node of tools/demo.sh (sourced, not run): namespaces, cgroups, a private bpffs,
# dnsmasq, listeners and egressd, and the teardown that removes all of it.
#
# Everything is named aeg-demo-<pid hex>x<n> (tools/sweep.sh removes leftovers of a dead demo by
# that name), lives inside namespaces and cgroups created here, and never touches the machine's
# own interfaces or cgroups: both veth ends are created inside the namespaces (`ip -n`).

DEMO_TAG=$(printf %x $$)
DEMO_PIDS=() # every process started here, killed by node_down
DEMO_INET=aeg-demo-${DEMO_TAG}x0 # netns: the internet (dnsmasq, listeners)
DEMO_NODE=aeg-demo-${DEMO_TAG}x1 # netns: the node (egressd, the pod)
DEMO_CG_NAME=aeg-demo-${DEMO_TAG}x2
DEMO_PINS=/tmp/aeg-demo-${DEMO_TAG}x3 # private bpffs
DEMO_ROOT=/tmp/aeg-demo-${DEMO_TAG}x4 # config, logs, sockets, /var/log/pods look-alike
DEMO_CG_ROOT=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/self/mounts)
DEMO_CG=$DEMO_CG_ROOT/$DEMO_CG_NAME # where egressd attaches (the node's "root" cgroup)

# A kubelet-named pod (systemd cgroup driver, containerd) so the deny log names it.
DEMO_POD_NS=shop
DEMO_POD_NAME=checkout-7d9f8b6c5-x2x4p
DEMO_POD_UID=5c1e7a3b-2f4d-4e8a-9b6c-0d1e2f3a4b5c
DEMO_CONTAINER=9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9
DEMO_POD_CG=$DEMO_CG/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${DEMO_POD_UID//-/_}.slice/cri-containerd-${DEMO_CONTAINER}.scope
DEMO_DAEMON_CG=$DEMO_CG/system.slice/egressd.service

DEMO_NODE_IP=10.224.0.4  # eth0 of the node, in the AKS node subnet
DEMO_GATEWAY=10.224.0.1  # the internet side of the link
DEMO_DNS=10.0.0.10       # kube-dns's address; dnsmasq answers there

# Runs a command in a namespace. nsenter rather than `ip netns exec`, which remounts /sys for the
# namespace and would hide the cgroup2 mount below it (egressd and the pod need it).
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

demo_records() { # name address, from records.txt
	grep -v '^#' "$DEMO_DIR/records.txt" | awk 'NF >= 2 {print $1, $2}'
}

demo_ip_of() {
	demo_records | awk -v n="$1" '$1 == n {print $2}'
}

node_up() {
	mkdir -p "$DEMO_ROOT"/{log,run,config}
	mkdir -p "$DEMO_ROOT/pods/${DEMO_POD_NS}_${DEMO_POD_NAME}_${DEMO_POD_UID}/app"

	ip netns add "$DEMO_INET" || die "ip netns add $DEMO_INET failed"
	ip netns add "$DEMO_NODE" || die "ip netns add $DEMO_NODE failed"
	ip -n "$DEMO_NODE" link add eth0 type veth peer name eth0 netns "$DEMO_INET" || die "veth failed"
	ip -n "$DEMO_NODE" link set lo up
	ip -n "$DEMO_INET" link set lo up
	ip -n "$DEMO_NODE" addr add "$DEMO_NODE_IP/16" dev eth0
	ip -n "$DEMO_INET" addr add "$DEMO_GATEWAY/16" dev eth0
	ip -n "$DEMO_NODE" link set eth0 up
	ip -n "$DEMO_INET" link set eth0 up
	ip -n "$DEMO_NODE" route add default via "$DEMO_GATEWAY"
	ip -n "$DEMO_INET" addr add "$DEMO_DNS/32" dev lo
	local addr
	for addr in $(demo_records | awk '{print $2}' | sort -u); do
		ip -n "$DEMO_INET" addr add "$addr/32" dev lo
	done

	# Cgroups: the attach point, egressd's service cgroup and the pod's container cgroup.
	[ -n "$DEMO_CG_ROOT" ] || die "no cgroup2 mount found (egressd needs cgroup v2)"
	mkdir -p "$DEMO_DAEMON_CG" "$DEMO_POD_CG" || die "cannot create cgroups under $DEMO_CG_ROOT"

	mkdir -p "$DEMO_PINS"
	mount -t bpf bpf "$DEMO_PINS" || die "cannot mount a private bpffs on $DEMO_PINS"

	# dnsmasq: answers the records (and, being local for each name, NODATA for their AAAA, as a
	# real zone would), REFUSED for everything else (no upstream).
	local records=()
	while read -r name addr; do records+=("--host-record=$name,$addr" "--local=/$name/"); done < <(demo_records)
	in_ns "$DEMO_INET" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
		--no-hosts --pid-file --user=root --bind-interfaces --listen-address="$DEMO_DNS" \
		--port=53 --local-ttl=600 --log-queries --log-facility="$DEMO_ROOT/log/dnsmasq.log" \
		"${records[@]}" &
	DEMO_PIDS+=($!)

	# Listeners on the documented ports, on every internet address; each answers with a banner
	# naming the address and port it was reached on.
	local port
	for port in 443 9000 22 80; do
		in_ns "$DEMO_INET" socat "TCP-LISTEN:$port,fork,reuseaddr" \
			SYSTEM:"echo hello from \$SOCAT_SOCKADDR:$port" 2>/dev/null &
		DEMO_PIDS+=($!)
	done
	# UDP: one listener per address, so the reply leaves from the address the pod sent to (a
	# wildcard socket would answer from the veth's address, which a connected socket ignores).
	for addr in $(demo_records | awk '{print $2}' | sort -u); do
		for port in 1194 123; do
			in_ns "$DEMO_INET" socat "UDP-RECVFROM:$port,bind=$addr,fork" \
				SYSTEM:"echo hello from $addr:udp/$port" 2>/dev/null &
			DEMO_PIDS+=($!)
		done
	done
	wait_for 5 dns_ready || die "dnsmasq did not start"
}

dns_ready() {
	in_ns "$DEMO_NODE" dig +time=1 +tries=1 +short "@$DEMO_DNS" mcr.microsoft.com | grep -q .
}

write_config() { # mode
	# Written beside and renamed over, so egressd never reads half a file.
	sed -e "s|@MODE@|$1|" -e "s|@ROOT@|$DEMO_ROOT|g" -e "s|@CGROUP@|$DEMO_CG|" \
		-e "s|@PINS@|$DEMO_PINS|" "$DEMO_DIR/config.yaml.in" >"$DEMO_ROOT/config/.config.yaml.new"
	mv "$DEMO_ROOT/config/.config.yaml.new" "$DEMO_ROOT/config/config.yaml"
}

start_egressd() {
	in_ns "$DEMO_NODE" bash -c 'echo $$ >"$1/cgroup.procs" || exit 97; shift; exec "$@"' _ \
		"$DEMO_DAEMON_CG" "$EGRESSD" --config "$DEMO_ROOT/config/config.yaml" \
		--pod-logs-root "$DEMO_ROOT/pods" --node-name aks-nodepool1-12345678-vmss000000 \
		--deny-log-window 1 --log-level "${DEMO_LOG_LEVEL:-info}" >"$DEMO_ROOT/log/egressd.log" 2>&1 &
	DEMO_EGRESSD_PID=$!
	DEMO_PIDS+=($!)
	wait_for 15 egressd_ready || {
		tail -20 "$DEMO_ROOT/log/egressd.log" >&2
		die "egressd did not become ready"
	}
}

# GET on egressd's metrics endpoint (loopback of the node namespace), body only.
http_get() {
	in_ns "$DEMO_NODE" bash -c '
		exec 3<>/dev/tcp/127.0.0.1/9464 || exit 1
		printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$1" >&3
		sed "1,/^\r\$/d" <&3' _ "$1" 2>/dev/null
}

egressd_ready() {
	kill -0 "$DEMO_EGRESSD_PID" 2>/dev/null || return 2
	[ "$(http_get /readyz)" = ready ] || http_get /readyz | grep -q ready
}

# Runs a command in the node namespace from inside the pod's container cgroup.
in_pod() {
	in_ns "$DEMO_NODE" bash -c 'echo $$ >"$1/cgroup.procs" || exit 97; shift; exec "$@"' _ \
		"$DEMO_POD_CG" "$@"
}

wait_for() { # seconds command...: polls every 0.1 s
	local deadline=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $deadline ]; do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

node_down() {
	local pid d
	for pid in "${DEMO_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	# egressd flushes the deny log on SIGTERM; give it a moment before anything is killed hard.
	for _ in $(seq 30); do kill -0 "${DEMO_EGRESSD_PID:-0}" 2>/dev/null || break; sleep 0.1; done
	for pid in "${DEMO_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
	for pid in "${DEMO_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	for d in "$DEMO_INET" "$DEMO_NODE"; do
		ip netns pids "$d" 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	# Cgroups deepest first; anything still inside (a probe cut off by Ctrl-C) is killed.
	if [ -d "$DEMO_CG" ]; then
		find "$DEMO_CG" -depth -type d | while read -r d; do
			xargs -r kill -9 <"$d/cgroup.procs" 2>/dev/null
			for _ in $(seq 50); do rmdir "$d" 2>/dev/null && break; sleep 0.05; done
		done
	fi
	# Unmounting the private bpffs drops every pin: the programs detach once the cgroup is gone
	# and nothing holds their links any more.
	if awk -v d="$DEMO_PINS" '$2 == d {f = 1} END {exit !f}' /proc/self/mounts; then
		umount -l "$DEMO_PINS"
	fi
	[ -d "$DEMO_PINS" ] && rmdir "$DEMO_PINS" 2>/dev/null
	for d in "$DEMO_INET" "$DEMO_NODE"; do
		ip netns del "$d" 2>/dev/null
	done
	rm -rf "$DEMO_ROOT"
	return 0
}
