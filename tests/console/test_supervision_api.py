"""The supervisor's API over real HTTP: agents refused everywhere; the live desk, the figures (JSON and CSV) and
the complaint analytics for the supervisor; bad periods refused in Chinese."""
import csv
import io
import re
from datetime import timedelta

import requests

from bot.analytics import synthetic
from bot.desk import ClaimCase, OpenHandoff, SetPresence, load_policy
from bot.desk.deadlines import CheckDeadlines
from bot.store import session_scope


def run(database_url, clock, service, *args):
    with session_scope(database_url) as session:
        return service(session, load_policy(), clock)(*args)


def breached_case(database_url, clock) -> int:
    """王芳, online, claimed a case and has not answered within its 2 minutes; CheckDeadlines recorded the breach."""
    run(database_url, clock, SetPresence, "wang", True)
    case_id = run(database_url, clock, OpenHandoff, "web:late", "request", "客户要求转人工", "return_7day").case.id
    run(database_url, clock, ClaimCase, case_id, "wang")
    clock.now += timedelta(minutes=3)
    run(database_url, clock, CheckDeadlines)
    return case_id


def test_every_supervisor_route_refuses_agents_and_answers_the_supervisor(console, login):
    spec = requests.get(f"{console}/api/openapi.json", timeout=30).json()
    routes = [path for path in spec["paths"] if path.startswith("/api/supervisor/")]
    assert {"/api/supervisor/overview", "/api/supervisor/figures", "/api/supervisor/figures.csv",
            "/api/supervisor/analytics"} <= set(routes)
    wang, boss = login("wang"), login("boss")
    for path in routes:
        refused = wang.get(path)
        assert (refused.status_code, refused.json()) == (403, {"detail": "仅主管可用"}), path
        assert boss.get(path).status_code == 200, path


def test_the_overview_shows_the_queue_the_agents_load_and_a_breach_with_its_owner(login, database_url, clock):
    boss = login("boss")
    waiting = run(database_url, clock, OpenHandoff, "web:waiting", "injury", "烫伤", "quality_sanbao").case.id
    late = breached_case(database_url, clock)
    overview = boss.get("/api/supervisor/overview").json()
    assert [(c["id"], c["priority"], c["skill"], c["waiting_minutes"]) for c in overview["queue"]] == [
        (waiting, 0, "ecommerce", 3.0)]
    agents = {a["username"]: (a["online"], a["load"], a["owned_open"]) for a in overview["agents"]}
    assert agents == {"wang": (True, 1, 1), "boss": (True, 0, 0), "li": (False, 0, 0)}
    deadlines = {(d["case_id"], d["deadline"]): d for d in overview["deadlines"]}
    assert deadlines[(late, "first_response")]["status"] == "breached"
    assert deadlines[(late, "first_response")]["first_contact_owner"]["display_name"] == "王芳"
    # The injury case has waited past its 2-minute claim deadline, and nobody owns it yet.
    assert (deadlines[(waiting, "claim")]["status"], deadlines[(waiting, "claim")]["first_contact_owner"]) == (
        "breached", None)


def test_figures_of_a_period_as_json_and_as_a_csv_download(login, database_url, clock):
    boss = login("boss")
    breached_case(database_url, clock)
    default = boss.get("/api/supervisor/figures").json()
    assert (default["since"], default["until"]) == ("2026-11-25", "2026-12-01")  # the last seven days
    wang = next(row for row in default["rows"] if row["username"] == "wang")
    assert (wang["display_name"], wang["owned"], wang["handled"], wang["breaches"]) == ("王芳", 1, 1, 1)
    earlier = boss.get("/api/supervisor/figures", params={"since": "2026-11-01", "until": "2026-11-30"}).json()
    assert {row["owned"] for row in earlier["rows"]} == {0}

    download = boss.get("/api/supervisor/figures.csv", params={"since": "2026-12-01", "until": "2026-12-01"})
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"] == 'attachment; filename="desk-figures-2026-12-01-2026-12-01.csv"'
    assert download.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["坐席", "用户名", "首问接入"]
    assert rows[[r[1] for r in rows].index("wang")][:4] == ["王芳", "wang", "1", "1"]


def test_bad_periods_are_refused_in_chinese(login):
    boss = login("boss")
    for path in ("/api/supervisor/figures", "/api/supervisor/figures.csv", "/api/supervisor/analytics"):
        bad = boss.get(path, params={"since": "2026-13-01"})
        assert bad.status_code == 422, path
        assert bad.json()["detail"] == "开始日期“2026-13-01”不是有效日期，请写成 YYYY-MM-DD，例如 2026-12-01"
    backwards = boss.get("/api/supervisor/figures", params={"since": "2026-12-07", "until": "2026-12-01"})
    assert (backwards.status_code, backwards.json()["detail"]) == (422, "结束日期 2026-12-01 早于开始日期 2026-12-07")


def test_the_analytics_of_a_period_has_its_recurring_problems_with_masked_examples(login, database_url):
    complaints = synthetic.generate()[:60]  # four weeks from 2026-09-21 (W39)
    synthetic.write(complaints, database_url)
    report = login("boss").get("/api/supervisor/analytics", params={"since": "2026-09-21", "until": "2026-10-18"})
    assert report.status_code == 200
    report = report.json()
    assert (report["complaints"], report["weeks"]) == (60, ["2026-W39", "2026-W40", "2026-W41", "2026-W42"])
    assert report["clusters"]
    for cluster in report["clusters"]:
        assert cluster["label"] and cluster["size"] >= 3 and cluster["businesses"]
        assert [week["week"] for week in cluster["trend"]] == report["weeks"]
        assert sum(week["count"] for week in cluster["trend"]) == cluster["size"]
        for example in cluster["examples"]:
            assert not re.search(r"1[3-9]\d{9}", example["excerpt"])  # phone numbers never shown whole
