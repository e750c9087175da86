#!/usr/bin/env bash
# Run every test the way CI does: set up prerequisites, check formatting and lints, build once
# (debug) and run the whole suite, which starts the real wconfd binary and loads the real
# WebAssembly renderer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The target the product is built for (scripts/target.sh): tests run the binary users run.
target=$(scripts/target.sh)
cargo fmt --all -- --check
cargo clippy --locked --all-targets --target "$target" -- -D warnings
# The plugins (guests) build only for wasm32-wasip2, outside the default members.
cargo clippy --locked --target wasm32-wasip2 -p wconfd-plugin-sdk -p wconfd-rancher -p wconfd-consul -p wconfd-vault -p wconfd-plugin-aws -p wconfd-dynamodb -p wconfd-ssm \
  -p wconfd-json -p wconfd-sprig -p wconfd-test-probe-backend -p wconfd-test-probe-helpers -p wconfd-test-clash-helpers -p wconfd-test-legacy-renderer -p wconfd-test-legacy-backend -p wconfd-test-greedy-renderer -p wconfd-gotemplate-component -- -D warnings
# An extra, announced step: the fixtures against ../shared, where that folder exists.
scripts/check-shared.sh
# The renderer component's own unit tests (its memcmp and allocator), run natively; it is not a
# default member.
cargo test --locked --target "$target" -p wconfd-gotemplate-component
cargo test --locked --target "$target" -- --nocapture 2>&1 | tee target/test-output.log
