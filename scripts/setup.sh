#!/usr/bin/env bash
# One-time (and idempotent) set-up on a fresh machine:
#   1. find a Python 3.10 (Rasa Open Source 3.6 runs on 3.8–3.10 only),
#   2. create .venv and install the project when pyproject.toml changed,
#   3. validate the knowledge base and build its derived files and index,
#   4. train the Rasa model if it is missing or stale (Rasa skips training when nothing changed).
# Sourced by run-bot.sh and run-tests.sh; safe to run on its own.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

find_python310() {
  local candidate
  if command -v python3.10 >/dev/null 2>&1; then
    candidate=$(command -v python3.10)
    # pyenv puts a shim on PATH that fails when 3.10 is not the selected version; ask it for the real path.
    if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
      "$candidate" -c 'import sys; print(sys.executable)'; return 0
    fi
  fi
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in $(ls -d "$(pyenv root)"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do
      if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
        echo "$candidate"; return 0
      fi
    done
  fi
  if command -v uv >/dev/null 2>&1 && candidate=$(uv python find 3.10 2>/dev/null); then
    echo "$candidate"; return 0
  fi
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
  if ! PYTHON=$(find_python310); then
    cat >&2 <<'MSG'
setup: no Python 3.10 found. Rasa Open Source 3.6 needs Python 3.8–3.10.
Install one of these, then run this command again:
  - pyenv install 3.10        (https://github.com/pyenv/pyenv)
  - uv python install 3.10    (https://docs.astral.sh/uv/)
  - your system's python3.10 package (e.g. apt-get install python3.10 python3.10-venv)
MSG
    exit 1
  fi
  echo "setup: creating .venv with $PYTHON"
  rm -rf .venv
  "$PYTHON" -m venv .venv
fi

stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing dependencies (first run: several minutes; torch and tensorflow are large)"
  .venv/bin/python -m pip install --quiet "pip<24.1"
  .venv/bin/python -m pip install --quiet -e ".[test,bench]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The browser tests drive Debian's Chromium through Playwright (no browser download from Playwright); the CJK
# fonts make the widget's and the console's Chinese text readable in their screenshots.
if { [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ]; } && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing chromium and CJK fonts for the browser tests"
  apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null \
    || echo "setup: could not install chromium (needs root); the browser tests will fail until it is installed" >&2
fi

# nginx fronts the production profile's processes (scripts/run-bot.sh --profile production, and its tests).
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing nginx for the production profile"
  { apt-get install -y -qq nginx >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq nginx >/dev/null; }; } \
    || echo "setup: could not install nginx (needs root); the production profile will not start" >&2
fi

export PATH="$PWD/.venv/bin:$PATH"
kb build
# Rasa compares a fingerprint of config, domain and data with the newest model and only retrains on change.
rasa train --domain domain --data data --config config.yml --out models --quiet
