#!/usr/bin/env bash
# Install the Debian packages the project needs, only when they are missing.
# Usage: scripts/ensure-system-packages.sh CHECK:PACKAGE ...
#   CHECK is a command name (found on PATH) or an absolute path (a glob is fine) that must exist.
set -euo pipefail
missing=()
for pair in "$@"; do
  check=${pair%%:*}
  package=${pair#*:}
  if [[ $check == /* ]]; then
    compgen -G "$check" >/dev/null && continue
  else
    command -v "$check" >/dev/null 2>&1 && continue
  fi
  missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
echo "installing system packages: ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then
  SUDO=sudo
else
  SUDO=
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
