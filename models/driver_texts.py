"""Drivers written for people: "Overtime per member 38 h in October, up from 12 h".

Each public feature gets a short label and a unit in Japanese and English. Shares are shown
as percentages. Where a team is too small for per-member figures (or a value is missing),
the text says which way the signal pushed the risk without any number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from features.calendar import parse_month

Lang = Literal["ja", "en"]


@dataclass(frozen=True)
class DriverLabel:
    """How one feature is named and shown."""

    en: str
    ja: str
    unit_en: str = ""
    unit_ja: str = ""
    decimals: int = 1
    percent: bool = False


def _share(en: str, ja: str) -> DriverLabel:
    return DriverLabel(en, ja, "%", "%", decimals=0, percent=True)


LABELS: dict[str, DriverLabel] = {
    "volume_weekly_mean_4w": DriverLabel("Weekly volume", "週あたり処理量", "", "", decimals=0),
    "volume_trend_13w": _share("Volume trend per week (13 weeks)", "処理量の週次トレンド（13週）"),
    "volume_cv_4w": DriverLabel(
        "Volume variability (4 weeks)", "処理量のばらつき（4週）", decimals=2
    ),
    "volume_cv_13w": DriverLabel(
        "Volume variability (13 weeks)", "処理量のばらつき（13週）", decimals=2
    ),
    "volume_cv_26w": DriverLabel(
        "Volume variability (26 weeks)", "処理量のばらつき（26週）", decimals=2
    ),
    "volume_surge_ratio": DriverLabel(
        "Volume against the usual level", "通常時に対する処理量", "x", "倍", decimals=2
    ),
    "volume_per_member": DriverLabel(
        "Weekly volume per member", "メンバー1人あたり週処理量", decimals=0
    ),
    "backlog_growth_4w": DriverLabel(
        "Backlog growth (4 weeks)", "滞留の増加（4週）", " weeks of work", "週分", decimals=1
    ),
    "backlog_weeks": DriverLabel(
        "Open and booked work", "未処理・受注済みの仕事量", " weeks of work", "週分", decimals=1
    ),
    "overtime_mean_hours": DriverLabel(
        "Overtime per member", "メンバー1人あたり残業", " h", "時間", decimals=0
    ),
    "overtime_p90_hours": DriverLabel(
        "Overtime of the busiest members (90th percentile)",
        "残業の多いメンバー（上位10%）の残業",
        " h",
        "時間",
        decimals=0,
    ),
    "overtime_share_over_45h": _share(
        "Members over 45 h overtime", "月45時間超の残業をしたメンバーの割合"
    ),
    "overtime_months_over_45h_6m": DriverLabel(
        "Months over 45 h overtime (last 6, per member)",
        "直近6か月で45時間超の月数（1人あたり）",
        "",
        "か月",
        decimals=1,
    ),
    "overtime_trend_3m": DriverLabel(
        "Overtime trend per month", "残業の月次トレンド", " h", "時間", decimals=1
    ),
    "leave_uptake_pace": _share("Paid-leave uptake pace", "年休取得ペース"),
    "leave_share_off_track_5day": _share(
        "Members behind the 5-day leave floor", "年5日の年休取得に遅れているメンバー"
    ),
    "leave_median_days_since_last": DriverLabel(
        "Days since last paid leave (median)", "最後の年休からの日数（中央値）", " days", "日", 0
    ),
    "leave_paid_days_per_member_3m": DriverLabel(
        "Paid leave per member (3 months)", "1人あたり年休取得（3か月）", " days", "日", 1
    ),
    "leave_trend_3m": DriverLabel(
        "Change in paid leave per member", "1人あたり年休取得の変化", " days", "日", 1
    ),
    "sick_days_per_member_3m": DriverLabel(
        "Sick days per member (3 months)", "1人あたり病気休暇（3か月）", " days", "日", 1
    ),
    "survey_vigor_mean": DriverLabel("Vigor (pulse survey)", "活力（パルスサーベイ）", "", "点", 1),
    "survey_dedication_mean": DriverLabel(
        "Dedication (pulse survey)", "熱意（パルスサーベイ）", "", "点", 1
    ),
    "survey_absorption_mean": DriverLabel(
        "Absorption (pulse survey)", "没頭（パルスサーベイ）", "", "点", 1
    ),
    "survey_recognition_mean": DriverLabel(
        "Feeling recognised (pulse survey)",
        "貢献が認められている実感（パルスサーベイ）",
        "",
        "点",
        1,
    ),
    "survey_engagement_mean": DriverLabel(
        "Work engagement", "ワーク・エンゲイジメント", "", "点", 1
    ),
    "survey_engagement_change_1m": DriverLabel(
        "Engagement change over 1 month", "エンゲイジメントの1か月変化", "", "点", 2
    ),
    "survey_engagement_change_3m": DriverLabel(
        "Engagement change over 3 months", "エンゲイジメントの3か月変化", "", "点", 2
    ),
    "survey_engagement_slope_3": DriverLabel(
        "Engagement trend (last 3 pulses)", "エンゲイジメントの傾向（直近3回）", "", "点/月", 2
    ),
    "survey_engagement_sd": DriverLabel(
        "Spread of engagement in the team", "チーム内のエンゲイジメントのばらつき", "", "点", 2
    ),
    "survey_response_rate": _share("Survey response rate", "サーベイ回答率"),
    "survey_engagement_mean_3m": DriverLabel(
        "Work engagement (last 3 months)", "ワーク・エンゲイジメント（直近3か月）", "", "点", 2
    ),
    "survey_engagement_vs_12m": DriverLabel(
        "Engagement against the team's own year", "エンゲイジメントの例年との差", "", "点", 2
    ),
    "survey_recognition_mean_3m": DriverLabel(
        "Feeling recognised (last 3 months)",
        "貢献が認められている実感（直近3か月）",
        "",
        "点",
        2,
    ),
    "survey_recognition_vs_12m": DriverLabel(
        "Feeling recognised against the team's own year",
        "承認実感の例年との差",
        "",
        "点",
        2,
    ),
    "survey_engagement_mean_year": DriverLabel(
        "Work engagement (the team's last 12 months)",
        "ワーク・エンゲイジメント（直近12か月）",
        "",
        "点",
        2,
    ),
    "survey_engagement_3m_vs_year": DriverLabel(
        "Engagement, last 3 months against the last 12",
        "エンゲイジメントの直近3か月と12か月の差",
        "",
        "点",
        2,
    ),
    "survey_recognition_3m_vs_year": DriverLabel(
        "Feeling recognised, last 3 months against the last 12",
        "承認実感の直近3か月と12か月の差",
        "",
        "点",
        2,
    ),
    "survey_recognition_change_1m": DriverLabel(
        "Feeling recognised, change over 1 month", "承認実感の1か月変化", "", "点", 2
    ),
    "headcount": DriverLabel("Team size", "チーム人数", " people", "人", 0),
    "tenure_share_under_1y": _share(
        "Members with under 1 year of service", "在籍1年未満のメンバー"
    ),
    "tenure_median_years": DriverLabel(
        "Median years of service", "勤続年数（中央値）", " years", "年", 1
    ),
    "exits_3m": DriverLabel("Leavers (3 months)", "退職者（3か月）", " people", "人", 0),
    "voluntary_exits_3m": DriverLabel(
        "Voluntary leavers (3 months)", "自己都合退職者（3か月）", " people", "人", 0
    ),
    "hires_3m": DriverLabel("Hires (3 months)", "入社者（3か月）", " people", "人", 0),
    "transfers_3m": DriverLabel(
        "Transfers in or out (3 months)", "異動（3か月）", " people", "人", 0
    ),
    "department": DriverLabel("Department", "部門"),
}


def label_for(feature: str) -> DriverLabel:
    """The label of a feature; an unknown one is shown by its public name."""
    # not .get(feature, DriverLabel(...)): that builds the default on every call
    label = LABELS.get(feature)
    return label if label is not None else DriverLabel(feature, feature)


def format_value(feature: str, value: float, lang: Lang) -> str:
    """A value with its unit, as a person reads it."""
    label = label_for(feature)
    shown = value * 100 if label.percent else value
    number = f"{shown:,.{label.decimals}f}"
    unit = label.unit_en if lang == "en" else label.unit_ja
    return f"{number}{unit}"


@lru_cache(maxsize=256)
def month_name(month: str, lang: Lang) -> str:
    """``2026-10`` as "October" or "10月" (cached: parsing a pandas Period for each of a
    team's five drivers cost more than the rest of its text)."""
    period = parse_month(month)
    return period.strftime("%B") if lang == "en" else f"{period.month}月"


def driver_text(
    feature: str,
    value: float | None,
    previous: float | None,
    month: str,
    contribution: float,
    lang: Lang,
) -> str:
    """One sentence: the value in the month and how it moved, or the direction alone."""
    label = label_for(feature)
    when = month_name(month, lang)
    if _missing(value) or feature == "department":
        if lang == "en":
            verb = "raised" if contribution >= 0 else "lowered"
            return f"{label.en} {verb} the risk in {when}"
        verb_ja = "高めています" if contribution >= 0 else "下げています"
        return f"{when}の{label.ja}がリスクを{verb_ja}"
    now = format_value(feature, float(value), lang)  # type: ignore[arg-type]
    if _missing(previous):
        return f"{label.en} {now} in {when}" if lang == "en" else f"{when}の{label.ja}は{now}"
    before = format_value(feature, float(previous), lang)  # type: ignore[arg-type]
    if before == now:
        move_en, move_ja = f"unchanged from {before}", "前月から横ばい"
    elif float(value) > float(previous):  # type: ignore[arg-type]
        move_en, move_ja = f"up from {before}", f"前月{before}から上昇"
    else:
        move_en, move_ja = f"down from {before}", f"前月{before}から低下"
    if lang == "en":
        return f"{label.en} {now} in {when}, {move_en}"
    return f"{when}の{label.ja}は{now}（{move_ja}）"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
