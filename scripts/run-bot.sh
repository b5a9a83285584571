#!/usr/bin/env bash
# Set up everything that is missing, then start the bot with its embedded defaults:
#   action server  http://127.0.0.1:5055   (our actions, knowledge retrieval with the offline model)
#   Rasa server    http://127.0.0.1:5005   (REST channel: POST /webhooks/rest/webhook;
#                                          website widget: demo page /chat/, script /chat/widget.js)
#   agent console  http://127.0.0.1:8000   (accounts: `desk user add NAME --role agent`; API under /api/)
# Conversations are kept in var/tracker.db (SQLite, encrypted) and survive restarts. Ctrl-C stops them all.
#
#   scripts/run-bot.sh --profile production   the same addresses, served by nginx in front of 2 Rasa servers and
#                                             2 action servers (BOT_RASA_SERVERS, BOT_ACTION_SERVERS), with
#                                             PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379): README,
#                                             "Production profile".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
profile=embedded
case "${1:-}" in
  "") ;;
  --profile) profile="${2:?--profile needs embedded or production}" ;;
  --profile=*) profile="${1#--profile=}" ;;
  *) echo "usage: scripts/run-bot.sh [--profile embedded|production]" >&2; exit 2 ;;
esac
if [[ "$profile" != embedded && "$profile" != production ]]; then
  echo "run-bot: unknown profile '$profile' (embedded or production)" >&2; exit 2
fi
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
mkdir -p var
if [[ "$profile" == production ]]; then
  exec python -m bot.deploy run
fi

# Sanic closes a connection whose request has not started within its keep-alive timeout (5 s); when the action
# server is busy that cuts Rasa off mid-request ("Cannot write to closing transport": the turn's events are lost).
# SANIC_USE_UVLOOP=false: uvloop accepts one waiting connection per turn of a busy event loop (asyncio's loop accepts
# them all), so with many customers at once their first messages waited minutes before a handler started.
# DISABLE_UVLOOP: aiogram (imported by Rasa's Telegram channel) installs uvloop's policy on import otherwise.
export SANIC_USE_UVLOOP=false DISABLE_UVLOOP=1
SANIC_HOST=127.0.0.1 SANIC_KEEP_ALIVE_TIMEOUT=75 rasa run actions --actions actions --port 5055 &
actions_pid=$!
python -m bot.console.cli serve --host 127.0.0.1 --port 8000 &
console_pid=$!
trap 'kill $actions_pid $console_pid 2>/dev/null || true' EXIT INT TERM

# WeChat (/webhooks/wechat/webhook) is on whenever WECHAT_TOKEN is set. Rasa refuses an unset ${VAR} in a
# credentials file, so the channel's section is generated (variable references only, no secrets written).
credentials=credentials.yml
if [[ -n "${WECHAT_TOKEN:-}" ]]; then
  credentials="${BOT_VAR_DIR:-var}/credentials.yml"
  python -m bot.channels.wechat credentials credentials.yml --out "$credentials"
fi

# Connections waiting to be accepted: Sanic's default (100) drops customers' connections when many arrive at once.
SANIC_BACKLOG=2048 rasa run --enable-api --interface 127.0.0.1 --port 5005 \
  --model models --endpoints endpoints.yml --credentials "$credentials"
