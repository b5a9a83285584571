"""What the widget shows from a tracker's events, and which replies a retried message gets back."""
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

from bot.channels.web import history, page_message, replies_to, split_answer

ANSWER = (
    "收到商品之日起七日内可以无理由退货。\n\n法律依据：《消费者权益保护法》第25条\n"
    "（以上为一般性信息，不构成法律意见；个案请以市场监管部门、消协或律师的意见为准。）"
)


def conversation():
    return [
        SessionStarted(timestamp=1.0),
        ActionExecuted("action_listen", timestamp=1.1),
        UserUttered("网购七天无理由退货", message_id="m-first-0001", timestamp=2.0),
        BotUttered(ANSWER, timestamp=2.5),
        UserUttered('/choose_entry{"entry_id": "refund_01"}', message_id="m-second-002", timestamp=3.0,
                    metadata={"display_text": "退款多久到账？"}),
        BotUttered("您想问的是下面哪个问题？", data={"buttons": [{"title": "A", "payload": "/a"}]}, timestamp=3.5),
        BotUttered("请点选一个", timestamp=3.6),
        BotUttered("我是客服小王，已接手您的问题", metadata={"id": "agent-msg-1", "sender_name": "小王"}, timestamp=4.0),
    ]


def test_answers_are_split_into_text_legal_basis_and_notice():
    parts = split_answer(ANSWER)
    assert parts["text"] == "收到商品之日起七日内可以无理由退货。"
    assert parts["legal_basis"] == "法律依据：《消费者权益保护法》第25条"
    assert parts["notice"].startswith("（以上为一般性信息")
    assert split_answer("您好！") == {"text": "您好！"}


def test_history_shows_the_conversation_with_the_ids_the_live_path_used():
    shown = history(conversation())
    assert [(m["id"], m["role"]) for m in shown] == [
        ("m-first-0001", "user"), ("m-first-0001/0", "bot"), ("m-second-002", "user"),
        ("m-second-002/0", "bot"), ("m-second-002/1", "bot"), ("agent-msg-1", "agent"),
    ]
    assert shown[1]["legal_basis"].startswith("法律依据")
    assert shown[2]["text"] == "退款多久到账？"  # the button title the customer clicked, not the payload
    assert shown[3]["buttons"] == [{"title": "A", "payload": "/a"}]
    assert shown[5]["sender_name"] == "小王"


def test_a_retried_message_gets_back_what_followed_it_the_first_time():
    events = conversation()
    assert [m["id"] for m in replies_to(events, "m-second-002")] == ["m-second-002/0", "m-second-002/1", "agent-msg-1"]
    assert [m["id"] for m in replies_to(events, "m-first-0001")] == ["m-first-0001/0"]
    assert replies_to(events, "never-sent-01") is None


def test_markup_is_carried_as_text_for_the_page_to_show_as_text():
    shown = page_message({"text": '<img src=x onerror="alert(1)">', "buttons": [{"title": "<b>x</b>", "payload": "javascript:alert(1)"}]},
                         "m1/0", "bot", 1.0)
    assert shown["text"] == '<img src=x onerror="alert(1)">'
    assert shown["buttons"] == [{"title": "<b>x</b>", "payload": "javascript:alert(1)"}]
