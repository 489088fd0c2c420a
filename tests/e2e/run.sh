#!/usr/bin/env bash
# End-to-end tests of the employee portal: the release server on SQLite with a real SMTP
# capture, driven through Debian's Chromium with playwright-core. See README.md.
#
#   bash tests/e2e/run.sh            # from anywhere
#
# Needs: the release binary (built here when missing), the SPA in frontend/dist (built here
# when missing), /usr/bin/chromium and sqlite3 (installed here with apt-get when missing),
# Node ≥ 20.19.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$HOME/.cache/verzuim-target}"
export VERZUIM_BIN="${VERZUIM_BIN:-$target/release/verzuim}"

if [ ! -x /usr/bin/chromium ]; then
  echo "e2e: installing chromium" >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium
  fi
fi

# The journey ages a session's step-up in the server's SQLite database (support/server.mjs).
if ! command -v sqlite3 >/dev/null 2>&1; then
  echo "e2e: installing sqlite3" >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && apt-get install -y -qq sqlite3
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq sqlite3
  fi
fi

if [ ! -x "$VERZUIM_BIN" ]; then
  echo "e2e: building the release binary ($VERZUIM_BIN)" >&2
  (cd "$repo" && CARGO_TARGET_DIR="$target" cargo build --release -p verzuim)
fi

if [ ! -f "$repo/frontend/dist/index.html" ]; then
  echo "e2e: building the SPA" >&2
  (cd "$repo/frontend" && npm ci --no-audit --no-fund && npm run build)
fi

cd "$here"
npm ci --no-audit --no-fund --loglevel=error
rm -rf screenshots
# One server, SMTP capture and browser for the whole run (node:test, one file, in order).
exec node --test --test-concurrency=1 --test-reporter=spec "$@" journey.test.mjs
