#!/usr/bin/env bash
# Set up everything that is missing (environment, knowledge index, trained model), then run the whole suite:
# unit tests, action tests, store tests on SQLite and PostgreSQL, and end-to-end tests that start the real
# bot and talk to it over HTTP. Extra arguments go to pytest (e.g. -k complaints, -m "not e2e").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

rasa data validate --domain domain --data data --config config.yml --quiet

set +e
python -m pytest "$@"
status=$?
set -e
# pytest exits 5 when it collected nothing (e.g. a -k that matches no test): say so, but do not turn it into
# a failure; every other non-zero status is a real failure and is passed on.
if [ "$status" -eq 5 ]; then
  echo "run-tests: pytest collected no tests for: $*"
  exit 0
fi
exit "$status"
