"""Canned replies: the shipped list, which cases get which, and a clear error for a file that cannot be used."""
import re

import pytest

from bot.desk import CannedRepliesError, load_canned_replies
from bot.desk.policy import DEFAULT_POLICY_FILE, load_policy

SHIPPED_SKILLS = {*load_policy(DEFAULT_POLICY_FILE).skills, load_policy(DEFAULT_POLICY_FILE).default_skill}


def titles_for(replies, skill):
    return [reply.title for reply in replies if reply.fits(skill)]


def test_the_shipped_replies_load_against_the_shipped_policy():
    replies = load_canned_replies(known_skills=SHIPPED_SKILLS)
    assert 8 <= len(replies) <= 12
    return_7day = next(reply for reply in replies if reply.title == "七日无理由退货")
    assert "第二十五条" in return_7day.text and return_7day.skills == ("ecommerce",)


def test_a_case_is_offered_the_general_replies_and_those_of_its_skill_group():
    replies = load_canned_replies()
    telecom = titles_for(replies, "telecom")
    assert "问候" in telecom and "请说明电信业务情况" in telecom
    assert "七日无理由退货" not in telecom and "七日无理由退货" in titles_for(replies, "ecommerce")


def test_another_file_can_be_configured(tmp_path, monkeypatch):
    path = tmp_path / "replies.yml"
    path.write_text("replies:\n  - {title: 问候, text: 您好，我是小王}\n", encoding="utf-8")
    monkeypatch.setenv("BOT_CANNED_REPLIES", str(path))
    assert [(r.title, r.text, r.skills) for r in load_canned_replies()] == [("问候", "您好，我是小王", ())]


@pytest.mark.parametrize(
    "content, message",
    [
        ("- {title: 问候, text: 您好}", "non-empty list under 'replies:'"),
        ("replies: []", "non-empty list under 'replies:'"),
        ("replies:\n  - {title: 问候}", "reply 1: 'text' must be non-empty text"),
        ("replies:\n  - {title: 问候, text: 您好}\n  - {title: '  ', text: 再见}", "reply 2: 'title' must be non-empty"),
        ("replies:\n  - {title: 问候, text: 您好, skill: [ecommerce]}", "unknown ['skill']"),
        ("replies:\n  - {title: 问候, text: 您好, skills: ecommerce}", "'skills' must be a list"),
        ("replies:\n  - {title: 问候, text: 您好, skills: [ecomerce]}", "unknown skill ['ecomerce']"),
        ("replies:\n  - {title: 问候, text: 您好}\n  - {title: 问候, text: 你好}", "'问候' is used twice"),
        ("replies: [unclosed", "cannot read canned replies"),
    ],
)
def test_a_file_that_cannot_be_used_says_where_and_why(tmp_path, content, message):
    path = tmp_path / "replies.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CannedRepliesError, match=re.escape(message)) as error:
        load_canned_replies(path, known_skills=SHIPPED_SKILLS)
    assert str(path) in str(error.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CannedRepliesError, match="cannot read canned replies .*nowhere.yml"):
        load_canned_replies(tmp_path / "nowhere.yml")
