"""Agent assist: what a reply is warned about, and that the desk refuses a warned reply unless a reason is given."""
import io

import pytest

from bot.desk import DeskPolicyError, RecordAgentReply, RecordCustomerMessage, SetPresence, load_policy
from bot.desk.assist import CheckReply, CustomerQuestion, ReplyNeedsReview, check_reply
from bot.desk.canned_replies import load_canned_replies
from bot.desk.cli import main
from bot.desk.errors import NotAllowed
from bot.desk.models import DeskAgent
from bot.desk.policy import DEFAULT_POLICY_FILE
from bot.knowledge import load_knowledge_base
from bot.knowledge.reply import answer_text
from tests.desk.conftest import TEST_POLICY
from tests.desk.test_cases import case_of, open_claimed

SHIPPED = load_policy(DEFAULT_POLICY_FILE)
WANG = DeskAgent(username="wang", display_name="王芳")  # no limit of her own: the policy's 2000 yuan


def warnings(text, agent=WANG, policy=SHIPPED):
    return [(w.code, w.message) for w in check_reply(text, agent, policy)]


def codes(text, agent=WANG, policy=SHIPPED):
    return [code for code, _ in warnings(text, agent, policy)]


def test_a_full_phone_number_is_warned_about_and_a_masked_one_is_not():
    assert warnings("您的电话是13812345678吗？") == [
        ("full_phone_number", "回复中写了完整的电话号码（138****5678）：客户的号码在对话里只能写成打码形式，如 138****5678。")]
    assert codes("座机 010-62345678 也可以") == ["full_phone_number"]
    assert codes("已记下您的电话 138****5678，稍后回电") == []


def test_an_id_number_ending_in_x_is_warned_about_without_repeating_it():
    [(code, message)] = warnings("请核对身份证号 11010119900307123X 是否正确")
    assert code == "full_id_number"
    assert "110101********123X" in message and "11010119900307123X" not in message
    assert codes("身份证号 110101********123X 已核对") == []


@pytest.mark.parametrize("reply, amount", [
    ("为您退款 2500 元，三个工作日内到账。", "2500"),
    ("我们给您补偿1.5万元。", "15000"),
    ("这边赔您3000块。", "3000"),
    ("商家已同意赔偿两万元", "20000"),
])
def test_an_amount_promised_above_the_agents_limit_is_warned_about(reply, amount):
    assert warnings(reply) == [("amount_over_limit",
                                f"回复中的金额 {amount} 元超过您可自行承诺的上限 2000 元：请先征得主管同意再答复客户。")]


@pytest.mark.parametrize("reply", ["为您退款1999元。", "这边补偿您2000块。", "给您补 0.1万元"])
def test_an_amount_within_the_limit_passes(reply):
    assert codes(reply) == []


def test_each_agent_may_have_a_limit_of_their_own():
    senior = DeskAgent(username="zhou", display_name="周敏", amount_limit_yuan=20000)
    assert codes("我们给您补偿1.5万元。", senior) == []
    assert codes("我们给您补偿2.5万元。", senior) == ["amount_over_limit"]


def test_explaining_the_law_with_a_worked_example_promises_nothing():
    assert codes("举例：花300元买的不合格食品，十倍是3000元，不足1000元的按1000元算。") == []


@pytest.mark.parametrize("phrase", [
    "概不负责", "最终解释权归我们所有", "最终解释权归本公司所有", "不退不换", "概不退换", "售出不退", "与我们无关",
])
def test_each_forbidden_phrase_is_warned_about(phrase):
    [(code, message)] = warnings(f"您好，这个问题{phrase}，请理解。")
    assert code == "forbidden_phrase" and message.startswith("回复中有禁用语「")


def test_a_forbidden_phrase_is_caught_in_traditional_characters_and_with_spaces():
    assert codes("這件事與我們無關") == ["forbidden_phrase"]
    assert codes("特价商品 不退 不换") == ["forbidden_phrase"]


def test_a_quoted_phrase_is_explained_not_said():
    assert codes("商家写的“售出商品概不退换”这类告示无效，您可以要求退货。") == []


def test_no_false_alarm_on_everyday_replies():
    assert codes("网购商品享有7天无理由退货，您的订单号 123456 还在期限内。") == []
    assert codes("七天无理由退货从签收次日起算。") == []


