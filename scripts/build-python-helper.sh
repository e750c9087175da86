#!/usr/bin/env bash
# Build the example helper library written in Python (examples/plugins/textpy) into a
# WebAssembly component with componentize-py (from PyPI), and write its manifest beside it.
#
#   scripts/build-python-helper.sh OUT_DIR [WCONFD]
#
# OUT_DIR gets textpy.wasm and textpy.toml (a plugin directory wconfd can load). WCONFD is the
# wconfd binary that writes the manifest (default: target/debug/wconfd). scripts/setup.sh
# installs componentize-py; the version is pinned there and here.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/build-python-helper.sh OUT_DIR [WCONFD]}
wconfd=${2:-target/debug/wconfd}
version=0.25.1
if ! command -v componentize-py >/dev/null || [[ "$(componentize-py --version 2>/dev/null)" != *"$version"* ]]; then
  echo "componentize-py $version is missing: run scripts/setup.sh (or: pip install componentize-py==$version)" >&2
  exit 1
fi
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
componentize-py -d wit/v0.3.0 -w helpers-plugin componentize -p examples/plugins/textpy app -o "$work/textpy.wasm" >&2
mv "$work/textpy.wasm" "$out/textpy.wasm"
"$wconfd" plugin manifest "$out/textpy.wasm" -name textpy -kind helpers > "$out/textpy.toml"
