"""``desk``: the desk's command line.

    desk user add NAME --role agent|supervisor [--skills ecommerce,telecom] [--display-name 王芳] [--capacity 3]
                       [--amount-limit 10000]     (the password is read from standard input)
    desk user list
    desk user leave NAME                          refused while NAME still owns open cases
    desk queue                                    waiting cases, most urgent first
    desk cases [--owner NAME]                     open cases with their first-contact owner
    desk history CASE_ID                          one case's append-only history
    desk overdue [--now 2026-12-01T10:00]         cases whose deadlines are near (warned) or past (breached)
    desk figures --since 2026-12-01 --until 2026-12-07 [--csv FILE]
                                                  per-owner figures of those Beijing days (both included)

The database is ``BOT_DATABASE_URL`` (default var/bot.db) unless ``--database-url`` is given.
"""
from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.desk.accounts import AccountError, AddAgent, LeaveTeam
from bot.desk.deadlines import overdue
from bot.desk.errors import DeskError
from bot.desk.figures import as_csv, as_text, day_period, owner_figures
from bot.desk.models import OPEN_STATUSES, DeskAgent, Handoff, utcnow
from bot.desk.policy import DeskPolicyError, load_policy
from bot.desk.queue import DeskQueue
from bot.desk.service import DeskService
from bot.store import migrate, session_scope


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="desk", description="Manage the human desk.")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: BOT_DATABASE_URL or var/bot.db)")
    commands = parser.add_subparsers(dest="command", required=True)

    user = commands.add_parser("user", help="agent and supervisor accounts").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="add an account; the password is read from standard input")
    add.add_argument("name")
    add.add_argument("--role", choices=["agent", "supervisor"], default="agent")
    add.add_argument("--skills", default="", help="comma-separated skill groups, e.g. ecommerce,telecom")
    add.add_argument("--display-name", help="the name customers see (default: NAME)")
    add.add_argument("--capacity", type=int, help="open cases at once (default: the policy's)")
    add.add_argument("--amount-limit", type=int,
                     help="yuan the agent may promise a customer on their own (default: the policy's)")
    user.add_parser("list", help="list accounts")
    leave = user.add_parser("leave", help="mark an account as having left the team")
    leave.add_argument("name")

    commands.add_parser("queue", help="waiting cases, most urgent first")
    cases = commands.add_parser("cases", help="open cases and who answers for them")
    cases.add_argument("--owner", help="only cases this agent owns")
    history = commands.add_parser("history", help="one case's history")
    history.add_argument("case_id", type=int)
    overdue_cases = commands.add_parser("overdue", help="cases near or past a deadline, with their owner")
    overdue_cases.add_argument("--now", type=_moment, help="pretend it is this time (ISO, Beijing time; default: now)")
    figures = commands.add_parser("figures", help="per-owner figures of a period, from the history")
    figures.add_argument("--since", type=_day, required=True, help="first Beijing date to include, e.g. 2026-12-01")
    figures.add_argument("--until", type=_day, required=True, help="last Beijing date to include")
    figures.add_argument("--csv", metavar="FILE", help="also write the figures as CSV (UTF-8 with BOM, for Excel)")
    return parser


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date: {text!r} (example: 2026-12-01)") from None


def _moment(text: str) -> datetime:
    """An ISO time as naive UTC; no zone means Beijing time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date-time: {text!r} (example: 2026-12-01T10:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("密码：")
        if getpass.getpass("再输一次：") != first:
            raise AccountError("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _run(args, out) -> None:
    url = args.database_url
    migrate(url)
    with session_scope(url) as session:
        if args.command == "user" and args.action == "add":
            agent = AddAgent(session)(
                args.name, _read_password(), role=args.role,
                skills=[s.strip() for s in args.skills.split(",") if s.strip()],
                display_name=args.display_name, capacity=args.capacity, amount_limit_yuan=args.amount_limit,
            )
            limit = agent.amount_limit_yuan or load_policy().default_amount_limit_yuan
            print(f"已添加 {agent.role} {agent.username}（{agent.display_name}），技能：{', '.join(agent.skills) or '通用'}，"
                  f"同时接待 {agent.capacity}，可承诺金额 {limit} 元", file=out)
        elif args.command == "user" and args.action == "list":
            for agent in session.execute(select(DeskAgent).order_by(DeskAgent.username)).scalars():
                state = "离职" if not agent.active else ("在线" if agent.online else "离线")
                print(f"{agent.username}\t{agent.display_name}\t{agent.role}\t{','.join(agent.skills) or '通用'}\t{state}",
                      file=out)
        elif args.command == "user" and args.action == "leave":
            agent = LeaveTeam(session)(args.name)
            print(f"{agent.username} 已标记为离职", file=out)
        elif args.command == "queue":
            queue = DeskQueue(session)
            now = utcnow()
            for place, case in enumerate(queue.waiting(), 1):
                waited = int((now - case.queued_at).total_seconds() // 60)
                owner = case.owner.display_name if case.owner else "—"
                print(f"{place}\t#{case.id}\tP{case.priority}\t{case.skill}\t{case.reason}\t等待 {waited} 分钟\t首问：{owner}",
                      file=out)
        elif args.command == "cases":
            query = select(Handoff).where(Handoff.status_value.in_(OPEN_STATUSES)).order_by(Handoff.id)
            if args.owner:
                query = query.where(Handoff.first_contact_owner_id == DeskService(session).agent(args.owner).id)
            for case in session.execute(query).scalars():
                owner = case.owner.display_name if case.owner else "—"
                now_with = case.current_agent.display_name if case.current_agent else "队列"
                print(f"#{case.id}\t{case.status_value}\t{case.conversation_id}\t首问：{owner}\t当前：{now_with}", file=out)
        elif args.command == "overdue":
            labels = {"warned": "即将超时", "breached": "已超时"}
            for case, state in overdue(session, load_policy(), args.now or utcnow()):
                owner = case.owner.display_name if case.owner else "（未接入）"
                print(f"#{case.id}\t{state.name}\t{labels[state.status]}\t已用 {int(state.used.total_seconds() // 60)} / "
                      f"{int(state.limit.total_seconds() // 60)} 分钟\t首问：{owner}", file=out)
        elif args.command == "figures":
            policy = load_policy()
            period = owner_figures(session, *day_period(args.since, args.until, policy.hours.zone))
            print(as_text(period), file=out)
            if args.csv:
                with open(args.csv, "w", encoding="utf-8", newline="") as target:
                    target.write(as_csv(period.rows))
                print(f"已写入 {args.csv}", file=out)
        elif args.command == "history":
            case = DeskService(session).case(args.case_id)
            for event in case.events:
                moved = f"{event.from_status or ''}→{event.to_status}" if event.to_status else ""
                print(f"{event.at:%Y-%m-%d %H:%M:%S}Z\t{event.actor}\t{event.action}\t{moved}\t{event.note or ''}",
                      file=out)


def main(argv=None, out=sys.stdout) -> int:
    args = _parser().parse_args(argv)
    try:
        _run(args, out)
    except (DeskError, AccountError, DeskPolicyError) as error:
        print(f"desk: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        print(f"desk: database error: {error.__class__.__name__}: {error}".splitlines()[0], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
