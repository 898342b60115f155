#!/usr/bin/env bash
# The whole suite: formatting, lints, unit and integration tests on SQLite and PostgreSQL,
# and the browser tests in headless Chromium. Installs and starts what it needs, and says
# clearly what is missing when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }
die() { printf '\nMISSING: %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || die "cargo (the Rust toolchain) is not installed"

say "system packages for the browser tests"
need=()
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || need+=(chromium)
[ -x "${CHROMEDRIVER:-/usr/bin/chromedriver}" ] || need+=(chromium-driver)
command -v pg_isready >/dev/null || need+=(postgresql-client)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing: ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; } \
      || die "could not install ${need[*]} with apt-get"
  else
    die "${need[*]} (install with: apt-get install ${need[*]})"
  fi
fi
echo "chromium: $(${CHROMIUM:-/usr/bin/chromium} --version 2>/dev/null | head -1)"

say "the OpenAPI validator (Python openapi-spec-validator)"
if ! python3 -c "import openapi_spec_validator" 2>/dev/null; then
  command -v python3 >/dev/null || die "python3 (for openapi-spec-validator)"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore openapi-spec-validator \
    || die "openapi-spec-validator (pip install openapi-spec-validator)"
fi
echo "ok"

say "PostgreSQL on 127.0.0.1:5432"
if [ -z "${SIMFLEET_TEST_PG:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
      echo "starting PostgreSQL"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
      for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
    fi
  fi
  pg_isready -q -h 127.0.0.1 -p 5432 \
    || die "PostgreSQL does not answer on 127.0.0.1:5432 and could not be started (set SIMFLEET_TEST_PG=postgres://user@host:port to use another)"
  psql -h 127.0.0.1 -U postgres -d postgres -tAc 'SELECT 1' >/dev/null \
    || die "PostgreSQL answers but user postgres cannot connect without a password (trust auth expected)"
fi
echo "ok"

say "cargo fmt --check"
cargo fmt --check

say "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --quiet -- -D warnings

say "cargo test (unit, integration on SQLite and PostgreSQL, browser)"
cargo test

echo "all checks passed; screenshots in target/screenshots/"
