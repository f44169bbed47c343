"""The risk trend chart: readable without colour, allowed by a strict CSP."""

from __future__ import annotations

import re

from serving.ui.charts import marker_index, risk_trend_svg, y_axis

LABELS = {
    "chart_title": "Risk of T1",
    "band_high": "High",
    "band_medium": "Medium",
    "band_low": "Low",
}


def points(*risks: float) -> list[dict[str, object]]:
    bands = ["low" if r < 0.05 else "medium" if r < 0.08 else "high" for r in risks]
    return [
        {"month": f"2026-{i + 1:02d}", "risk": r, "band": b}
        for i, (r, b) in enumerate(zip(risks, bands, strict=True))
    ]


def test_each_month_is_a_point_that_says_its_risk_and_band_in_words() -> None:
    # given 12 months of risks
    history = points(*[0.02 + 0.01 * i for i in range(12)])
    # when drawn
    svg = risk_trend_svg(history, {"high": 0.08, "medium": 0.05}, LABELS)
    # then every month has a point with a text title naming the band
    assert svg.count("<circle") == 12
    assert "2026-12: 13.0% (High)" in svg and "2026-01: 2.0% (Low)" in svg
    assert "High ≥ 8%" in svg and "Medium ≥ 5%" in svg
    assert '<title id="trend-title">Risk of T1</title>' in svg


def test_no_inline_style_and_labels_are_escaped() -> None:
    svg = risk_trend_svg(points(0.1), {"high": 0.08}, {**LABELS, "chart_title": "<b>&"})
    assert "style=" not in svg and "<b>" not in svg and "&lt;b&gt;&amp;" in svg


def test_the_axis_has_round_ticks_above_every_risk() -> None:
    for risks, threshold in (([0.21], 0.08), ([0.02], 0.03), ([0.55], 0.2), ([0.97], 0.3)):
        top, step = y_axis(points(*risks), {"high": threshold})
        assert top >= max(risks) and top <= 1.0
        assert abs(top / step - round(top / step)) < 1e-9
    svg = risk_trend_svg(points(0.21), {"high": 0.08}, LABELS)
    ticks = re.findall(r">(\d+)%</text>", svg)
    assert ticks == ["0", "5", "10", "15", "20", "25"]


def test_an_intervention_start_is_marked_where_it_falls_and_said_in_words() -> None:
    # given 4 scored months with a gap (2026-02..2026-04 unscored) and three starts: in a
    # scored month, in the gap, and after the chart
    history = [{"month": m, "risk": 0.03, "band": "low"} for m in ("2026-01", "2026-05", "2026-06")]
    markers = [
        {"month": "2026-05", "label": "Buffer started 2026-05"},
        {"month": "2026-03", "label": "Recognition started <2026-03>"},
        {"month": "2026-09", "label": "Buffer started 2026-09"},
    ]
    # when drawn
    svg = risk_trend_svg(history, {"high": 0.08}, LABELS, markers=markers)
    # then the two starts on the chart are marked at the scored month they fall on (or the
    # next), named in a title and in the chart's description; the later one is not drawn
    assert marker_index(history, "2026-03") == marker_index(history, "2026-05") == 1
    assert marker_index(history, "2026-09") is None and marker_index([], "2026-01") is None
    assert svg.count('<g class="marker">') == 2
    assert "<title>Buffer started 2026-05</title>" in svg
    assert 'aria-describedby="trend-desc"' in svg
    assert (
        '<desc id="trend-desc">Buffer started 2026-05; Recognition started &lt;2026-03&gt;</desc>'
    ) in svg
    assert "2026-09" not in svg and "style=" not in svg
    # and a chart without markers has no description
    assert "trend-desc" not in risk_trend_svg(history, {"high": 0.08}, LABELS)
