"""The complaint analysis as plain data: counts by business, topic and hand-off reason, and the recurring
problems found by clustering complaint facts, each with label, size, businesses, masked examples and weekly trend.

:func:`analyse` reads the store in one session and returns a :class:`Report` of dataclasses, tuples, strings and
numbers only, so the CLI prints it and a web page can render it without touching the database again.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.analytics import clustering, features
from bot.complaints.models import Complaint
from bot.complaints.views import CHINA_TIME, china_date
from bot.desk.models import Handoff
from bot.store.privacy import mask_name, mask_text
from bot.text import normalise

EXAMPLES_PER_CLUSTER = 3
EXCERPT_CHARACTERS = 80
UNKNOWN_TOPIC = "unclassified"


class AnalysisError(ValueError):
    """The analysis cannot run as asked (e.g. a period that ends before it starts)."""


@dataclass(frozen=True)
class Count:
    key: str
    name: str
    count: int


@dataclass(frozen=True)
class TopicCount:
    topic: str
    name: str
    complaints: int
    handoffs: int


@dataclass(frozen=True)
class Example:
    """One complaint of a cluster, as an operator may see it: no name, no phone, numbers in the text masked."""

    ticket: str
    date: str  # Beijing date of the complaint
    business: str
    excerpt: str


@dataclass(frozen=True)
class WeekCount:
    week: str  # ISO week in Beijing time, e.g. 2026-W47
    count: int


@dataclass(frozen=True)
class ProblemCluster:
    rank: int
    label: str  # its top distinctive words, e.g. "充电宝 · 起火 · 冒烟"
    terms: tuple[str, ...]
    size: int
    share: float  # of all complaints in the period
    businesses: tuple[Count, ...]  # the businesses named most, at most three
    topic: str
    examples: tuple[Example, ...]  # the complaints closest to the cluster's centre first
    trend: tuple[WeekCount, ...]  # every week of the period, zeros included
    stability: float  # mean best-match Jaccard over the resamples
    stable: bool
    tickets: tuple[str, ...]


@dataclass(frozen=True)
class Method:
    lexical_share: float
    dense_share: float
    distance_threshold: float
    min_cluster_size: int
    resamples: int
    subsample: float
    stable_jaccard: float
    model: str


@dataclass(frozen=True)
class Report:
    since: Optional[str]
    until: Optional[str]
    complaints: int
    handoffs: int
    weeks: tuple[str, ...]
    businesses: tuple[Count, ...]
    topics: tuple[TopicCount, ...]
    handoff_reasons: tuple[Count, ...]
    clusters: tuple[ProblemCluster, ...]  # the high-frequency problems, largest first
    unclustered: int  # complaints in no cluster of at least min_cluster_size
    mean_ari: float  # stability of the whole clustering over the resamples
    method: Method

    def as_dict(self) -> dict:
        return asdict(self)


_SPACES = re.compile(r"[\s\u3000]+")
_EDGE_PUNCTUATION = "\"'“”‘’「」『』《》()（）[]【】.,，。;；:：!！?？-—_·"


def normalise_business(name: str) -> str:
    """One spelling per business: simplified, half-width, lower-case Latin, no spaces or edge punctuation."""
    return _SPACES.sub("", normalise(name or "")).lower().strip(_EDGE_PUNCTUATION)


def iso_week(moment: datetime) -> str:
    year, week, _ = china_date(moment).isocalendar()
    return f"{year}-W{week:02d}"


def _weeks_between(first: date, last: date) -> tuple[str, ...]:
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        year, week, _ = monday.isocalendar()
        weeks.append(f"{year}-W{week:02d}")
        monday += timedelta(days=7)
    return tuple(weeks)


def _utc_start(day: date) -> datetime:
    return datetime.combine(day, time(0), CHINA_TIME).astimezone(timezone.utc).replace(tzinfo=None)


class TopicFinder:
    """A complaint's topic: the topic of the knowledge entry whose wordings share the most weighted terms with
    its facts (TF-IDF cosine over the same Segmenter terms as the clustering; no shared term: unclassified)."""

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        from bot.knowledge.model import load_knowledge_base

        kb = load_knowledge_base()
        self.names = {**kb.topics, UNKNOWN_TOPIC: "未分类"}
        self._topics = [entry.topic for entry in kb.entries]
        self._vectorizer = TfidfVectorizer(analyzer=features.terms, sublinear_tf=True, norm="l2")
        self._entries = self._vectorizer.fit_transform([" ".join((*entry.texts, *entry.terms)) for entry in kb.entries])

    def topics(self, texts: list[str]) -> list[str]:
        if not texts:
            return []
        similarity = (self._vectorizer.transform(texts) @ self._entries.T).toarray()
        best = similarity.argmax(axis=1)
        return [self._topics[b] if similarity[i, b] > 0 else UNKNOWN_TOPIC for i, b in enumerate(best)]


@functools.lru_cache(maxsize=1)
def topic_finder() -> TopicFinder:
    return TopicFinder()


def masked_facts(complaint: Complaint) -> str:
    """The facts with phone and ID numbers masked and the customer's own name replaced by its masked form."""
    text = mask_text(complaint.facts)
    name = complaint.contact.name if complaint.contact is not None else None
    if name and len(name) > 1:
        text = text.replace(name, mask_name(name))
    return text


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARACTERS else text[: EXCERPT_CHARACTERS - 1] + "…"


