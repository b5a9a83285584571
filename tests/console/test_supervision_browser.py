"""The supervisor's page in real headless Chromium: agents are refused; the supervisor sees a breached deadline
with its owner (who is notified in their console), the per-owner figures with their charts, and the weekly
trend of the recurring complaint problems. Screenshots go to var/artifacts/console/."""
from __future__ import annotations

from datetime import timedelta

from bot.analytics import synthetic
from bot.desk import ClaimCase, ConfirmResolution, OpenHandoff, ProposeResolution, SatisfactionRating, load_policy
from bot.desk.deadlines import CheckDeadlines
from bot.store import session_scope
from tests.console.test_console_browser import agent_page, open_page, screenshot  # noqa: F401  (fixtures)


def run(database_url, clock, service, *args):
    with session_scope(database_url) as session:
        return service(session, load_policy(), clock)(*args)


def test_an_agent_is_refused_the_supervisor_page(agent_page, console):
    wang = agent_page("wang")
    assert wang.is_hidden("#supervisor-link")
    wang.goto(console + "/supervisor")
    wang.wait_for_selector("#refused:has-text('仅主管可用')")
    assert wang.is_hidden("#board")
    assert wang.locator("#deadlines tr").count() == 0  # nothing of the desk was drawn
    screenshot(wang, "supervisor-01-agent-refused")


def test_the_supervisor_sees_a_breach_with_its_owner_the_figures_and_the_charts(agent_page, database_url, clock):
    synthetic.write(synthetic.generate()[:60], database_url)  # complaints of 2026-W39–W42 for the analytics
    wang, li, boss = agent_page("wang"), agent_page("li"), agent_page("boss")
    late = run(database_url, clock, OpenHandoff, "web:late", "request", "客户要求转人工", "return_7day").case.id
    run(database_url, clock, ClaimCase, late, "wang")
    rated = run(database_url, clock, OpenHandoff, "web:rated", "request", "客户要求转人工", "return_7day").case.id
    run(database_url, clock, ClaimCase, rated, "li")
    run(database_url, clock, ProposeResolution, rated, "li", "商家同意退货")
    run(database_url, clock, ConfirmResolution, rated)
    with session_scope(database_url) as session:
        session.add(SatisfactionRating(handoff_id=rated, score=5, rated_at=clock.now))
    clock.now += timedelta(minutes=3)  # 王芳 has not answered within the 2 minutes of a first response
    run(database_url, clock, CheckDeadlines)
    waiting = run(database_url, clock, OpenHandoff, "web:waiting", "injury", "烫伤", "quality_sanbao").case.id

    boss.click("#supervisor-link")
    breach = boss.wait_for_selector(f"#deadlines tr.breached[data-case='{late}']")
    assert "首次回复" in breach.inner_text() and "已超时" in breach.inner_text()
    assert breach.query_selector(".owner").inner_text() == "王芳"
    boss.wait_for_selector(f"#queue tr[data-case='{waiting}']:has-text('人身伤害')")
    assert "1 / 3" in boss.inner_text("#agents tr[data-agent='wang']")

    wang_figures = boss.wait_for_selector("#figures tr[data-agent='wang']")
    assert wang_figures.query_selector(".breaches").inner_text() == "1"
    owners = boss.locator("#figures tbody tr").count()
    assert owners == 3  # 陈主管, 李强, 王芳
    assert boss.locator("#owned-chart rect.owner-bar.owned").count() == owners
    assert boss.locator("#owned-chart rect.owner-bar.breaches").count() == owners
    assert float(boss.get_attribute("#owned-chart rect.owner-bar.breaches[data-agent='wang']", "height")) > 0
    assert float(boss.get_attribute("#owned-chart rect.owner-bar.breaches[data-agent='li']", "height")) == 0
    satisfaction = boss.locator("#satisfaction-chart rect.owner-bar")
    assert satisfaction.count() == 1 and satisfaction.get_attribute("data-agent") == "li"  # only 李强 was rated

    wang.wait_for_selector(f"#notifications li:has-text('会话 {late} 的「首次回复」时限已超时')")
    screenshot(wang, "supervisor-02-owner-notified-of-the-breach")

    boss.fill("#since", "2026-09-21")
    boss.fill("#until", "2026-12-01")
    boss.click("#period button[type=submit]")
    boss.wait_for_selector("#analytics-status:has-text('2026-09-21 至 2026-12-01')", timeout=120_000)
    lines = boss.locator("#trend-chart polyline.line").count()
    assert lines == min(5, boss.locator("#clusters > li").count()) and lines >= 3
    assert boss.locator("#trend-legend li").count() == lines
    assert "since=2026-09-21&until=2026-12-01" in boss.get_attribute("#csv", "href")
    screenshot(boss, "supervisor-03-desk-figures-and-trends")
