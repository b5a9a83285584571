"""Private notes (内部备注): for the agents on a case, kept in its history, masked, never a reply to the customer."""
import pytest

from bot.desk import AddNote, ConfirmResolution, NotAllowed, ProposeResolution, TextRequired, TransferCase
from tests.desk.test_cases import case_of, open_claimed


def test_a_note_joins_the_history_masked_and_does_not_count_as_an_answer(desk, agents, database_url, clock):
    case_id = open_claimed(desk, "wang")
    desk(AddNote, case_id, "wang", "  客户另留了电话13912345678，下午两点后方便接听  ")
    case = case_of(database_url, case_id)
    last = case.events[-1]
    assert (last.action, last.actor, last.at) == ("note_added", "agent:wang", clock.now)
    assert last.note == "客户另留了电话139****5678，下午两点后方便接听"
    assert case.first_response_at is None  # the customer has still not been answered


def test_the_agent_working_on_it_and_the_owner_write_notes_nobody_else(desk, agents, database_url):
    case_id = open_claimed(desk, "wang")
    with pytest.raises(NotAllowed, match="不在 李强 手上"):
        desk(AddNote, case_id, "li", "我也看看")
    desk(TransferCase, case_id, "wang", "李强熟悉这家商家", to_agent="li")
    desk(AddNote, case_id, "li", "已联系商家，等回复")
    desk(AddNote, case_id, "wang", "客户是老用户，上次也是这家店")
    assert [(e.actor, e.note) for e in case_of(database_url, case_id).events if e.action == "note_added"] == [
        ("agent:li", "已联系商家，等回复"), ("agent:wang", "客户是老用户，上次也是这家店")]


def test_an_empty_note_or_one_on_a_closed_case_is_refused(desk, agents, database_url):
    case_id = open_claimed(desk, "wang")
    with pytest.raises(TextRequired, match="备注内容不能为空"):
        desk(AddNote, case_id, "wang", " \n ")
    desk(ProposeResolution, case_id, "wang", "商家同意退款")
    desk(ConfirmResolution, case_id)
    with pytest.raises(NotAllowed, match="已结案"):
        desk(AddNote, case_id, "wang", "补记一句")
    assert "note_added" not in [e.action for e in case_of(database_url, case_id).events]
