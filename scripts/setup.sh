#!/usr/bin/env bash
# Installs what a fresh machine lacks for nlwire, then builds it:
# Debian packages (only the missing ones), npm packages and the native addon
# (npm ci), the C tools.
set -euo pipefail
cd "$(dirname "$0")/.."

# iproute2, nftables, conntrack, ethtool: state and cross-checks in test
# namespaces; libmnl-dev: the C reference in the benchmarks; gcc/make: the
# native tools; g++ (node-gyp links with it even for C) and python3 (gyp):
# the native addon.
PACKAGES=(iproute2 libmnl-dev pkg-config gcc g++ make python3 nftables conntrack ethtool)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The addon is built by npm ci's install step; here its failure is fatal
# (elsewhere it only warns, since the codec works without it).
NLWIRE_REQUIRE_ADDON=1 npm ci --no-audit --no-fund
npm run -s build
echo "setup: done"
