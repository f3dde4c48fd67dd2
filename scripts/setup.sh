#!/usr/bin/env bash
# Installs what a fresh machine lacks for nlwire, then builds it:
# Debian packages (only the missing ones), npm packages (npm ci), the C tools.
set -euo pipefail
cd "$(dirname "$0")/.."

# iproute2, nftables, conntrack, ethtool: state and cross-checks in test
# namespaces; libmnl-dev: the C reference in the benchmarks; gcc/make: the
# native tools.
PACKAGES=(iproute2 libmnl-dev pkg-config gcc make nftables conntrack ethtool)

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

npm ci --no-audit --no-fund
npm run -s build
echo "setup: done"
