#!/usr/bin/env bash
# Style and static checks.
#   tools/lint.sh            clang-format check + clang-tidy on files changed against HEAD
#   tools/lint.sh --all      the same on every source file
#   tools/lint.sh --fix      rewrite formatting in place (changed files)
# clang-tidy needs a compile database: it configures build-lint/ with clang if absent.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=changed fix=0
for a in "$@"; do
	case $a in
	--all) mode=all ;;
	--fix) fix=1 ;;
	*) echo "usage: tools/lint.sh [--all] [--fix]" >&2; exit 2 ;;
	esac
done

# One door to the kernel (STYLE.md "Joints"): outside userspace/kernel/, no userspace file includes
# libbpf's or libnl's headers, the kernel's BPF UAPI or a BPF skeleton. Checked on every file, every
# run: it is a grep.
status=0
door=$(git ls-files 'userspace/*.cpp' 'userspace/*.h' | grep -v '^userspace/kernel/' |
	xargs grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](bpf/|netlink/|libnl3/|linux/bpf\.h|[A-Za-z0-9_]+\.skel\.h)' || true)
if [ -n "$door" ]; then
	echo "lint: only userspace/kernel/ may include libbpf, libnl, linux/bpf.h or a skeleton:" >&2
	echo "$door" >&2
	status=1
fi

if [ $mode = all ]; then
	mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' | grep -v '^tests/fuzz/.*/corpus/')
else
	mapfile -t files < <( (git diff --name-only HEAD; git ls-files --others --exclude-standard) |
		grep -E '\.(c|h|cpp)$' | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done)
fi
[ ${#files[@]} -gt 0 ] || { echo "lint: nothing else to check"; exit $status; }

echo "lint: clang-format on ${#files[@]} files"
if [ $fix -eq 1 ]; then
	clang-format -i "${files[@]}"
else
	clang-format --dry-run -Werror "${files[@]}" || status=1
fi

cpp=()
for f in "${files[@]}"; do
	case $f in userspace/*.cpp) cpp+=("$f") ;; esac
done
if [ ${#cpp[@]} -gt 0 ]; then
	if [ ! -f build-lint/compile_commands.json ]; then
		CC=clang CXX=clang++ cmake -S . -B build-lint -DEGRESS_BENCH=OFF >/dev/null
		cmake --build build-lint -j"$(nproc)" >/dev/null # generates skeleton headers
	fi
	echo "lint: clang-tidy on ${#cpp[@]} files"
	clang-tidy -p build-lint --quiet "${cpp[@]}" || status=1
fi
exit $status
