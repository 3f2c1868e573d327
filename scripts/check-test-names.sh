#!/usr/bin/env bash
# ctest cuts a Catch test name at ';' and reads '[' as the start of a tag, so a TEST_CASE whose name holds
# either is registered under a name that matches nothing and is silently never run. Refuse such names.
set -euo pipefail
cd "$(dirname "$0")/.."
if bad=$(grep -rnE 'TEST_CASE\("[^"]*[][;]' tests/unit); then
  echo "check-test-names: these test names contain ';', '[' or ']' and would never run under ctest:" >&2
  echo "$bad" >&2
  exit 1
fi
