#!/usr/bin/env bash
# Renderer speed against Go's text/template, in one run: installs Go (for ../shared/oracle) if
# missing, builds release, prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --build-only
if ! command -v go >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq golang-go
fi
cargo bench --locked -p wconfd --bench render
