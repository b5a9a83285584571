import re
from datetime import date, datetime, timedelta

import pytest

from bot.desk import DeskPolicyError, load_policy


@pytest.fixture
def hours():
    return load_policy().hours


def beijing(text: str) -> datetime:
    """A Beijing wall-clock time as the naive UTC the store keeps."""
    return datetime.fromisoformat(text) - timedelta(hours=8)


@pytest.mark.parametrize(
    "moment, is_open",
    [
        ("2026-12-01T08:59", False),
        ("2026-12-01T09:00", True),
        ("2026-12-01T11:59", True),
        ("2026-12-01T12:30", False),  # lunch
        ("2026-12-01T13:30", True),
        ("2026-12-01T18:00", False),
        ("2026-12-05T10:00", True),  # Saturday: this desk serves every day
        ("2027-02-08T10:00", False),  # Spring Festival holiday
    ],
)
def test_open_periods_lunch_and_holidays(hours, moment, is_open):
    assert hours.is_open(beijing(moment)) is is_open


def test_next_opening_skips_lunch_night_and_holidays(hours):
    assert hours.next_opening(beijing("2026-12-01T12:10")) == beijing("2026-12-01T13:30")
    assert hours.next_opening(beijing("2026-12-01T20:00")) == beijing("2026-12-02T09:00")
    assert hours.next_opening(beijing("2027-02-05T19:00")) == beijing("2027-02-13T09:00")
    assert hours.next_opening(beijing("2026-12-01T10:00")) == beijing("2026-12-01T10:00")


def test_business_time_counts_only_open_hours(hours):
    # 11:00 + 2 business hours: one before lunch, one after it.
    assert hours.add_business_time(beijing("2026-12-01T11:00"), timedelta(hours=2)) == beijing("2026-12-01T14:30")
    # At night the clock starts at the next opening.
    assert hours.add_business_time(beijing("2026-12-01T22:00"), timedelta(hours=2)) == beijing("2026-12-02T11:00")


def test_make_up_working_day_opens_a_day_that_is_otherwise_off(tmp_path):
    policy_file = tmp_path / "desk.yml"
    policy_file.write_text(
        "business_hours:\n  days: [mon, tue, wed, thu, fri]\n  periods: ['09:00-12:00']\n"
        "  extra_workdays: [2026-12-05]\n",
        encoding="utf-8",
    )
    hours = load_policy(policy_file).hours
    assert hours.is_open(beijing("2026-12-05T10:00"))  # a Saturday made a working day
    assert not hours.is_open(beijing("2026-12-06T10:00"))
    assert hours.works_on(date(2026, 12, 7))


@pytest.mark.parametrize(
    "text, message",
    [
        ("business_hours:\n  periods: ['18:00-09:00']\n", "ends before it starts"),
        ("business_hours:\n  periods: ['nine to five']\n", "is not like 09:00-12:00"),
        ("business_hours:\n  periods: []\n", "at least one period"),
        ("timezone: Mars/Olympus\nbusiness_hours:\n  periods: ['09:00-12:00']\n", "unknown time zone"),
        ("business_hours:\n  days: [funday]\n  periods: ['09:00-12:00']\n", "unknown ['funday']"),
        ("business_hours:\n  periods: ['09:00-12:00']\ndefault_capacity: 0\n", "must be a positive number"),
    ],
)
def test_a_broken_policy_says_what_is_wrong(tmp_path, text, message):
    policy_file = tmp_path / "desk.yml"
    policy_file.write_text(text, encoding="utf-8")
    with pytest.raises(DeskPolicyError, match=re.escape(message)):
        load_policy(policy_file)


def test_topics_route_to_skill_groups():
    policy = load_policy()
    assert policy.skill_for("telecom") == "telecom"
    assert policy.skill_for("return_7day") == "ecommerce"
    assert policy.skill_for(None) == "general"
    assert policy.priority("injury") < policy.priority("request")


def test_the_shipped_hours_are_the_ones_the_knowledge_base_tells_customers():
    from bot.desk.policy import DEFAULT_POLICY_FILE
    from bot.knowledge.model import load_knowledge_base

    hours = load_policy(DEFAULT_POLICY_FILE).hours
    assert "9:00—21:00" in load_knowledge_base().get("human_agent_02").answer
    assert hours.is_open(beijing("2026-12-01T09:00")) and hours.is_open(beijing("2026-12-01T20:59"))
    assert not hours.is_open(beijing("2026-12-01T21:00")) and not hours.is_open(beijing("2026-12-01T08:59"))
