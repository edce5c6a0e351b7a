#!/usr/bin/env bash
# Makes a local Python base image from Debian packages, for machines that reach no container
# registry (the official python image cannot be pulled there). Needs root, debootstrap and a
# running Docker engine. Usage: tools/make-base-image.sh [IMAGE_NAME]   (default umt-base:bookworm)
# Then build with UMT_BASE_IMAGE=IMAGE_NAME.
set -euo pipefail
name="${1:-umt-base:bookworm}"
if docker image inspect "$name" >/dev/null 2>&1; then
    echo "base image $name already present"
    exit 0
fi
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
echo "debootstrap: Debian bookworm, python3 and python3-venv into $root"
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$root" >/dev/null
# What a runtime image never needs: package lists, docs, man pages, locales, caches.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/doc/* \
       "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/var/log/*
find "$root"/usr/lib/python3* -name __pycache__ -prune -exec rm -rf {} +
tar -C "$root" -c . | docker import \
    -c 'ENV LANG=C.UTF-8' -c 'CMD ["python3"]' - "$name" >/dev/null
echo "made $name: $(docker image inspect -f '{{.Size}}' "$name") bytes"
