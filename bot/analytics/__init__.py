"""Complaint analytics: which problems keep coming back, where, and how often week by week.

:func:`analyse` (``bot.analytics.report``) turns the complaints and hand-offs of a period into a plain-data
:class:`Report`; :func:`render` prints it as text, JSON or CSV (``complaints analyse``). The method and its
measured recovery of known groups are described in docs/analytics.md.
"""
from bot.analytics.render import FORMATS, render
from bot.analytics.report import (
    AnalysisError,
    Count,
    Example,
    Method,
    ProblemCluster,
    Report,
    TopicCount,
    WeekCount,
    analyse,
    normalise_business,
)

__all__ = [
    "AnalysisError", "Count", "Example", "FORMATS", "Method", "ProblemCluster", "Report", "TopicCount",
    "WeekCount", "analyse", "normalise_business", "render",
]
