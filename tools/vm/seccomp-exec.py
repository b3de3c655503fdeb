#!/usr/bin/python3
"""Runs a command under a seccomp filter modelled on containerd's RuntimeDefault profile for a
container that holds CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON and nothing else (the DaemonSet's).

RuntimeDefault is an allow-list; with those capabilities it allows bpf(2) and perf_event_open(2)
(containerd >= 1.6.9) and refuses what needs CAP_SYS_ADMIN and the other missing capabilities.
This filter allows everything except that refused set, which fails with EPERM as under
containerd (clone3 with ENOSYS, as containerd answers it, so that libc falls back to clone).
The no_new_privs bit is set on load (libseccomp's default), as allowPrivilegeEscalation: false does.

Usage: seccomp-exec.py COMMAND [ARGS...]
"""
import errno
import os
import sys

import seccomp

REFUSED = [
    # CAP_SYS_ADMIN: mounts (old and new API), namespaces, root changes, quotas, syslog
    "mount", "umount2", "pivot_root", "unshare", "setns", "fsopen", "fsconfig", "fsmount",
    "fspick", "move_mount", "open_tree", "mount_setattr", "quotactl", "syslog", "vhangup",
    "lookup_dcookie", "nfsservctl",
    # keyrings (refused to every container)
    "keyctl", "add_key", "request_key",
    # CAP_SYS_MODULE, CAP_SYS_BOOT, CAP_SYS_TIME, CAP_SYS_PACCT, CAP_SYS_RAWIO, CAP_SYS_CHROOT
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "settimeofday", "clock_settime", "clock_adjtime", "stime", "acct", "iopl", "ioperm", "chroot",
    "swapon", "swapoff",
    # CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "open_by_handle_at",
    "name_to_handle_at",
    # refused to every container
    "userfaultfd",
]


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: seccomp-exec.py COMMAND [ARGS...]")
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in REFUSED:
        try:
            f.add_rule(seccomp.ERRNO(errno.EPERM), name)
        except (RuntimeError, ValueError, OSError):
            pass  # not a syscall of this architecture (e.g. stime on x86-64)
    f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    f.load()
    os.execvp(sys.argv[1], sys.argv[1:])


main()
