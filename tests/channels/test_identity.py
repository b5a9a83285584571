import pytest

from bot.channels.identity import InvalidConversationId, conversation_id, parse_conversation_id


def test_channels_never_collide_for_the_same_user_id():
    assert conversation_id("web", "abc") == "web:abc"
    assert conversation_id("wechat", "abc") == "wechat:abc"
    assert conversation_id("web", "abc") != conversation_id("wechat", "abc")


def test_round_trip_keeps_colons_in_the_user_id():
    assert parse_conversation_id("wechat:oUpF8uMuAJO_M2pxb1Q9zNjWeS6o") == ("wechat", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    assert parse_conversation_id(conversation_id("wecom", "a:b:c")) == ("wecom", "a:b:c")


@pytest.mark.parametrize("cid", ["", "web", ":abc", "web:", "Web:abc", "web:a b", "web:a\nb", None, 42])
def test_malformed_conversation_ids_are_refused(cid):
    with pytest.raises(InvalidConversationId):
        parse_conversation_id(cid)


@pytest.mark.parametrize("channel, user_id", [("", "x"), ("web chat", "x"), ("web", ""), ("web", "x" * 129)])
def test_bad_parts_are_refused_with_a_clear_error(channel, user_id):
    with pytest.raises(InvalidConversationId, match="channel|user id"):
        conversation_id(channel, user_id)
