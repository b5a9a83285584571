"""The clustering on the seeded synthetic set: known groups recovered, readable labels, masked examples."""
import json
import re
from dataclasses import replace

from bot.analytics import render, synthetic
from bot.analytics.clustering import MIN_CLUSTER_SIZE
from bot.analytics.evaluate import recovery, table

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def test_the_seeded_set_has_over_200_complaints_in_known_groups_over_ten_weeks(seeded):
    report, groups, _ = seeded
    assert report.complaints == len(groups) >= 200
    assert len({g for g in groups.values() if g != synthetic.NOISE_LABEL}) == 9
    assert report.weeks == tuple(f"2026-W{week}" for week in range(39, 49))


def test_clusters_recover_the_known_groups(seeded):
    report, groups, _ = seeded
    result = recovery(report, groups)
    assert result.ari >= 0.8 and result.nmi >= 0.85, table(0, result, {})
    assert result.noise_in_clusters <= 3  # one-off complaints stay out of the high-frequency issues
    for match in result.matches:
        assert match.precision >= 0.8 and match.recall >= 0.7, match


def test_every_cluster_has_a_label_a_size_businesses_and_a_full_weekly_trend(seeded):
    report, _, items = seeded
    assert report.clusters, "no high-frequency issue found"
    assert [c.rank for c in report.clusters] == list(range(1, len(report.clusters) + 1))
    assert [c.size for c in report.clusters] == sorted((c.size for c in report.clusters), reverse=True)
    for cluster in report.clusters:
        assert cluster.label.strip() and cluster.terms and " · ".join(cluster.terms) == cluster.label
        assert cluster.size >= MIN_CLUSTER_SIZE and len(cluster.tickets) == cluster.size
        assert [w.week for w in cluster.trend] == list(report.weeks)
        assert sum(w.count for w in cluster.trend) == cluster.size
        named = [items[t].draft.business_name for t in cluster.tickets]
        assert len(cluster.businesses) in (1, 2, 3)  # the top three businesses, at least one
        assert cluster.businesses[0].count == max(named.count(b) for b in set(named))
        assert len(cluster.examples) in (1, 2, 3) and all(e.ticket in cluster.tickets for e in cluster.examples)
    assert report.unclustered == report.complaints - sum(c.size for c in report.clusters)


def test_the_largest_problem_is_labelled_by_what_went_wrong(seeded):
    report, groups, _ = seeded
    top = report.clusters[0]
    assert {groups[t] for t in top.tickets} == {"powerbank_fire"}
    assert "起火" in top.terms


def test_a_growing_problem_shows_growth_in_its_trend(seeded):
    report, groups, _ = seeded
    fire = next(c for c in report.clusters if groups[c.tickets[0]] == "powerbank_fire")
    counts = [w.count for w in fire.trend]
    assert sum(counts[5:]) > sum(counts[:5])  # generated with growth 0.8


def test_examples_show_no_phone_number_and_no_customer_name(seeded):
    report, _, items = seeded
    payload = json.dumps(report.as_dict(), ensure_ascii=False)
    assert not MOBILE.search(payload)
    assert any(MOBILE.search(item.draft.facts) for item in items.values())  # the raw facts did contain some
    for cluster in report.clusters:
        for example in cluster.examples:
            assert items[example.ticket].draft.name not in example.excerpt
    assert not any(item.draft.name in payload for item in items.values() if item.draft.name in item.draft.facts)


def test_every_cluster_is_stable_on_the_seeded_set(seeded):
    report, _, _ = seeded
    assert report.mean_ari >= 0.8
    assert all(c.stable and c.stability >= 0.6 for c in report.clusters)


def test_the_text_rendering_names_every_cluster_and_the_method(seeded):
    report, _, _ = seeded
    text = render(report, "text")
    for cluster in report.clusters:
        assert f"{cluster.rank}. {cluster.label}" in text
    assert "余弦距离阈值" in text and "Jaccard" in text


def test_an_unstable_cluster_is_flagged_in_text_and_csv(seeded):
    report, _, _ = seeded
    shaky = replace(report, clusters=(replace(report.clusters[0], stable=False, stability=0.41),))
    assert "稳定性 0.41　⚠ 不稳定" in render(shaky, "text")
    assert render(shaky, "csv").splitlines()[1].split(",")[6:8] == ["0.41", "no"]