def _count_by(items, key_of, name_of) -> tuple[Count, ...]:
    counts = Counter(key_of(item) for item in items)
    return tuple(Count(key, name_of(key), n) for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def analyse(
    session: Session,
    since: Optional[date] = None,
    until: Optional[date] = None,
    *,
    encoder: Optional[features.DenseEncoder] = None,
) -> Report:
    """Analyse complaints and hand-offs created from ``since`` to ``until`` (Beijing dates, both included)."""
    if since and until and since > until:
        raise AnalysisError(f"the period ends ({until}) before it starts ({since})")
    query = select(Complaint).options(selectinload(Complaint.contact)).order_by(Complaint.created_at, Complaint.id)
    handoff_query = select(Handoff).order_by(Handoff.created_at, Handoff.id)
    if since:
        query = query.where(Complaint.created_at >= _utc_start(since))
        handoff_query = handoff_query.where(Handoff.created_at >= _utc_start(since))
    if until:
        query = query.where(Complaint.created_at < _utc_start(until + timedelta(days=1)))
        handoff_query = handoff_query.where(Handoff.created_at < _utc_start(until + timedelta(days=1)))
    complaints = session.execute(query).scalars().all()
    handoffs = session.execute(handoff_query).scalars().all()

    moments = [c.created_at for c in complaints] + [h.created_at for h in handoffs]
    first = since or (min(china_date(m) for m in moments) if moments else None)
    last = until or (max(china_date(m) for m in moments) if moments else None)
    weeks = _weeks_between(first, last) if first and last else ()

    spellings: dict[str, Counter] = {}
    for complaint in complaints:
        key = normalise_business(complaint.business_name)
        spellings.setdefault(key, Counter())[complaint.business_name.strip()] += 1
    business_name = {key: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for key, c in spellings.items()}

    handoff_topic = {h.complaint_id: h.topic for h in handoffs if h.complaint_id and h.topic}
    finder = topic_finder()
    found_topics = finder.topics([c.facts for c in complaints])
    complaint_topics = [handoff_topic.get(c.id) or found for c, found in zip(complaints, found_topics)]
    names = finder.names
    by_complaints = Counter(complaint_topics)
    by_handoffs = Counter(h.topic or UNKNOWN_TOPIC for h in handoffs)
    topics = tuple(
        TopicCount(t, names.get(t, t), by_complaints[t], by_handoffs[t])
        for t in sorted(set(by_complaints) | set(by_handoffs), key=lambda t: (-by_complaints[t] - by_handoffs[t], t))
    )

    clusters, unclustered, mean_ari = _problem_clusters(
        complaints, complaint_topics, business_name, weeks, names, encoder
    )
    from bot.knowledge.embedding import configured_model  # imports torch: only when an analysis runs

    return Report(
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        complaints=len(complaints),
        handoffs=len(handoffs),
        weeks=weeks,
        businesses=_count_by(complaints, lambda c: normalise_business(c.business_name), business_name.get),
        topics=topics,
        handoff_reasons=_count_by(handoffs, lambda h: h.reason, lambda r: r),
        clusters=clusters,
        unclustered=unclustered,
        mean_ari=round(mean_ari, 3),
        method=Method(
            lexical_share=features.LEXICAL_SHARE,
            dense_share=round(1 - features.LEXICAL_SHARE, 3),
            distance_threshold=clustering.DISTANCE_THRESHOLD,
            min_cluster_size=clustering.MIN_CLUSTER_SIZE,
            resamples=clustering.RESAMPLES,
            subsample=clustering.SUBSAMPLE,
            stable_jaccard=clustering.STABLE_JACCARD,
            model=configured_model(),
        ),
    )


def _problem_clusters(complaints, complaint_topics, business_name, weeks, names, encoder):
    if not complaints:
        return (), 0, 1.0
    texts = [masked_facts(c) for c in complaints]
    lexical, _ = features.lexical_matrix(texts)
    vectors = features.combine(lexical, (encoder or features.default_encoder()).encode(texts))
    distances = clustering.cosine_distances(vectors)
    labels = clustering.cluster(distances)
    sizes = Counter(labels.tolist())
    frequent = [c for c, n in sizes.items() if n >= clustering.MIN_CLUSTER_SIZE]
    stability = clustering.stability(distances, labels, frequent)
    documents = [features.words(text) for text in texts]
    business_words = frozenset(w for c in complaints for w in features.words(c.business_name))

    found = []
    for number in frequent:
        members = np.flatnonzero(labels == number)
        centre = vectors[members].mean(axis=0)
        closeness = vectors[members] @ centre
        # Rounded so that float noise between platforms never reorders two equally central complaints.
        order = sorted(
            range(len(members)), key=lambda i: (-round(float(closeness[i]), 6), complaints[members[i]].ticket)
        )
        terms = clustering.distinctive_terms(documents, members, exclude=business_words)
        central = complaints[members[order[0]]]
        label = " · ".join(terms) or _excerpt(texts[members[order[0]]])[:20]
        weekly = Counter(iso_week(complaints[i].created_at) for i in members)
        businesses = Counter(normalise_business(complaints[i].business_name) for i in members)
        topic = Counter(complaint_topics[i] for i in members).most_common(1)[0][0]
        found.append(dict(
            label=label,
            terms=tuple(terms),
            size=len(members),
            share=round(len(members) / len(complaints), 3),
            businesses=tuple(
                Count(key, business_name[key], n)
                for key, n in sorted(businesses.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
            ),
            topic=names.get(topic, topic),
            examples=tuple(
                Example(
                    complaints[members[i]].ticket,
                    china_date(complaints[members[i]].created_at).isoformat(),
                    business_name[normalise_business(complaints[members[i]].business_name)],
                    _excerpt(texts[members[i]]),
                )
                for i in order[:EXAMPLES_PER_CLUSTER]
            ),
            trend=tuple(WeekCount(week, weekly.get(week, 0)) for week in weeks),
            stability=round(stability.jaccard[number], 3),
            stable=bool(stability.jaccard[number] >= clustering.STABLE_JACCARD),
            tickets=tuple(sorted(complaints[i].ticket for i in members)),
            _central=central.ticket,
        ))
    found.sort(key=lambda c: (-c["size"], c["label"], c["_central"]))
    clusters = tuple(
        ProblemCluster(rank=rank, **{k: v for k, v in c.items() if not k.startswith("_")})
        for rank, c in enumerate(found, start=1)
    )
    unclustered = len(complaints) - sum(c.size for c in clusters)
    return clusters, unclustered, stability.mean_ari
