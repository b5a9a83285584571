"""`complaints analyse` on a real SQLite file and the real PostgreSQL server; bad arguments; hand-offs."""
import csv
import json
from datetime import datetime

import pytest

from bot.analytics import analyse, synthetic
from bot.complaints import cli, service
from bot.complaints.fields import Demand
from bot.complaints.lifecycle import Policy
from bot.desk.models import Handoff
from bot.store import session_scope

SUBSET = 60  # complaints per test database: enough for clusters, small enough for PostgreSQL in CI


@pytest.fixture
def store(database_url, synthetic_complaints, encoder):
    """A database holding the first complaints of the seeded set (oldest first) and three hand-offs."""
    groups = synthetic.write(synthetic_complaints[:SUBSET], database_url)
    with session_scope(database_url) as session:
        for reason, topic, at in (
            ("injury", "food_safety", datetime(2026, 10, 5, 3)),
            ("request", "express_delivery", datetime(2026, 10, 6, 3)),
            ("request", None, datetime(2026, 10, 7, 3)),
        ):
            session.add(Handoff(conversation_id=f"web:{reason}-{at:%d}", status_value="queued", reason=reason,
                                priority=1, skill="general", topic=topic, created_at=at, queued_at=at))
    return database_url, groups


def _run(capsys, *argv):
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_output_has_the_clusters_and_is_the_same_every_run(store, capsys):
    url, groups = store
    code, out, _ = _run(capsys, "--database-url", url, "analyse", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["complaints"] == SUBSET and report["handoffs"] == 3
    assert report["clusters"] and all(c["label"] for c in report["clusters"])
    for cluster in report["clusters"]:  # each cluster is mostly one known problem
        known = [groups[t] for t in cluster["tickets"]]
        assert max(known.count(g) for g in known) >= 0.8 * len(known), known
    assert _run(capsys, "--database-url", url, "analyse", "--format", "json")[1] == out


def test_hand_offs_are_counted_by_topic_and_reason(store):
    url, _ = store
    with session_scope(url) as session:
        report = analyse(session)
    reasons = {c.key: c.count for c in report.handoff_reasons}
    assert reasons == {"request": 2, "injury": 1}
    topics = {t.topic: t for t in report.topics}
    assert topics["food_safety"].handoffs == 1 and topics["express_delivery"].handoffs == 1
    assert topics["unclassified"].handoffs == 1
    assert sum(t.complaints for t in report.topics) == SUBSET
    assert sum(b.count for b in report.businesses) == SUBSET


def test_csv_goes_to_a_file_with_one_column_per_week(store, capsys, tmp_path):
    url, _ = store
    target = tmp_path / "analysis.csv"
    code, _, err = _run(capsys, "--database-url", url, "analyse", "--format", "csv", "--output", str(target))
    assert code == 0 and f"{SUBSET} complaint(s)" in err
    rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines()))
    header = rows[0]
    assert header[:3] == ["rank", "label", "size"] and "2026-W39" in header
    assert len(rows) > 1 and all(row[1] for row in rows[1:])


def test_the_period_limits_complaints_and_weeks(store, capsys):
    url, _ = store
    code, out, _ = _run(
        capsys, "--database-url", url, "analyse", "--since", "2026-09-28", "--until", "2026-10-04", "--format", "json"
    )
    report = json.loads(out)
    assert code == 0 and report["weeks"] == ["2026-W40"]
    assert 0 < report["complaints"] < SUBSET and report["handoffs"] == 0


def test_text_output_on_an_empty_store(database_url, capsys, encoder):
    code, out, _ = _run(capsys, "--database-url", database_url, "analyse")
    assert code == 0 and "投诉 0 件" in out and "高频问题（0 类" in out


def test_examples_mask_the_name_and_phone_the_customer_typed(database_url, encoder):
    for index, moment in enumerate((datetime(2026, 11, 2, 2), datetime(2026, 11, 3, 2), datetime(2026, 11, 4, 2))):
        draft = service.ComplaintDraft(
            business_name="闪电数码专营店", business_platform=None, product="充电宝", purchase_date=moment.date(),
            amount=199, order_number=None, demand=Demand(("退货",)), contacted_business=True, name="欧阳娜娜",
            phone="13812345678", facts=f"我叫欧阳娜娜，充电宝充电时起火冒烟{'了' * index}，电话13812345678",
        )
        service.submit(draft, service.Customer("web", f"n{index}"), consented_at=moment, now=moment,
                       policy=Policy(), url=database_url)
    with session_scope(database_url) as session:
        report = analyse(session, encoder=encoder)
    (cluster,) = report.clusters
    for example in cluster.examples:
        assert "欧阳娜娜" not in example.excerpt and "欧***" in example.excerpt
        assert "13812345678" not in example.excerpt and "138****5678" in example.excerpt


@pytest.mark.parametrize("argv, message", [
    (["--since", "yesterday"], "not an ISO date: 'yesterday'"),
    (["--until", "2026-13-01"], "not an ISO date"),
    (["--format", "xml"], "invalid choice: 'xml'"),
])
def test_bad_arguments_are_refused_with_a_clear_message(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["analyse", *argv])
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_a_period_ending_before_it_starts_is_refused(database_url, capsys):
    code, _, err = _run(
        capsys, "--database-url", database_url, "analyse", "--since", "2026-11-02", "--until", "2026-11-01"
    )
    assert code == 1 and "error: the period ends (2026-11-01) before it starts (2026-11-02)" in err
