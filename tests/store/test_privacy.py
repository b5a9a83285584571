"""Personal data: encrypted at rest, masked when shown, never in logs."""
import logging
import os
import stat
from datetime import date, datetime
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from bot.complaints import service
from bot.complaints.fields import Demand
from bot.complaints.models import CustomerContact
from bot.store import engine, migrate, session_scope
from bot.store.database import dispose
from bot.store.crypto import EncryptionKeyError, decrypt, encrypt
from bot.store.privacy import MaskingFilter, install_log_masking, mask_id_number, mask_name, mask_phone, mask_text

PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"


def _submit(url, phone=PHONE, sender="u1"):
    draft = service.ComplaintDraft(
        business_name="小米官方旗舰店", business_platform="淘宝", product="空气净化器", purchase_date=date(2026, 11, 18),
        amount=Decimal("1299"), order_number="2026111812345678", facts=f"不能开机，客服让我打 {phone} 也没人接",
        demand=Demand(("退货", "退款")), contacted_business=True, evidence=["聊天记录"], name="张三", phone=phone,
        id_number=ID_NUMBER,
    )
    return service.submit(draft, service.Customer("rest", sender), consented_at=datetime(2026, 11, 23), url=url)


@pytest.mark.parametrize(
    "phone, masked",
    [("13812345678", "138****5678"), ("+86 138 1234 5678", "138****5678"), ("010-12345678", "010****5678"), ("0755-12345678", "0755****5678"), ("", "")],
)
def test_phone_numbers_are_masked(phone, masked):
    assert mask_phone(phone) == masked


def test_id_numbers_and_names_are_masked():
    assert mask_id_number(ID_NUMBER) == "110105********002X"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"


def test_free_text_is_masked_but_order_numbers_are_kept():
    masked = mask_text(f"我电话 {PHONE}，身份证 {ID_NUMBER}，订单号 2026111812345678901")
    assert masked == "我电话 138****5678，身份证 110105********002X，订单号 2026111812345678901"


def test_key_is_generated_once_and_readable_only_by_its_owner(isolated_var_dir):
    token = encrypt("hello")
    key_file = isolated_var_dir / "secret.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    first_key = key_file.read_bytes()
    assert decrypt(token) == "hello" and encrypt("again") and key_file.read_bytes() == first_key


def test_configured_key_is_used_instead_of_the_file(monkeypatch, isolated_var_dir):
    key = Fernet.generate_key()
    monkeypatch.setenv("BOT_FERNET_KEY", key.decode())
    token = encrypt(PHONE)
    assert Fernet(key).decrypt(token.encode()).decode() == PHONE
    assert not (isolated_var_dir / "secret.key").exists()


def test_a_malformed_key_is_reported(monkeypatch):
    monkeypatch.setenv("BOT_FERNET_KEY", "not-a-key")
    with pytest.raises(EncryptionKeyError, match="BOT_FERNET_KEY"):
        encrypt(PHONE)


def test_data_saved_under_another_key_is_reported(monkeypatch):
    token = encrypt(PHONE)
    monkeypatch.setenv("BOT_FERNET_KEY", Fernet.generate_key().decode())
    with pytest.raises(EncryptionKeyError, match="key differs"):
        decrypt(token)


def test_database_holds_only_ciphertext(database_url):
    _submit(database_url)
    with engine(database_url).connect() as connection:
        name, phone, id_number = connection.execute(text("select name, phone, id_number from customer_contacts")).one()
    for stored, plain in ((name, "张三"), (phone, PHONE), (id_number, ID_NUMBER)):
        assert stored.startswith("gAAAAA") and plain not in stored  # Fernet tokens
        assert decrypt(stored) == plain
    with session_scope(database_url) as session:
        assert session.execute(select(CustomerContact.phone)).scalar() == PHONE


def test_plaintext_is_nowhere_in_the_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    migrate(url)
    _submit(url)
    dispose(url)
    content = (tmp_path / "bot.db").read_bytes()
    assert b"gAAAAA" in content
    for plain in (PHONE, ID_NUMBER, "张三"):
        assert plain.encode() not in content
    assert "138****5678".encode() in content  # the phone in the free text was masked before saving


def test_masking_filter_rewrites_the_message():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "customer %s id %s", (PHONE, ID_NUMBER), None)
    MaskingFilter().filter(record)
    assert record.getMessage() == "customer 138****5678 id 110105********002X"


def test_no_log_record_carries_a_phone_number(database_url, caplog):
    install_log_masking()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statement parameters too
    try:
        _submit(database_url)
        logging.getLogger("some.library").warning("user typed %s", PHONE)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert "INSERT INTO customer_contacts" in caplog.text  # the engine log was really captured
    assert "138****5678" in caplog.text
    assert PHONE not in caplog.text and ID_NUMBER not in caplog.text


def test_processes_starting_together_share_one_complete_key(isolated_var_dir):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = list(pool.map(encrypt, [PHONE] * 16))
    key = (isolated_var_dir / "secret.key").read_bytes().strip()
    assert all(Fernet(key).decrypt(token.encode()).decode() == PHONE for token in tokens)
    assert [p.name for p in isolated_var_dir.iterdir()] == ["secret.key"]  # no temporary files left
