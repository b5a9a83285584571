"""Exports shaped like a regulator's complaint form, and the operator command line."""
import csv
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.complaints import cli, export, service
from bot.complaints.fields import Demand
from bot.complaints.lifecycle import Policy

NOW = datetime(2026, 11, 22, 16, 30)
ALICE = service.Customer("rest", "alice")


def _submit(url, now=NOW):
    draft = service.ComplaintDraft(
        business_name="小米官方旗舰店", business_platform="淘宝", product="空气净化器", purchase_date=date(2026, 11, 18),
        amount=Decimal("1299"), order_number="2026111812345678", facts="收到后不能开机", contacted_business=True,
        demand=Demand(("退货", "赔偿"), compensation_multiple=3), evidence=["聊天记录", "照片/视频"], name="张三",
        phone="13812345678", id_number="11010519491231002X",
    )
    return service.submit(draft, ALICE, consented_at=now, now=now, policy=Policy(), url=url).ticket


@pytest.fixture
def policy_file(tmp_path, monkeypatch):
    path = tmp_path / "policy.yml"
    path.write_text(
        "deadlines_hours: {已受理: 24, 调查核实: 72, 处理反馈: 48, 结果确认: 168}\nauthorised_operators: [王芳]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("BOT_COMPLAINT_POLICY", str(path))
    return path


def test_records_carry_the_regulator_form_fields_masked(database_url):
    ticket = _submit(database_url)
    (record,) = export.export_records(url=database_url)
    assert record["投诉编号"] == ticket
    assert (record["投诉人"], record["联系电话"], record["身份证号"]) == ("张*", "138****5678", "110105********002X")
    assert record["被投诉方"] == "小米官方旗舰店（淘宝）"
    assert (record["购买/服务时间"], record["金额"]) == ("2026-11-18", "1299.00")
    assert (record["事实与理由"], record["诉求"]) == ("收到后不能开机", "退货、赔偿（价款的 3 倍）")
    assert record["证据"] == "聊天记录、照片/视频"
    assert list(record) == list(export.COLUMNS)


def test_unmasking_needs_an_authorised_operator_and_is_recorded(database_url):
    ticket = _submit(database_url)
    with pytest.raises(export.NotAuthorised, match="李雷"):
        export.export_records(unmask=True, operator="李雷", policy=Policy(authorised_operators=frozenset({"王芳"})), url=database_url)
    assert [e.action for e in service.lookup(ticket, url=database_url).events] == ["created"]
    (record,) = export.export_records(
        unmask=True, operator="王芳", policy=Policy(authorised_operators=frozenset({"王芳"})), url=database_url
    )
    assert (record["投诉人"], record["联系电话"]) == ("张三", "13812345678")
    last = service.lookup(ticket, url=database_url).events[-1]
    assert (last.action, last.actor) == ("personal_data_exported", "operator:王芳")


def test_deleted_customers_export_as_anonymous(database_url):
    _submit(database_url)
    service.delete_personal_data(ALICE, url=database_url)
    (record,) = export.export_records(url=database_url)
    assert (record["投诉人"], record["联系电话"], record["事实与理由"]) == ("（已匿名）", "", "收到后不能开机")


def test_cli_exports_csv_that_excel_opens(database_url, tmp_path, capsys):
    _submit(database_url)
    output = tmp_path / "complaints.csv"
    assert cli.main(["--database-url", database_url, "export", "--format", "csv", "--output", str(output)]) == 0
    assert output.read_bytes().startswith("\ufeff".encode())  # BOM: Excel reads it as UTF-8
    rows = list(csv.DictReader(output.open(encoding="utf-8-sig")))
    assert rows[0]["联系电话"] == "138****5678" and rows[0]["诉求"] == "退货、赔偿（价款的 3 倍）"
    assert "Wrote 1 complaint(s)" in capsys.readouterr().err


def test_cli_exports_json_to_standard_output(database_url, capsys):
    _submit(database_url)
    assert cli.main(["--database-url", database_url, "export", "--format", "json"]) == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert record["投诉人"] == "张*" and "13812345678" not in json.dumps(record, ensure_ascii=False)


def test_cli_unmasking_is_refused_without_authorisation(database_url, capsys, policy_file):
    _submit(database_url)
    assert cli.main(["--database-url", database_url, "export", "--format", "json", "--unmask"]) == 2
    assert "--unmask requires --operator" in capsys.readouterr().err
    assert cli.main(["--database-url", database_url, "export", "--format", "json", "--unmask", "--operator", "李雷"]) == 1
    captured = capsys.readouterr()
    assert "may not export personal data" in captured.err and captured.out == ""
    assert cli.main(["--database-url", database_url, "export", "--format", "json", "--unmask", "--operator", "王芳"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["联系电话"] == "13812345678"


def test_cli_lists_overdue_complaints(database_url, capsys):
    late = _submit(database_url, now=NOW - timedelta(days=2))
    _submit(database_url)
    assert cli.main(["--database-url", database_url, "overdue", "--now", "2026-11-23T12:00"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [f"{late}｜已受理｜小米官方旗舰店（淘宝）｜空气净化器｜时限 2026-11-22 00:30"]
    assert "1 overdue complaint(s)" in captured.err


def test_cli_moves_complaints_only_along_the_lifecycle(database_url, capsys):
    ticket = _submit(database_url)
    assert cli.main(["--database-url", database_url, "advance", ticket, "已结案", "--operator", "王芳"]) == 1
    assert "不能从「已受理」变为「已结案」" in capsys.readouterr().err
    assert cli.main(["--database-url", database_url, "advance", ticket, "调查核实", "--operator", "王芳", "--note", "已联系商家"]) == 0
    assert f"{ticket} is now 调查核实" in capsys.readouterr().out
    assert cli.main(["--database-url", database_url, "show", ticket]) == 0
    shown = capsys.readouterr().out
    assert "工作人员 王芳：状态更新（已受理 → 调查核实），已联系商家" in shown and "138****5678" in shown
    assert "13812345678" not in shown


def test_cli_explains_bad_input(database_url, capsys):
    assert cli.main(["--database-url", database_url, "show", "TS-20990101-000009"]) == 1
    assert "没有找到编号为 TS-20990101-000009" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["--database-url", database_url, "advance", "TS-1", "完成", "--operator", "x"])
    assert "unknown status '完成'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["overdue", "--now", "yesterday"])
    assert "not an ISO date-time" in capsys.readouterr().err


def test_cli_migrates_the_default_database(isolated_var_dir, capsys):
    assert cli.main(["migrate"]) == 0
    assert (isolated_var_dir / "bot.db").exists() and "up to date" in capsys.readouterr().out
