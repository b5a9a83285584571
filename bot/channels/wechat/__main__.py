"""``python -m bot.channels.wechat credentials [BASE] [--out FILE]``: the credentials file with WeChat enabled.

Rasa's credentials loader refuses a ``${VAR}`` whose variable is unset, so the channel cannot sit in
credentials.yml for everyone: this writes BASE (credentials.yml) plus a WeChat section naming only the
``WECHAT_*`` variables that are set. The file holds variable references, never the secrets themselves.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

CHANNEL_KEY = "bot.channels.wechat.WeChatInput"
# credentials key → environment variable
VARIABLES = {
    "token": "WECHAT_TOKEN",
    "app_id": "WECHAT_APP_ID",
    "app_secret": "WECHAT_APP_SECRET",
    "aes_key": "WECHAT_AES_KEY",
}


def credentials_text(base: str, env=os.environ) -> str:
    if not env.get("WECHAT_TOKEN"):
        raise SystemExit("WECHAT_TOKEN is not set: the WeChat channel stays off")
    lines = [base.rstrip("\n"), "", f"{CHANNEL_KEY}:"]
    lines += [f"  {key}: ${{{variable}}}" for key, variable in VARIABLES.items() if env.get(variable)]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.wechat")
    commands = parser.add_subparsers(dest="command", required=True)
    credentials = commands.add_parser("credentials", help="write a credentials file with the WeChat channel")
    credentials.add_argument("base", nargs="?", default="credentials.yml", type=Path)
    credentials.add_argument("--out", type=Path, help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    text = credentials_text(args.base.read_text(encoding="utf-8"))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
