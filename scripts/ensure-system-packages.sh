#!/usr/bin/env bash
# Installs the Debian packages the tests start for real (stunnel4, redis-server, ...), listed in
# scripts/system-packages.txt as "package command" pairs. As root it runs apt-get; otherwise it
# stops with one line naming what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
while read -r package command; do
  [[ -z "${package}" || "${package}" == \#* ]] && continue
  if ! command -v "${command}" >/dev/null 2>&1; then missing+=("${package}"); fi
done < scripts/system-packages.txt
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "ciralab: installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "ciralab: missing Debian packages: ${missing[*]} (install them with: sudo apt-get install ${missing[*]})" >&2
exit 1
