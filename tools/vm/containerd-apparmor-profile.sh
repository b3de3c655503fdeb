#!/usr/bin/env bash
# Prints the AppArmor profile containerd gives every container that asks for RuntimeDefault
# (containerd's contrib/apparmor: the profile "cri-containerd.apparmor.d", rendered from its
# template at start-up), rendered the way containerd renders it on a node: the abi/3.0 line and
# tunables/global when /etc/apparmor.d has them, abstractions/base inside, and the daemon's own
# profile as a signal peer (unconfined, as containerd runs on AKS nodes). The rules are
# containerd's (Apache-2.0); only the rendering is ours. Usage: containerd-apparmor-profile.sh [NAME]
set -euo pipefail
name=${1:-cri-containerd.apparmor.d}
dir=/etc/apparmor.d
daemon_profile=unconfined

[ -e "$dir/abi/3.0" ] && printf 'abi <abi/3.0>,\n'
if [ -e "$dir/tunables/global" ]; then
	echo '#include <tunables/global>'
else
	echo '@{PROC}=/proc/'
fi
echo
echo "profile $name flags=(attach_disconnected,mediate_deleted) {"
[ -e "$dir/abstractions/base" ] && echo '  #include <abstractions/base>'
cat <<EOF

  network,
  capability,
  file,
  umount,
  signal (receive) peer=unconfined,
  signal (receive) peer=runc,
  signal (receive) peer=crun,
  signal (receive) peer=$daemon_profile,
  signal (send,receive) peer=$name,

  deny @{PROC}/* w,
  deny @{PROC}/{[^1-9/],[^1-9/][^0-9/],[^1-9s/][^0-9y/][^0-9s/],[^1-9/][^0-9/][^0-9/][^0-9/]*}/** w,
  deny @{PROC}/sys/[^k]** w,
  deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,
  deny @{PROC}/sysrq-trigger rwklx,
  deny @{PROC}/kcore rwklx,

  deny mount,

  deny /sys/[^f]*/** wklx,
  deny /sys/f[^s]*/** wklx,
  deny /sys/fs/[^c]*/** wklx,
  deny /sys/fs/c[^g]*/** wklx,
  deny /sys/fs/cg[^r]*/** wklx,
  deny /sys/firmware/** rwklx,
  deny /sys/devices/virtual/powercap/** rwklx,
  deny /sys/kernel/security/** rwklx,

  ptrace (trace,tracedby,read,readby) peer=$name,
}
EOF
