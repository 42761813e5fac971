#!/usr/bin/env bash
# Install the Debian packages given as arguments that are not installed yet.
#
# Quiet and quick when everything is there (one dpkg-query), so every make target can call it.
# It only acts as root on a machine with apt-get; elsewhere (a laptop, another distribution) it
# does nothing and the developer installs the equivalents by hand (docs/development.md).
set -euo pipefail

[ "$#" -gt 0 ] || exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    exit 0
fi

missing=()
for package in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine are empty, so refresh them once before installing.
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
