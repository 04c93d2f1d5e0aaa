#!/usr/bin/env bash
# A Node base image made without any container registry, for the image tests and air-gapped machines:
# debootstrap --variant=minbase bookworm from the apt mirror, plus this host's `node` binary, imported into podman.
# The rootfs tarball is cached in $CMA_DEMO_CACHE/image; the podman image is re-imported from it when missing.
# Usage: scripts/image/local-node-base.sh [IMAGE]   (default localhost/cma-demo-node-base:<node major>)
# Prints the image reference on stdout. Needs root (debootstrap), podman, and Debian's debootstrap package.
set -euo pipefail
CACHE="${CMA_DEMO_CACHE:-$HOME/.cache/cma-demo}/image"
MIRROR="${CMA_DEMO_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
NODE_BIN="$(command -v node)"
MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
IMAGE="${1:-localhost/cma-demo-node-base:$MAJOR}"
TAR="$CACHE/bookworm-minbase-node$(node -p process.versions.node).tar"
for tool in podman debootstrap tar; do command -v "$tool" >/dev/null || { echo "local-node-base: $tool is not on PATH (apt-get install podman debootstrap)" >&2; exit 3; }; done
if podman image exists "$IMAGE"; then echo "$IMAGE"; exit 0; fi
mkdir -p "$CACHE"
if [ ! -s "$TAR" ]; then
  work="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  echo "local-node-base: debootstrap --variant=minbase bookworm from $MIRROR (about 1 min)" >&2
  debootstrap --variant=minbase bookworm "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 3; }
  install -m 0755 "$NODE_BIN" "$work/rootfs/usr/local/bin/node"
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -cf "$TAR.part" . && mv "$TAR.part" "$TAR"
fi
podman import --change 'CMD ["node"]' "$TAR" "$IMAGE" >/dev/null
echo "$IMAGE"
