"""``python -m bot.deploy run [--rasa N] [--actions M]``: the production profile on this machine (what
``scripts/run-bot.sh --profile production`` runs); ``python -m bot.deploy files``: only write its generated files.
"""
from __future__ import annotations

import argparse
import os
import sys

from bot.deploy.files import write_files
from bot.deploy.launcher import LaunchError, Launcher
from bot.deploy.topology import Topology
from bot.paths import REPO_ROOT


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.deploy", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "files"):
        command = commands.add_parser(name)
        command.add_argument("--rasa", type=int, default=int(os.environ.get("BOT_RASA_SERVERS", 2)),
                             help="Rasa server processes (default 2, or BOT_RASA_SERVERS)")
        command.add_argument("--actions", type=int, default=int(os.environ.get("BOT_ACTION_SERVERS", 2)),
                             help="action server processes (default 2, or BOT_ACTION_SERVERS)")
    args = parser.parse_args(argv)
    if args.rasa < 1 or args.actions < 1:
        parser.error("--rasa and --actions need at least one process each")
    topology = Topology(rasa_servers=args.rasa, action_servers=args.actions)
    if args.command == "files":
        for name, path in write_files(topology).items():
            print(f"{name}: {path}")
        return 0
    launcher = Launcher(topology)
    if os.environ.get("WECHAT_TOKEN"):
        from bot.channels.wechat.__main__ import credentials_text

        launcher.credentials = topology.workdir / "credentials.yml"
        topology.workdir.mkdir(parents=True, exist_ok=True)
        base = (REPO_ROOT / "credentials.yml").read_text(encoding="utf-8")
        launcher.credentials.write_text(credentials_text(base), encoding="utf-8")
    try:
        launcher.start()
    except LaunchError as error:
        print(f"production: {error}", file=sys.stderr)
        return 1
    t = topology
    print(f"production: {t.rasa_servers} Rasa servers {t.rasa_ports}, {t.action_servers} action servers "
          f"{t.action_ports}, console {t.console_port}; nginx on 127.0.0.1:{t.public_rasa_port} (channels), "
          f":{t.public_console_port} (console), :{t.public_actions_port} (actions), :{t.api_port} (Rasa API); "
          f"PostgreSQL {t.database} + {t.tracker_database}, Redis {t.redis_url}", flush=True)
    return launcher.wait()


if __name__ == "__main__":
    sys.exit(main())
