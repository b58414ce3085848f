#!/usr/bin/env bash
# Builds the wheel, installs it into a fresh virtual environment and runs the installed tool
# from outside the checkout, so the data folders (framework packs, templates, migrations) are
# proven to ship inside the wheel and to be found there.
set -euo pipefail

PYTHON=${PYTHON:-python3}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d -t scorecard-wheel-XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "wheel-check: building the wheel"
"$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$repo"
wheel=$(ls "$work"/dist/scorecard-*.whl)
for folder in categories templates migrations; do
  if ! "$PYTHON" -m zipfile -l "$wheel" | grep -q "scorecard/$folder/"; then
    echo "wheel-check: $folder/ is missing from $(basename "$wheel")" >&2
    exit 1
  fi
done

echo "wheel-check: installing $(basename "$wheel") into a fresh environment"
"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$wheel"

cd "$work"  # away from the checkout, so nothing can be found there by accident
"$work/venv/bin/python" - <<'PY'
import sysconfig
from pathlib import Path
from scorecard.resources import data_dir

site = Path(sysconfig.get_paths()["purelib"]).resolve()
for name in ("categories", "templates", "migrations"):
    folder = data_dir(name)
    assert site in folder.resolve().parents, f"{name} resolved outside the install: {folder}"
    print(f"wheel-check: {name} -> {folder}")
PY
"$work/venv/bin/scorecard" --version
"$work/venv/bin/scorecard" frameworks validate
"$work/venv/bin/scorecard" demo --dir "$work/demo" >/dev/null
test -s "$work/demo/scorecard.json"
echo "wheel-check: ok"
