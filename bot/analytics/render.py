"""A :class:`~bot.analytics.report.Report` as text for a terminal, JSON for programs, or CSV for a spreadsheet."""
from __future__ import annotations

import csv
import io
import json

from bot.analytics.report import Report

FORMATS = ("text", "json", "csv")


def _bar(count: int, most: int, width: int = 12) -> str:
    return "█" * max(1 if count else 0, round(width * count / most)) if most else ""


def as_text(report: Report) -> str:
    period = f"{report.since or '最早'} 至 {report.until or '最新'}"
    lines = [f"投诉分析　{period}　投诉 {report.complaints} 件，转人工 {report.handoffs} 件", ""]
    lines.append("按商家（前 10）：")
    lines += [f"  {c.name}　{c.count}" for c in report.businesses[:10]] or ["  （无）"]
    lines += ["", "按主题（投诉 / 转人工）："]
    lines += [f"  {t.name}　{t.complaints} / {t.handoffs}" for t in report.topics] or ["  （无）"]
    if report.handoff_reasons:
        lines += ["", "转人工原因：", *(f"  {c.name}　{c.count}" for c in report.handoff_reasons)]
    lines += ["", f"高频问题（{len(report.clusters)} 类，另有 {report.unclustered} 件零散投诉；整体稳定性 ARI {report.mean_ari:.2f}）："]
    for cluster in report.clusters:
        flag = "" if cluster.stable else "　⚠ 不稳定"
        lines.append(
            f"{cluster.rank}. {cluster.label}　{cluster.size} 件（{cluster.share:.0%}）　主题：{cluster.topic}"
            f"　稳定性 {cluster.stability:.2f}{flag}"
        )
        lines.append("   商家：" + "、".join(f"{b.name}（{b.count}）" for b in cluster.businesses))
        most = max((w.count for w in cluster.trend), default=0)
        for week in cluster.trend:
            lines.append(f"   {week.week} {_bar(week.count, most):<12} {week.count}")
        for example in cluster.examples:
            lines.append(f"   · {example.ticket} {example.date} {example.business}：{example.excerpt}")
    method = report.method
    lines += [
        "",
        f"方法：TF-IDF（jieba 词 + 字二元组）权重 {method.lexical_share} + 句向量 {method.dense_share}，"
        f"平均连接层次聚类，余弦距离阈值 {method.distance_threshold}，至少 {method.min_cluster_size} 件成类；"
        f"稳定性为 {method.resamples} 次 {method.subsample:.0%} 子样本重聚类的 Jaccard，低于 {method.stable_jaccard} 标为不稳定。",
    ]
    return "\n".join(lines) + "\n"


def as_csv(report: Report) -> str:
    """One row per problem cluster, with one column per week of the period."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["rank", "label", "size", "share", "topic", "businesses", "stability", "stable", *report.weeks, "examples"]
    )
    for c in report.clusters:
        writer.writerow([
            c.rank, c.label, c.size, c.share, c.topic, "、".join(f"{b.name}({b.count})" for b in c.businesses),
            c.stability, "yes" if c.stable else "no", *(w.count for w in c.trend),
            " | ".join(f"{e.ticket} {e.excerpt}" for e in c.examples),
        ])
    return buffer.getvalue()


def render(report: Report, fmt: str) -> str:
    if fmt == "text":
        return as_text(report)
    if fmt == "json":
        return json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return as_csv(report)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
