#!/usr/bin/env bash
# Installs the pinned test tooling (package-lock.json) into the build directory with `npm ci`,
# once per lock-file change: later runs only compare a stamp. The npm cache lives in the build
# directory too, so nothing is written to the user's home.
#   npm-setup.sh SOURCE_DIR DEST_DIR
# Exit 77 (ctest: skipped) when node/npm are missing outside CI; under CI=true that is a failure.
set -euo pipefail
src=$1
dest=$2

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "npm-setup: node and npm are needed for the manifest tests (Debian: apt-get install nodejs npm;" \
		"tools/install-deps.sh installs them)" >&2
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
fi

mkdir -p "$dest"
stamp="$dest/.lock-stamp"
want=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$dest/node_modules" ]; then
	echo "npm-setup: node_modules up to date ($dest)"
	exit 0
fi
cp "$src/package.json" "$src/package-lock.json" "$dest/"
cd "$dest"
rm -f "$stamp"
npm ci --no-audit --no-fund --ignore-scripts --cache "$dest/.npm-cache" --loglevel=error
echo "$want" >"$stamp"
echo "npm-setup: installed $(node -p 'Object.keys(require("./package.json").dependencies).join(", ")') into $dest"
