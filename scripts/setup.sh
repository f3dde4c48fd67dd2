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
# The project-written families' cross-checks: ipset (its sets), iptables
# (NFQUEUE, where nft has no queue expression), strace (what ip and ipset
# send), libauparse0 (auditctl's library; auditctl itself comes below).
PACKAGES+=(ipset iptables strace libauparse0)
# procps (sysctl): per-namespace settings the netconf and sock_diag checks change.
PACKAGES+=(procps)
# tshark (with editcap): the independent decoder the capture tests compare with.
PACKAGES+=(tshark)
# chromium: the browser the capture viewer's end-to-end tests and the codec's
# browser run drive through playwright (Debian's, since nothing is downloaded).
PACKAGES+=(chromium)
# The WASI shim's toolchain (clang, lld, wasi-libc): only where wasm/ is
# rebuilt and checked against its sources, which CI does (CI=true) and
# NLWIRE_WASM_TOOLCHAIN=1 asks for; the committed component needs none of it.
if [ "${CI:-}" = "true" ] || [ "${NLWIRE_WASM_TOOLCHAIN:-}" = "1" ]; then
  PACKAGES+=(clang lld wasi-libc libclang-rt-14-dev-wasm32)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # wireshark-common asks whether non-root users may capture: answer no, without a prompt.
  if printf '%s\n' "${missing[@]}" | grep -qx tshark; then
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | $SUDO debconf-set-selections
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# auditctl cross-checks the audit family. It ships in the auditd package,
# whose install would start the audit daemon (which turns auditing on and
# loads rules): unpack only auditctl into build-tools/ instead.
if ! command -v auditctl >/dev/null && [ ! -x build-tools/auditctl ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq auditd && dpkg-deb -x auditd_*.deb x)
  install -D -m 755 "$tmp/x/sbin/auditctl" build-tools/auditctl
  rm -rf "$tmp"
fi

# The addon is built by npm ci's install step; here its failure is fatal
# (elsewhere it only warns, since the codec works without it).
NLWIRE_REQUIRE_ADDON=1 npm ci --no-audit --no-fund
npm run -s build
# jco, for the same rebuild: into build-tools/jco, never into the package's dependencies.
if [ "${CI:-}" = "true" ] || [ "${NLWIRE_WASM_TOOLCHAIN:-}" = "1" ]; then
  node scripts/build-wasm.mjs --tools
fi
echo "setup: done"
