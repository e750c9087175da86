#!/usr/bin/env bash
# Cross-check the fixtures the tests use against the reference material they were copied from,
# in ../shared beside the checkout (only this project's CI and sessions have it). Announces
# plainly when that folder is absent; fails when a fixture no longer matches its source.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
if [ ! -d "$shared" ]; then
  echo "check-shared: $shared not found; the fixtures in tests/fixtures were NOT cross-checked against it"
  exit 0
fi
echo "check-shared: cross-checking tests/fixtures against $shared"
fail=0
check() { # check SOURCE FIXTURE
  if diff -r "$1" "$2" >/dev/null; then
    echo "check-shared: ok   $2 = $1"
  else
    echo "check-shared: FAIL $2 differs from $1"; diff -r "$1" "$2" | head -20; fail=1
  fi
}
conf="$shared/confd-conformance"
check "$conf/integration/confdir" tests/fixtures/confd-integration/confdir
check "$conf/derived-expect" tests/fixtures/confd-integration/expect
check "$conf/unit-template-cases" tests/fixtures/confd-unit
# The published listings of seed 000, cut out of the seed text the same way they were made.
python3 - "$shared/seeds/000_c4728bc8174f836c.txt" <<'PY' || fail=1
import sys
seed = open(sys.argv[1], encoding="utf-8").read()
def block(after):
    rest = seed[seed.index(after) + len(after):]
    return rest[:rest.index("```")]
for name, after in [("myapp.conf", "cat myapp.conf\n"),
                    ("twemproxy.conf", "## 6.4. 生成`twemproxy`配置文件\n\n```bash\n")]:
    have = open("tests/fixtures/seed-000/" + name, encoding="utf-8").read()
    ok = have == block(after)
    print(f"check-shared: {'ok  ' if ok else 'FAIL'} tests/fixtures/seed-000/{name} = seed 000")
    if not ok:
        sys.exit(1)
PY
exit $fail
