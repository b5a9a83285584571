"""``python -m bot.channels.wechat credentials [BASE] [--out FILE]``: the credentials file with WeChat enabled.
``python -m bot.channels.wechat bench [-n N]``: what the protocol checks cost per request (table + file).

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


def bench(iterations: int, out: Path) -> str:
    """Median and p95 of each step a request goes through, on a typical text message, in microseconds."""
    import base64
    import os
    import statistics
    import time

    from bot.channels.wechat.protocol import (
        MessageCrypto, check_signature, check_timestamp, parse_xml, sign, text_reply,
    )

    token, app_id = "bench-token", "wxbench"
    aes_key = base64.b64encode(os.urandom(32)).decode().rstrip("=")
    crypto = MessageCrypto(token, aes_key, app_id)
    xml = ("<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[oBenchUser0000000000000000]]>"
           "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
           "<Content><![CDATA[网上买的衣服不合适，七天内可以无理由退货吗？]]></Content><MsgId>1234567890</MsgId></xml>")
    answer = "根据消费者权益保护法，网购商品自收到之日起七日内可以无理由退货。" * 10
    timestamp, nonce = str(int(time.time())), "bench"
    envelope = parse_xml(crypto.encrypt(xml, nonce, timestamp))["Encrypt"]
    msg_signature, signature = sign(token, timestamp, nonce, envelope), sign(token, timestamp, nonce)
    steps = {
        "timestamp window": lambda: check_timestamp(timestamp, 300),
        "signature (compare_digest)": lambda: check_signature(token, timestamp, nonce, signature),
        "parse XML (defusedxml)": lambda: parse_xml(xml.encode()),
        "decrypt (safe mode)": lambda: crypto.decrypt(envelope, msg_signature, timestamp, nonce),
        "render reply (CDATA-safe)": lambda: text_reply("oBenchUser", "gh_bench", answer),
        "encrypt reply (safe mode)": lambda: crypto.encrypt(
            text_reply("oBenchUser", "gh_bench", answer), nonce, timestamp),
    }
    rows = ["| step | median µs | p95 µs |", "| --- | --- | --- |"]
    for name, step in steps.items():
        samples = []
        for _ in range(iterations):
            started = time.perf_counter()
            step()
            samples.append((time.perf_counter() - started) * 1e6)
        samples.sort()
        rows.append(f"| {name} | {statistics.median(samples):.1f} | {samples[int(len(samples) * 0.95) - 1]:.1f} |")
    table = "\n".join(rows) + f"\n\n{iterations} iterations per step, one process.\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table, encoding="utf-8")
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.wechat")
    commands = parser.add_subparsers(dest="command", required=True)
    credentials = commands.add_parser("credentials", help="write a credentials file with the WeChat channel")
    credentials.add_argument("base", nargs="?", default="credentials.yml", type=Path)
    credentials.add_argument("--out", type=Path, help="file to write (default: standard output)")
    benchmark = commands.add_parser("bench", help="time the protocol checks a request goes through")
    benchmark.add_argument("-n", "--iterations", type=int, default=2000)
    benchmark.add_argument("--out", type=Path, help="default: var/bench/wechat-protocol.md")
    args = parser.parse_args(argv)
    if args.command == "bench":
        from bot.paths import var_dir

        print(bench(args.iterations, args.out or var_dir() / "bench" / "wechat-protocol.md"), end="")
        return 0
    text = credentials_text(args.base.read_text(encoding="utf-8"))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
