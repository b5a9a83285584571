from datetime import datetime

import pytest
import yaml

from bot.desk import AddAgent, SetPresence, load_policy
from bot.store import session_scope
from bot.store.testing import database_url, isolated_var_dir  # noqa: F401  (fixtures)

# A Tuesday, 10:00 in Beijing (02:00 UTC): the desk is open.
OPEN_TIME = datetime(2026, 12, 1, 2, 0)

# The desk these tests run: a lunch break, a holiday week, every day of the week.
TEST_POLICY = """\
timezone: Asia/Shanghai
business_hours:
  days: [mon, tue, wed, thu, fri, sat, sun]
  periods: ["09:00-12:00", "13:30-18:00"]
  holidays: [2027-02-06, 2027-02-07, 2027-02-08, 2027-02-09, 2027-02-10, 2027-02-11, 2027-02-12]
priorities: {injury: 0, dispute: 0, distress: 1, high_amount: 1, account: 2, repeated_fallback: 2, request: 2}
skills:
  ecommerce: [return_7day, quality_sanbao, fraud_compensation, express_delivery]
  telecom: [telecom]
  privacy: [personal_info]
  food: [food_safety]
default_capacity: 3
default_wait_minutes: 4
callback_business_hours: 2
confirmation_hours: 72
deadlines:
  warn_share: 0.8
  business_time: [claim, first_response, next_response, resolution]
  minutes:
    0: {claim: 2, first_response: 2, next_response: 5, resolution: 240, confirmation: 4320}
    2: {claim: 10, first_response: 2, next_response: 15, resolution: 60, confirmation: 4320}
"""


def write_always_open_policy(path) -> None:
    """The shipped desk policy, open around the clock every day: tests that run on the wall clock (the real bot)
    must not depend on the hour CI runs them."""
    from bot.desk.policy import DEFAULT_POLICY_FILE

    raw = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    raw["business_hours"].update(periods=["00:00-23:59:59"], holidays=[], extra_workdays=[])
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")


@pytest.fixture(autouse=True)
def desk_policy(tmp_path, monkeypatch):
    path = tmp_path / "desk-policy.yml"
    path.write_text(TEST_POLICY, encoding="utf-8")
    monkeypatch.setenv("BOT_DESK_POLICY", str(path))
    return path


class FakeClock:
    def __init__(self, now: datetime = OPEN_TIME):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def desk(database_url, clock):
    """Run one desk service in its own transaction: ``desk(ClaimCase, case_id, "wang")``."""
    policy = load_policy()

    def run(service, *args, **kwargs):
        with session_scope(database_url) as session:
            return service(session, policy, clock)(*args, **kwargs)

    return run


@pytest.fixture
def agents(desk):
    """Three online agents: 王芳 and 李强 on e-commerce, 赵敏 on telecom; and an offline supervisor."""
    desk(AddAgent, "wang", "correct horse", skills=["ecommerce"], display_name="王芳", capacity=2)
    desk(AddAgent, "li", "correct horse", skills=["ecommerce"], display_name="李强")
    desk(AddAgent, "zhao", "correct horse", skills=["telecom"], display_name="赵敏")
    desk(AddAgent, "boss", "correct horse", role="supervisor", skills=["ecommerce", "telecom"], display_name="陈主管")
    for name in ("wang", "li", "zhao"):
        desk(SetPresence, name, True)
    return ["wang", "li", "zhao", "boss"]
