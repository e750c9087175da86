#!/usr/bin/env bash
# Install what building and testing wconfd needs on a fresh Debian machine (idempotent):
#   scripts/setup.sh               toolchain + targets (wasm32-wasip2, scripts/target.sh) + test services
#   scripts/setup.sh --build-only  toolchain + targets only
# The Rust toolchain itself is pinned by rust-toolchain.toml; rustup installs it on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
if ! rustup target list --toolchain "$toolchain" --installed 2>/dev/null | grep -qx wasm32-wasip2; then
  echo "setup: installing the $toolchain toolchain's wasm32-wasip2 target" >&2
  rustup toolchain install "$toolchain" --profile minimal --component rustfmt,clippy >&2
  rustup target add --toolchain "$toolchain" wasm32-wasip2 >&2
fi

target=$(scripts/target.sh)
if ! rustup target list --toolchain "$toolchain" --installed 2>/dev/null | grep -qx "$target"; then
  echo "setup: installing the $toolchain toolchain's $target target" >&2
  rustup target add --toolchain "$toolchain" "$target" >&2
fi

apt_install() {
  echo "setup: installing $*" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >&2
}

# etcd-client generates its gRPC code at build time with protoc, which needs the well-known
# types (google/protobuf/*.proto) from libprotobuf-dev: Debian's protobuf-compiler only
# recommends that package, and --no-install-recommends leaves it out.
if ! command -v protoc >/dev/null || [ ! -f /usr/include/google/protobuf/descriptor.proto ]; then
  apt_install protobuf-compiler libprotobuf-dev
fi
# The C parts of some dependencies (ring, psm, mimalloc) are compiled for musl with musl-gcc.
if [[ "$target" == *-musl ]] && ! command -v musl-gcc >/dev/null; then
  apt_install musl-tools
fi
[ "${1:-}" = "--build-only" ] && exit 0

# Servers the backend tests start on loopback (etcd, redis, ZooKeeper) and their clients.
# ZooKeeper: Debian's server (libzookeeper-java, the jar the zookeeperd package runs) and a
# headless Java runtime; the tests start it standalone, so the system service is not needed.
need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v etcdctl >/dev/null || need+=(etcd-client)
command -v redis-server >/dev/null || need+=(redis-server)
[ -f /usr/share/java/zookeeper.jar ] || need+=(libzookeeper-java)
command -v java >/dev/null || need+=(default-jre-headless)
if [ ${#need[@]} -gt 0 ]; then
  apt_install "${need[@]}"
fi

# componentize-py (PyPI) builds the example helper library written in Python, which the tests
# load to show the helpers contract is not tied to Rust.
componentize_py=0.25.1
if [[ "$(componentize-py --version 2>/dev/null || true)" != *"$componentize_py"* ]]; then
  echo "setup: installing componentize-py $componentize_py" >&2
  if ! command -v pip3 >/dev/null; then
    apt_install python3-pip
  fi
  pip3 install --quiet --disable-pip-version-check "componentize-py==$componentize_py" >&2 \
    || pip3 install --quiet --disable-pip-version-check --break-system-packages "componentize-py==$componentize_py" >&2
fi

# moto (PyPI) in server mode: AWS's DynamoDB and SSM APIs, implemented for real, which the
# dynamodb and ssm backend tests start on loopback ports.
moto=5.2.5
if ! command -v moto_server >/dev/null || [[ "$(pip3 show moto 2>/dev/null | sed -n 's/^Version: //p')" != "$moto" ]]; then
  echo "setup: installing moto[server] $moto" >&2
  if ! command -v pip3 >/dev/null; then
    apt_install python3-pip
  fi
  pip3 install --quiet --disable-pip-version-check "moto[server]==$moto" >&2 \
    || pip3 install --quiet --disable-pip-version-check --break-system-packages "moto[server]==$moto" >&2
fi
