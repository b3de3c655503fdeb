#!/usr/bin/env bash
# Warnings are errors in the project's own test command and nowhere else: tools/test.sh configures
# both of its builds with -DEGRESS_WERROR=ON, and the option defaults to OFF for consumers (a
# packager's Release build with another compiler must not fail on a new warning).
set -euo pipefail
src=$1
fail() { echo "werror_policy: $*" >&2; exit 1; }
n=$(grep -c -- '-DEGRESS_WERROR=ON' "$src/tools/test.sh" || true)
[ "$n" -eq 2 ] || fail "tools/test.sh must configure both builds with -DEGRESS_WERROR=ON (found $n)"
grep -Eq '^option\(EGRESS_WERROR "[^"]*" OFF\)' "$src/CMakeLists.txt" ||
	fail "CMakeLists.txt: EGRESS_WERROR must default to OFF"
if grep -En -- '-Werror([^=]|$)' "$src/CMakeLists.txt" "$src/tools/cmake/bpf.cmake" | grep -v 'EGRESS_WERROR\|add_compile_options(-Werror)\|APPEND EGRESS_BPF_CFLAGS -Werror'; then
	fail "-Werror outside the EGRESS_WERROR switch"
fi
echo "werror_policy: ok"
