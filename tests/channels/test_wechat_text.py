"""What a WeChat user sees of the bot's messages: long answers split to the platform's limit, buttons as
numbered choices answered by digit or title."""
from __future__ import annotations

from bot.channels.wechat.text import chosen_payload, render_messages, split_text

BUTTONS = [{"title": "七日无理由退货", "payload": "/choose_entry{\"entry\":\"return_7day_01\"}"},
           {"title": "转人工客服", "payload": "/request_human"}]


def test_buttons_become_numbered_choices_after_the_text():
    text, offered = render_messages([{"text": "您想问的是哪一个？", "buttons": BUTTONS}])
    assert text == "您想问的是哪一个？\n回复数字：\n1. 七日无理由退货\n2. 转人工客服"
    assert offered == BUTTONS


def test_messages_are_joined_and_an_agent_is_named():
    text, offered = render_messages([{"text": "第一段"}, {"text": "第二段", "sender_name": "客服小王"}])
    assert text == "第一段\n\n【客服小王】第二段"
    assert offered == []


def test_an_image_becomes_its_link():
    assert render_messages([{"text": "凭证示例：", "image": "https://example.org/receipt.png"}])[0] == (
        "凭证示例：\nhttps://example.org/receipt.png")


def test_a_digit_or_the_full_title_picks_the_button():
    assert chosen_payload("2", BUTTONS) == "/request_human"
    assert chosen_payload(" ２ ", BUTTONS) == "/request_human"  # full-width digit from a Chinese keyboard
    assert chosen_payload("1。", BUTTONS) == BUTTONS[0]["payload"]
    assert chosen_payload("转人工客服", BUTTONS) == "/request_human"
    assert chosen_payload("3", BUTTONS) is None
    assert chosen_payload("0", BUTTONS) is None
    assert chosen_payload("退货", BUTTONS) is None
    assert chosen_payload("1", []) is None


def test_short_text_stays_whole():
    assert split_text("您好！", 2048) == ["您好！"]
    assert split_text("   ", 2048) == []


def test_long_answer_splits_between_paragraphs_within_the_byte_limit():
    paragraphs = ["第一段" + "退" * 300 + "。", "第二段" + "货" * 300 + "。", "第三段" + "款" * 300 + "。"]
    pieces = split_text("\n\n".join(paragraphs), 2048)
    assert pieces == ["\n\n".join(paragraphs[:2]), paragraphs[2]]
    assert all(len(piece.encode("utf-8")) <= 2048 for piece in pieces)


def test_an_overlong_paragraph_splits_at_sentences_then_characters_never_inside_one():
    sentence = "消费者有权要求经营者退货。"  # 13 characters, 39 bytes
    pieces = split_text(sentence * 200, 2048)
    assert "".join(pieces) == sentence * 200
    assert all(len(p.encode("utf-8")) <= 2048 and p.endswith("。") for p in pieces)

    no_punctuation = "赔" * 1000  # 3000 bytes, nowhere to cut but between characters
    pieces = split_text(no_punctuation, 2048)
    assert [len(p.encode("utf-8")) for p in pieces] == [2046, 954]
    assert "".join(pieces) == no_punctuation
