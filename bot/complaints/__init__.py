"""Complaints as structured records followed through to closure.

Parsing what customers say (``parse_date``, ``parse_amount`` and the field parsers), the lifecycle with its
deadlines (``Status``, ``TRANSITIONS``, ``load_policy``), and the operations on stored complaints in
``bot.complaints.service``. The ``complaints`` command line is ``bot.complaints.cli``.
"""
from bot.complaints.amounts import parse_amount
from bot.complaints.dates import parse_date
from bot.complaints.fields import Demand, extract_fields
from bot.complaints.lifecycle import TRANSITIONS, IllegalTransition, Policy, Status, load_policy
from bot.complaints.models import Complaint, ComplaintEvent, CustomerContact
from bot.complaints.service import ComplaintDraft, Customer, Submitted
from bot.complaints.views import ComplaintView

__all__ = [
    "Complaint",
    "ComplaintDraft",
    "ComplaintEvent",
    "ComplaintView",
    "Customer",
    "CustomerContact",
    "Demand",
    "IllegalTransition",
    "Policy",
    "Status",
    "Submitted",
    "TRANSITIONS",
    "extract_fields",
    "load_policy",
    "parse_amount",
    "parse_date",
]
