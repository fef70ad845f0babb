#!/usr/bin/env bash
# Installs the Debian packages Dockmaster's tests and demo drive as a user would, when missing.
# Usage: hack/install-packages.sh [package...]   (no arguments: everything `make test` needs)
#   docker-registry  the OCI registry (distribution) of the dev control plane and the tests
#   apache2-utils    htpasswd, for the registry's auth in tests
#   skopeo           a second image tool the tests use as a user would
#   openssl, curl    the dev control plane's certificates and health checks
#   iproute2         ip and tc: network namespaces, veth pairs, tbf shaping of the P2P tests
#   containerd       (with ctr and runc) pulls through a lab node's agent and runs the built image
# The image's base is built from packages `apt-get download` fetches (hack/build-base-image.sh),
# so it needs none installed here.
set -euo pipefail

log() { printf '[packages] %s\n' "$*"; }

packages=("$@")
if ((${#packages[@]} == 0)); then
  packages=(docker-registry apache2-utils skopeo openssl curl iproute2 containerd)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
if [[ $(id -u) -ne 0 ]]; then
  log "missing Debian packages: ${missing[*]}; install them (sudo apt-get install -y ${missing[*]}) and run again"
  exit 1
fi
log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
