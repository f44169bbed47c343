"""The team page's risk trend as inline SVG: no chart library, nothing fetched.

Presentation attributes only (no ``style``), so the page's Content-Security-Policy can
forbid inline styles. Every point carries its month, risk and band in words (``<title>``),
the band thresholds are drawn as labelled dashed lines, and the page repeats the figures in
a table for screen readers: colour is never the only carrier of the band. The start of a
recorded intervention is a dotted vertical line with a triangle on top, named in words (its
``<title>`` and the chart's ``<desc>``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

BAND_COLOURS = {"high": "#b71c1c", "medium": "#a15c00", "low": "#2e6b30"}
BAND_SHAPES = {"high": "▲", "medium": "◆", "low": "●"}
MARKER_COLOUR = "#4e2a6b"


def marker_index(points: Sequence[dict[str, Any]], month: str) -> int | None:
    """Where a start month sits on the chart: at its own month's point, or at the next
    scored month's when the start fell between two (the points are scored months, not a
    calendar); None when it is before the first point or after the last."""
    months = [str(p["month"]) for p in points]
    if not months or month < months[0] or month > months[-1]:
        return None
    return next(i for i, m in enumerate(months) if m >= month)


def y_axis(points: Sequence[dict[str, Any]], thresholds: dict[str, float]) -> tuple[float, float]:
    """A round top of the axis over the risks and the high threshold, and its tick step."""
    top = max([p["risk"] for p in points] + [thresholds.get("high", 0.0), 0.1])
    step = 0.05 if top < 0.3 else 0.1 if top < 0.6 else 0.2
    return min(1.0, round((int(top / step + 1e-9) + 1) * step, 6)), step


def risk_trend_svg(
    points: Sequence[dict[str, Any]],
    thresholds: dict[str, float],
    labels: dict[str, str],
    width: int = 640,
    height: int = 220,
    markers: Sequence[dict[str, str]] = (),
) -> str:
    """A line of monthly risks (``month``, ``risk``, ``band``) with band threshold lines and
    the ``markers`` (``month``, ``label``: an intervention's start) that fall on it."""
    left, right, top, bottom = 48, 16, 14, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max, step = y_axis(points, thresholds)

    def x(i: int) -> float:
        return left + (plot_w * i / max(len(points) - 1, 1))

    def y(risk: float) -> float:
        return top + plot_h * (1 - risk / y_max)

    title = html.escape(labels["chart_title"])
    shown = [(marker_index(points, m["month"]), m) for m in markers]
    placed = [(i, m) for i, m in shown if i is not None]
    described = ' aria-describedby="trend-desc"' if placed else ""
    parts = [
        f'<svg class="trend" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="trend-title"{described} xmlns="http://www.w3.org/2000/svg">',
        f'<title id="trend-title">{title}</title>',
    ]
    if placed:
        words = "; ".join(m["label"] for _, m in placed)
        parts.append(f'<desc id="trend-desc">{html.escape(words)}</desc>')
    for k in range(round(y_max / step) + 1):
        value = step * k
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#dde1e6" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#44474f">{value * 100:.0f}%</text>'
        )
    for band in ("high", "medium"):
        if band in thresholds and thresholds[band] <= y_max:
            level = y(thresholds[band])
            name = html.escape(labels[f"band_{band}"])
            parts.append(
                f'<line x1="{left}" x2="{width - right}" y1="{level:.1f}" y2="{level:.1f}" '
                f'stroke="{BAND_COLOURS[band]}" stroke-dasharray="5 4" stroke-width="1.2"/>'
                f'<text x="{width - right - 2}" y="{level - 4:.1f}" text-anchor="end" '
                f'font-size="11" fill="{BAND_COLOURS[band]}">{name} ≥ '
                f"{thresholds[band] * 100:.0f}%</text>"
            )
    for i, marker in placed:
        at = x(i)
        parts.append(
            f'<g class="marker"><title>{html.escape(marker["label"])}</title>'
            f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{top:.1f}" y2="{top + plot_h:.1f}" '
            f'stroke="{MARKER_COLOUR}" stroke-dasharray="2 3" stroke-width="1.5"/>'
            f'<path d="M{at - 5:.1f},{top - 2:.1f} L{at + 5:.1f},{top - 2:.1f} '
            f'L{at:.1f},{top + 6:.1f} Z" fill="{MARKER_COLOUR}"/></g>'
        )
    if points:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(p['risk']):.1f}" for i, p in enumerate(points)
        )
        parts.append(f'<path d="{path}" fill="none" stroke="#1f4e8c" stroke-width="2"/>')
    for i, point in enumerate(points):
        band = str(point["band"])
        tip = html.escape(
            f"{point['month']}: {point['risk'] * 100:.1f}% ({labels[f'band_{band}']})"
        )
        parts.append(
            f'<g class="point"><title>{tip}</title>'
            f'<circle cx="{x(i):.1f}" cy="{y(point["risk"]):.1f}" r="4.5" '
            f'fill="{BAND_COLOURS.get(band, "#1f4e8c")}" stroke="#fff" stroke-width="1.5"/></g>'
        )
        if len(points) <= 12 or i % 2 == len(points) % 2:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 10}" text-anchor="middle" font-size="11" '
                f'fill="#44474f">{html.escape(str(point["month"])[2:])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
