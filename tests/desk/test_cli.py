import io

import pytest
from sqlalchemy import text

from bot.desk.cli import main
from bot.store import session_scope


@pytest.fixture
def run(monkeypatch, capsys):
    """Run ``desk`` as a user would, with ``stdin`` piped in; returns (exit status, stdout, stderr)."""

    def run_desk(database_url, *args, stdin=""):
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        out = io.StringIO()
        status = main(["--database-url", database_url, *args], out=out)
        return status, out.getvalue(), capsys.readouterr().err

    return run_desk


def test_adding_an_account_reads_the_password_from_stdin_and_stores_only_its_hash(database_url, run):
    status, out, err = run(database_url, "user", "add", "wang", "--role", "agent", "--skills", "ecommerce,telecom",
                           "--display-name", "王芳", stdin="s3cret-pass\n")
    assert status == 0, err
    assert "已添加 agent wang（王芳），技能：ecommerce, telecom" in out
    status, out, _ = run(database_url, "user", "list")
    assert "wang\t王芳\tagent\tecommerce,telecom\t离线" in out
    with session_scope(database_url) as session:
        stored = session.execute(text("SELECT password_hash FROM desk_agents")).scalar_one()
    assert stored.startswith("$argon2id$") and "s3cret-pass" not in stored


def test_bad_account_requests_are_refused_with_the_reason(database_url, run):
    assert run(database_url, "user", "add", "wang", stdin="short\n")[2].strip() == "desk: 密码至少 8 位"
    assert "未知技能组：cooking" in run(database_url, "user", "add", "wang", "--skills", "cooking",
                                       stdin="long enough\n")[2]
    assert run(database_url, "user", "add", "wang", stdin="long enough\n")[0] == 0
    assert "已存在" in run(database_url, "user", "add", "wang", stdin="long enough\n")[2]


def test_queue_and_history_show_a_case(database_url, desk, agents):
    from bot.desk import ClaimCase, OpenHandoff

    case_id = desk(OpenHandoff, "web:c1", "injury", "烫伤", topic="quality_sanbao").case.id
    out = io.StringIO()
    assert main(["--database-url", database_url, "queue"], out=out) == 0
    assert f"1\t#{case_id}\tP0\tecommerce\tinjury" in out.getvalue()
    desk(ClaimCase, case_id, "wang")
    out = io.StringIO()
    assert main(["--database-url", database_url, "history", str(case_id)], out=out) == 0
    lines = out.getvalue().splitlines()
    assert "\tbot\topened\t→queued\t烫伤" in lines[0]
    assert "\tagent:wang\tclaimed\tqueued→active\t成为首问负责人" in lines[1]
    out = io.StringIO()
    assert main(["--database-url", database_url, "cases", "--owner", "wang"], out=out) == 0
    assert f"#{case_id}\tactive\tweb:c1\t首问：王芳\t当前：王芳" in out.getvalue()


def test_overdue_lists_cases_near_and_past_their_deadlines_with_the_owner(database_url, desk, agents, clock, run):
    from bot.desk import ClaimCase, OpenHandoff

    waiting = desk(OpenHandoff, "web:a", "request", topic="return_7day").case.id
    claimed = desk(OpenHandoff, "web:b", "request", topic="return_7day").case.id
    desk(ClaimCase, claimed, "wang")
    status, out, _ = run(database_url, "overdue", "--now", "2026-12-01T10:09")  # 9 minutes after 10:00
    assert status == 0
    assert out.splitlines() == [
        f"#{claimed}\tfirst_response\t已超时\t已用 9 / 2 分钟\t首问：王芳",
        f"#{waiting}\tclaim\t即将超时\t已用 9 / 10 分钟\t首问：（未接入）",
    ]
    with pytest.raises(SystemExit) as refused:  # argparse: usage error, exit status 2
        run(database_url, "overdue", "--now", "tomorrow")
    assert refused.value.code == 2
