"""``console serve``: run the agent console (default http://127.0.0.1:8000/, API under /api/).

The database is ``BOT_DATABASE_URL`` (default var/bot.db); it is migrated to the newest schema first.
"""
from __future__ import annotations

import argparse
import sys

import uvicorn

from bot.console.app import create_app
from bot.store import migrate
from bot.store.privacy import install_log_masking


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="console", description="The agent console.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the console")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--database-url", help="SQLAlchemy URL (default: BOT_DATABASE_URL or var/bot.db)")
    serve.add_argument("--check-deadlines-every", type=float, default=30.0, metavar="SECONDS",
                       help="how often deadlines are checked and owners warned (default 30; 0 = never)")
    args = parser.parse_args(argv)
    install_log_masking()
    migrate(args.database_url)
    app = create_app(args.database_url, check_deadlines_every=args.check_deadlines_every or None)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
