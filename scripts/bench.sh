#!/usr/bin/env bash
# Benchmarks, each printing a Markdown table:
#   scripts/bench.sh          renderer speed against Go's text/template (installs Go for
#                             ../shared/oracle if missing)
#   scripts/bench.sh watch    watch latency, memory and requests per change on real etcd, redis and ZooKeeper
#                             and on the consul and rancher plugins (emulated servers); add
#                             `fetch` for the 20,000-key plugin fetch table alone, or `tenants`
#                             for one tenant's latency while another's template spins
#   scripts/bench.sh helpers  a helper-library call against the same work by a built-in function
#   scripts/bench.sh process  whole onetime processes against Go's (same data, 1x and 10x) and a
#                             cold start on confd's integration confdir; the real confd is
#                             measured too when WCONFD_CONFD names its binary or it is on PATH
set -euo pipefail
cd "$(dirname "$0")/.."
# Benchmarks run the build users run (scripts/target.sh).
target=$(scripts/target.sh)
if [ "${1:-}" = "watch" ]; then
  scripts/setup.sh
  exec cargo bench --locked --target "$target" -p wconfd --bench watch -- "${@:2}"
fi
scripts/setup.sh --build-only
if [ "${1:-}" = "helpers" ]; then
  exec cargo bench --locked --target "$target" -p wconfd --bench helpers
fi
if ! command -v go >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq golang-go
fi
if [ "${1:-}" = "process" ]; then
  # GNU time measures each process's peak memory (see host/benches/process.rs).
  if [ ! -x /usr/bin/time ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time
  fi
  exec cargo bench --locked --target "$target" -p wconfd --bench process -- "${@:2}"
fi
cargo bench --locked --target "$target" -p wconfd --bench render
