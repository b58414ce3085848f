#!/usr/bin/env bash
# Makes sure the Debian packages scorecard needs at run time and in its tests are installed:
# Pango for WeasyPrint, HarfBuzz's subsetter (without it WeasyPrint's font embedding takes a
# path about twice as slow), fonts with wide glyph coverage, and poppler-utils (pdfsig,
# pdfdetach, pdftoppm) for independent checks of the signed PDF. As root it installs what is
# missing; otherwise it prints the exact command and stops.
set -euo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "note: not a Debian-like system; install Pango, HarfBuzz (subset), DejaVu fonts and poppler-utils yourself" >&2
  exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
  echo "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "error: missing system packages; run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
