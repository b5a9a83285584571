"""Showing personal data only masked, and keeping it out of logs.

Phone numbers are shown as 138****5678 and ID numbers as 110101********1234 wherever they appear: replies,
exports, the CLI and log records. :func:`install_log_masking` rewrites every log record of the process,
whichever library emits it, so a phone number a customer typed never reaches a log file.
"""
from __future__ import annotations

import logging
import re

# An 18-digit resident ID (last character may be X) or a mainland mobile number; digits around them must not
# be digits, so order numbers that merely contain such a run are left alone.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{3,4})(\d{4})(?!\d)")


def mask_phone(phone: str | None) -> str:
    """138****5678 for mobiles, 010****5678 for landlines; '' for no number."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 8:
        return "*" * len(digits)
    head = 4 if digits.startswith("0") and len(digits) == 12 else 3
    return digits[:head] + "****" + digits[-4:]


def mask_id_number(id_number: str | None) -> str:
    """Keep the region code and the last four characters: 110101********1234."""
    if not id_number:
        return ""
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_name(name: str | None) -> str:
    """Keep the family name: 张三 → 张*, 欧阳娜娜 → 欧***."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


# What each kind of number looks like masked, in the order they are masked (an ID number before the phone-like
# runs inside it).
_MASKS = (
    ("id_number", _ID_NUMBER, lambda m: m.group(1) + "*" * 8 + m.group(3)),
    ("phone", _MOBILE, lambda m: m.group(1) + "****" + m.group(3)),
    ("phone", _LANDLINE, lambda m: m.group(1) + "****" + m.group(3)),
)


def mask_text(text: str) -> str:
    """Mask every phone and ID number inside free text, e.g. a complaint's description."""
    for _, pattern, masked in _MASKS:
        text = pattern.sub(masked, text)
    return text


def full_numbers(text: str) -> list[tuple[str, str]]:
    """The phone and ID numbers written out in full in ``text``, each as (``"phone"`` or ``"id_number"``, its masked
    form); numbers already masked (138****5678) are not among them."""
    found = []
    for kind, pattern, masked in _MASKS:
        found += [(kind, masked(match)) for match in pattern.finditer(text)]
        text = pattern.sub(masked, text)
    return found


class MaskingFilter(logging.Filter):
    """Rewrites a record's message with phone and ID numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_installed = False


def install_log_masking() -> None:
    """Mask personal numbers in every log record created from now on in this process (idempotent).

    A filter on one logger misses records of other loggers and third-party handlers, so the record factory
    itself is wrapped: each record is masked the moment it is created.
    """
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()
    masking = MaskingFilter()

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        masking.filter(record)
        return record

    logging.setLogRecordFactory(masked_record)
    _installed = True
