"""Per-owner figures from the history, on SQLite and PostgreSQL, with a fake clock: exact minutes, breaches and
ratings attributed to the owner, handlers counted, periods that do or do not contain the case, CSV and CLI."""
import codecs
import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.desk import (
    AnswerOwnershipOffer,
    ClaimCase,
    ConfirmResolution,
    OfferOwnership,
    OpenHandoff,
    ProposeResolution,
    RecordAgentReply,
    SatisfactionRating,
    TransferCase,
)
from bot.desk.cli import main
from bot.desk.deadlines import CheckDeadlines
from bot.desk.figures import CSV_HEADER, as_csv, day_period, owner_figures
from bot.store import session_scope

SHANGHAI = ZoneInfo("Asia/Shanghai")


def beijing(text_: str) -> datetime:
    return datetime.fromisoformat(text_) - timedelta(hours=8)


def figures(database_url, first: str, last: str):
    with session_scope(database_url) as session:
        return owner_figures(session, *day_period(date.fromisoformat(first), date.fromisoformat(last), SHANGHAI))


def by_name(period) -> dict:
    return {row.username: row for row in period.rows}


@pytest.fixture
def transferred_case(desk, agents, clock, database_url):
    """On 1 December (Beijing): opened 10:00, claimed by 王芳 10:04, her first-response deadline (2 minutes)
    breached and recorded 10:07, first reply 10:07, transferred to 李强 10:10, resolved by him, confirmed 10:45;
    rated 4 at 10:50."""
    clock.now = beijing("2026-12-01T10:00")
    case_id = desk(OpenHandoff, "web:f1", "request", "客户要求转人工", topic="return_7day").case.id
    clock.now = beijing("2026-12-01T10:04")
    desk(ClaimCase, case_id, "wang")
    clock.now = beijing("2026-12-01T10:07")
    assert [(s.name, s.status) for _, s in desk(CheckDeadlines)] == [("first_response", "breached")]
    desk(RecordAgentReply, case_id, "wang", "您好，我来处理")
    clock.now = beijing("2026-12-01T10:10")
    desk(TransferCase, case_id, "wang", "李强熟悉这家商家", to_agent="li")
    clock.now = beijing("2026-12-01T10:30")
    desk(ProposeResolution, case_id, "li", "商家同意退款")
    clock.now = beijing("2026-12-01T10:45")
    desk(ConfirmResolution, case_id)
    with session_scope(database_url) as session:
        session.add(SatisfactionRating(handoff_id=case_id, score=4, rated_at=beijing("2026-12-01T10:50")))
    return case_id


def test_a_transferred_case_is_its_first_owners_and_both_agents_handled_it(transferred_case, database_url):
    rows = by_name(figures(database_url, "2026-12-01", "2026-12-01"))
    wang, li = rows["wang"], rows["li"]
    assert (wang.owned, wang.handled, li.owned, li.handled) == (1, 1, 0, 1)
    assert (wang.first_responses, wang.first_response_median_minutes, wang.first_response_mean_minutes) == (1, 3.0, 3.0)
    assert (wang.resolved, wang.resolution_median_minutes, wang.resolution_mean_minutes) == (1, 45.0, 45.0)
    assert (li.first_responses, li.resolved) == (0, 0)  # the owner answers for the case, not whoever closed it
    assert (wang.breaches, li.breaches) == (1, 0)
    assert (wang.satisfaction_mean, wang.satisfaction_count) == (4.0, 1)
    assert (li.satisfaction_mean, li.satisfaction_count) == (None, 0)
    assert [(rows[n].handled_satisfaction_mean, rows[n].handled_satisfaction_count) for n in ("wang", "li")] == [
        (4.0, 1), (4.0, 1)]
    assert [row.username for row in figures(database_url, "2026-12-01", "2026-12-01").rows] == [
        "boss", "li", "wang", "zhao"]  # every agent of the team has a row


def test_a_period_without_the_case_shows_zero_for_everyone(transferred_case, database_url):
    for first, last in (("2026-11-24", "2026-11-30"), ("2026-12-02", "2026-12-08")):
        period = figures(database_url, first, last)
        assert {(r.owned, r.handled, r.first_responses, r.resolved, r.breaches, r.satisfaction_count,
                 r.handled_satisfaction_count) for r in period.rows} == {(0, 0, 0, 0, 0, 0, 0)}
        assert period.breaches_before_claim == 0