def test_what_the_console_offers_to_insert_is_never_stopped():
    offered = [answer_text(entry) for entry in load_knowledge_base().entries]
    offered += [reply.text for reply in load_canned_replies()]
    stopped = {text[:30]: found for text in offered if (found := codes(text))}
    assert stopped == {}


def test_forbidden_phrases_must_be_a_list_of_phrases(tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text(TEST_POLICY + "forbidden_phrases: 概不负责\n", encoding="utf-8")
    with pytest.raises(DeskPolicyError, match="forbidden_phrases: must be a list"):
        load_policy(path)


def test_a_warned_reply_is_refused_and_nothing_is_recorded(desk, agents, database_url):
    case_id = open_claimed(desk, "wang")
    before = [e.action for e in case_of(database_url, case_id).events]
    for reason in ("", "   "):
        with pytest.raises(ReplyNeedsReview) as refused:
            desk(RecordAgentReply, case_id, "wang", "您的电话13812345678，为您退款3000元", override_reason=reason)
        assert [w.code for w in refused.value.warnings] == ["full_phone_number", "amount_over_limit"]
    case = case_of(database_url, case_id)
    assert [e.action for e in case.events] == before and case.first_response_at is None


def test_an_override_is_recorded_with_the_warnings_and_the_reason_then_the_reply(desk, agents, database_url):
    case_id = open_claimed(desk, "wang")
    desk(RecordAgentReply, case_id, "wang", "您的电话13812345678，为您退款3000元",
         override_reason="主管已同意退款；客户要求核对13812345678")
    override, reply = case_of(database_url, case_id).events[-2:]
    assert (override.action, override.actor) == ("assist_overridden", "agent:wang")
    assert override.note == ("未按发送前提醒修改（full_phone_number、amount_over_limit），"
                             "理由：主管已同意退款；客户要求核对138****5678")
    assert (reply.action, reply.note) == ("agent_replied", "您的电话138****5678，为您退款3000元")


def test_a_reply_without_warnings_needs_no_reason_and_records_no_override(desk, agents, database_url):
    case_id = open_claimed(desk, "wang")
    desk(RecordAgentReply, case_id, "wang", "您好，我来帮您联系商家。", override_reason="不需要")
    assert [e.action for e in case_of(database_url, case_id).events] == ["opened", "claimed", "agent_replied"]


def test_a_draft_is_checked_only_for_the_agents_on_the_case(desk, agents):
    case_id = open_claimed(desk, "wang")
    assert [w.code for w in desk(CheckReply, case_id, "wang", "为您退款3000元")] == ["amount_over_limit"]
    with pytest.raises(NotAllowed):
        desk(CheckReply, case_id, "li", "为您退款3000元")


def test_the_customers_last_message_on_the_case_is_what_to_look_answers_up_for(desk, agents):
    case_id = open_claimed(desk, "wang")
    assert desk(CustomerQuestion, case_id, "wang") == ("web:c1", "")
    desk(RecordCustomerMessage, case_id, "衣服不合适")
    desk(RecordCustomerMessage, case_id, "七天无理由能退吗？我电话13812345678")
    assert desk(CustomerQuestion, case_id, "wang") == ("web:c1", "七天无理由能退吗？我电话138****5678")
    with pytest.raises(NotAllowed):
        desk(CustomerQuestion, case_id, "li")


def test_an_agents_limit_is_set_when_their_account_is_added(desk, agents, database_url, monkeypatch):
    def add(*args):
        monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
        out = io.StringIO()
        return main(["--database-url", database_url, "user", "add", *args], out=out), out.getvalue()

    assert add("zero", "--amount-limit", "0")[0] == 1
    status, out = add("zhou", "--skills", "ecommerce", "--display-name", "周敏", "--amount-limit", "10000")
    assert status == 0 and "可承诺金额 10000 元" in out
    desk(SetPresence, "zhou", True)
    senior_case = open_claimed(desk, "zhou", conversation="web:c2")
    desk(RecordAgentReply, senior_case, "zhou", "为您退款8000元")
    assert case_of(database_url, senior_case).events[-1].action == "agent_replied"
    with pytest.raises(ReplyNeedsReview, match="上限 2000 元"):
        desk(RecordAgentReply, open_claimed(desk, "li"), "li", "为您退款8000元")
