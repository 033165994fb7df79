#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the app needs, only those that are missing:
# WeasyPrint's libraries and fonts, Node.js for the front-end build, venv support, and the
# tools the tests use to read PDFs. Safe to run again: it does nothing when all is there.
# `--test-tools` adds what the tests check the deployment files with: nginx (`nginx -t` on
# deploy/nginx) and systemd (`systemd-analyze verify` on deploy/systemd); neither is started.
set -euo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation poppler-utils)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || packages+=(python3-venv)
# Anything extra the caller needs (CI adds postgresql and chromium), by name.
for argument in "$@"; do
  if [ "$argument" = "--test-tools" ]; then
    packages+=(nginx-light systemd)
  else
    packages+=("$argument")
  fi
done

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install these packages with your system's package manager: ${missing[*]}" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
# Installing a server package must not start it (nginx would take port 80 on a test machine):
# Debian's maintainer scripts ask policy-rc.d, which says no while this runs (unless the machine
# already has a policy of its own, which is left as it is).
policy=/usr/sbin/policy-rc.d
if [[ " ${missing[*]} " == *" nginx-light "* ]] && [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