def test_a_past_period_gives_the_same_figures_after_more_has_happened(transferred_case, desk, clock, database_url):
    before = figures(database_url, "2026-12-01", "2026-12-01")
    clock.now = beijing("2026-12-02T10:00")
    later = desk(OpenHandoff, "web:f2", "request", topic="return_7day").case.id
    desk(ClaimCase, later, "wang")
    clock.now = beijing("2026-12-02T10:05")
    desk(CheckDeadlines)
    assert figures(database_url, "2026-12-01", "2026-12-01") == before
    assert by_name(figures(database_url, "2026-12-01", "2026-12-02"))["wang"].owned == 2


def test_median_and_mean_first_response_over_several_cases(desk, agents, clock, database_url):
    for number, reply_after in enumerate((1, 2, 6)):
        clock.now = beijing("2026-12-01T10:00")
        case_id = desk(OpenHandoff, f"web:m{number}", "request", topic="return_7day").case.id
        desk(ClaimCase, case_id, "li")
        clock.now += timedelta(minutes=reply_after)
        desk(RecordAgentReply, case_id, "li", "您好")
    li = by_name(figures(database_url, "2026-12-01", "2026-12-01"))["li"]
    assert (li.owned, li.first_responses, li.first_response_median_minutes, li.first_response_mean_minutes) == (
        3, 3, 2.0, 3.0)


def test_a_claim_deadline_missed_before_anyone_owned_the_case_is_the_desks(desk, agents, clock, database_url):
    clock.now = beijing("2026-12-01T10:00")
    case_id = desk(OpenHandoff, "web:q1", "request", topic="return_7day").case.id
    clock.now = beijing("2026-12-01T10:11")  # the claim deadline is 10 minutes
    assert [(s.name, s.status) for _, s in desk(CheckDeadlines)] == [("claim", "breached")]
    desk(ClaimCase, case_id, "wang")
    period = figures(database_url, "2026-12-01", "2026-12-01")
    assert period.breaches_before_claim == 1
    assert (by_name(period)["wang"].owned, by_name(period)["wang"].breaches) == (1, 0)


def test_after_an_accepted_offer_the_new_owner_answers_for_later_breaches(desk, agents, clock, database_url):
    clock.now = beijing("2026-12-01T10:00")
    case_id = desk(OpenHandoff, "web:o1", "request", topic="return_7day").case.id
    desk(ClaimCase, case_id, "wang")
    offer = desk(OfferOwnership, case_id, "wang", "li", "我明天休假")
    desk(AnswerOwnershipOffer, offer.id, "li", True)
    clock.now = beijing("2026-12-01T10:03")
    desk(CheckDeadlines)  # nobody replied within 2 minutes
    rows = by_name(figures(database_url, "2026-12-01", "2026-12-01"))
    assert (rows["wang"].owned, rows["wang"].breaches, rows["li"].owned, rows["li"].breaches) == (1, 0, 0, 1)


def test_periods_are_beijing_days():
    assert day_period(date(2026, 12, 1), date(2026, 12, 7), SHANGHAI) == (
        datetime(2026, 11, 30, 16), datetime(2026, 12, 7, 16))


def test_csv_opens_in_excel_with_a_chinese_header_and_a_row_per_agent(transferred_case, database_url):
    text = as_csv(figures(database_url, "2026-12-01", "2026-12-01").rows)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == list(CSV_HEADER) and rows[0][:3] == ["坐席", "用户名", "首问接入"]
    assert ["王芳", "wang", "1", "1", "1", "3.0", "3.0", "1", "45.0", "45.0", "1", "4.0", "1", "4.0", "1"] in rows
    assert ["李强", "li", "0", "1", "0", "", "", "0", "", "", "0", "", "0", "4.0", "1"] in rows


def test_the_cli_prints_the_figures_and_writes_the_csv(transferred_case, database_url, tmp_path, capsys):
    target = tmp_path / "figures.csv"
    out = io.StringIO()
    assert main(["--database-url", database_url, "figures", "--since", "2026-12-01", "--until", "2026-12-01",
                 "--csv", str(target)], out=out) == 0
    assert "王芳\t1\t1\t3/3\t45/45\t1\t4（1 条）\t4（1 条）" in out.getvalue().splitlines()
    assert target.read_bytes().startswith(codecs.BOM_UTF8)
    assert main(["--database-url", database_url, "figures", "--since", "2026-12-07", "--until", "2026-12-01"],
                out=io.StringIO()) == 1
    assert "结束日期 2026-12-01 早于开始日期 2026-12-07" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--database-url", database_url, "figures", "--since", "yesterday", "--until", "2026-12-01"])
    assert "not an ISO date: 'yesterday'" in capsys.readouterr().err
