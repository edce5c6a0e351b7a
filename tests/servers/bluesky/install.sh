#!/usr/bin/env bash
# Installs the pinned PDS (package-lock.json) once into a cache folder outside the repository,
# keyed by the lockfile's hash, and prints that folder. `npm ci` takes ~4 minutes (it compiles
# better-sqlite3), so the tests and CI reuse the folder until the lockfile changes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hash=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)
cache="${UMT_TEST_SERVERS_CACHE:-$HOME/.cache/umt-test-servers}"
target="$cache/pds-$hash"
if [ ! -f "$target/.installed" ]; then
    mkdir -p "$cache"
    work=$(mktemp -d "$cache/pds-$hash.partial.XXXX")
    cp "$here/package.json" "$here/package-lock.json" "$work/"
    (cd "$work" && npm ci --no-audit --no-fund --loglevel=error >&2)
    touch "$work/.installed"
    rm -rf "$target"
    mv "$work" "$target"    # whole or nothing: an interrupted install is never taken for done
fi
echo "$target"
