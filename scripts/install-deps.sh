#!/usr/bin/env bash
# Installs what building, testing and the demo need, from Debian 12's own packages.
# Idempotent: does nothing when everything is already installed.
set -euo pipefail

packages=(
  postgresql-15 postgresql-server-dev-15 postgresql-common postgresql-client-15
  libsodium-dev nlohmann-json3-dev
  g++ make cmake libgtest-dev
  pgbouncer sqlsmith
)

# Runs a command as root, through sudo when we are not root.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
