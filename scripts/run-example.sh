#!/usr/bin/env bash
# Run one of examples/ offline with the file backend, the way a confd user would:
#   scripts/run-example.sh [NAME]        (default: nginx-lsdir; `ls examples/` lists them)
# Builds wconfd (release) on first use, renders into /tmp/wconfd-examples/NAME/ and prints
# the result. check_cmd/reload_cmd that need software this machine lacks (nginx, nutcracker)
# are skipped with -sync-only; the cicd-trigger example runs its reload_cmd for real.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:-nginx-lsdir}"
ex="examples/$name"
[ -d "$ex" ] || { echo "no example '$name'; choose one of: $(ls examples | tr '\n' ' ')" >&2; exit 2; }
scripts/setup.sh --build-only >&2
target=$(scripts/target.sh)
bin="target/$target/release/wconfd"
[ -x "$bin" ] || cargo build --release --locked --target "$target" >&2
out="/tmp/wconfd-examples/$name"
rm -rf "$out" && mkdir -p "$out"
extra=(-sync-only)
if [ -d "$ex/bin" ]; then
  cp -r "$ex/bin" "$out/bin"
  mkdir -p "$out/reload"
  extra=()
fi
for f in "$ex"/confdir/conf.d/*.toml; do
  d=$(sed -n 's/^ *dest *= *"\(.*\)".*/\1/p' "$f"); mkdir -p "$(dirname "$d")"
done
"$bin" -onetime -log-level info -config-file /dev/null -backend file -file "$ex/data.yaml" -confdir "$ex/confdir" "${extra[@]}"
for f in $(find "$out" -type f -not -path "*/bin/*" | sort); do
  echo "==> $f <=="
  cat "$f"
done
