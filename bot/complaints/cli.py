"""``complaints``: the operator's command line for the complaint store.

    complaints migrate                         create or upgrade the database schema
    complaints overdue [--now 2026-11-25T09:00]
    complaints show TS-20261122-000123
    complaints advance TS-20261122-000123 调查核实 --operator 王芳 [--note "已联系商家"]
    complaints export --format csv|json [--output FILE] [--unmask --operator NAME]
    complaints purge-expired [--now ...]      anonymise customers whose cases ended beyond the retention period
    complaints analyse [--since 2026-10-01] [--until 2026-11-30] [--format text|json|csv] [--output FILE]
                                              recurring problems by clustering complaint facts (docs/analytics.md)

The database is ``BOT_DATABASE_URL`` (default var/bot.db) unless ``--database-url`` is given. Times without a
zone are Beijing time; all times printed are Beijing time.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.complaints import export, service
from bot.complaints.lifecycle import IllegalTransition, PolicyError, Status, load_policy
from bot.complaints.views import CHINA_TIME, china_time
from bot.store import migrate, session_scope
from bot.store.privacy import install_log_masking


def _moment(text: str) -> datetime:
    """An ISO time as naive UTC, the way times are stored; no zone means Beijing time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date-time: {text!r} (example: 2026-11-25T09:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TIME)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date: {text!r} (example: 2026-11-01)") from None


def _status(text: str) -> Status:
    try:
        return Status(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"unknown status {text!r}; one of: {', '.join(s.value for s in Status)}"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="complaints", description="Operate on the complaint store.")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: BOT_DATABASE_URL or var/bot.db)")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("migrate", help="create or upgrade the database schema")

    overdue = commands.add_parser("overdue", help="list open complaints past their current deadline")
    overdue.add_argument("--now", type=_moment, help="pretend it is this time (ISO; default: now)")

    show = commands.add_parser("show", help="show one complaint with its history (personal data masked)")
    show.add_argument("ticket")

    advance = commands.add_parser("advance", help="move a complaint to its next status")
    advance.add_argument("ticket")
    advance.add_argument("status", type=_status)
    advance.add_argument("--operator", required=True, help="who is doing it (recorded in the history)")
    advance.add_argument("--note", default="")

    exporting = commands.add_parser("export", help="export complaints as a regulator's complaint form")
    exporting.add_argument("--format", choices=export.FORMATS, required=True)
    exporting.add_argument("--output", type=Path, help="file to write (default: standard output)")
    exporting.add_argument(
        "--unmask", action="store_true", help="include personal data unmasked (authorised operators only)"
    )
    exporting.add_argument("--operator", help="who is exporting; required with --unmask")

    purge = commands.add_parser(
        "purge-expired", help="anonymise customers whose complaints ended beyond the retention period"
    )
    purge.add_argument("--now", type=_moment, help="pretend it is this time (ISO; default: now)")

    analyse = commands.add_parser(
        "analyse", help="group complaints and hand-offs; find recurring problems by clustering complaint facts"
    )
    analyse.add_argument("--since", type=_day, help="first Beijing date to include (default: the earliest)")
    analyse.add_argument("--until", type=_day, help="last Beijing date to include (default: the latest)")
    # bot.analytics.FORMATS; bot.analytics (scikit-learn, the encoder) is imported only when this command runs.
    analyse.add_argument("--format", choices=("text", "json", "csv"), default="text")
    analyse.add_argument("--output", type=Path, help="file to write (default: standard output)")
    return parser


def _run(args: argparse.Namespace) -> int:
    url = args.database_url
    migrate(url)
    if args.command == "migrate":
        print("Database schema is up to date.")
    elif args.command == "overdue":
        late = service.overdue(args.now, url=url)
        for view in late:
            print(f"{view.summary_line()}｜时限 {china_time(view.status_deadline)}")
        print(f"{len(late)} overdue complaint(s).", file=sys.stderr)
    elif args.command == "show":
        view = service.lookup(args.ticket, url=url)
        print(view.describe(load_policy(), datetime.now(timezone.utc).replace(tzinfo=None)))
        print(f"投诉人：{view.customer_name or '（已匿名）'}　电话：{view.phone or '—'}")
    elif args.command == "advance":
        view = service.advance(args.ticket, args.status, args.operator, args.note, url=url)
        print(f"{view.ticket} is now {view.status.value}; deadline {china_time(view.status_deadline) or 'none'}.")
    elif args.command == "export":
        if args.unmask and not args.operator:
            print("error: --unmask requires --operator NAME", file=sys.stderr)
            return 2
        records = export.export_records(unmask=args.unmask, operator=args.operator, url=url)
        text = export.render(records, args.format)
        if args.output:
            # Excel only recognises UTF-8 CSV with a byte-order mark.
            args.output.write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
            print(f"Wrote {len(records)} complaint(s) to {args.output}.", file=sys.stderr)
        else:
            sys.stdout.write(text)
    elif args.command == "analyse":
        from bot import analytics

        try:
            with session_scope(url) as session:
                report = analytics.analyse(session, args.since, args.until)
        except analytics.AnalysisError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        text = analytics.render(report, args.format)
        if args.output:
            args.output.write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
            print(f"Wrote the analysis of {report.complaints} complaint(s) to {args.output}.", file=sys.stderr)
        else:
            sys.stdout.write(text)
    elif args.command == "purge-expired":
        count = service.anonymise_expired(args.now, url=url)
        print(f"Anonymised {count} customer(s).")
    return 0


def main(argv: list[str] | None = None) -> int:
    install_log_masking()
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (service.ComplaintError, IllegalTransition, export.NotAuthorised, PolicyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (SQLAlchemyError, OSError) as error:
        print(f"error: {error.__class__.__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
