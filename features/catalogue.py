"""The feature catalogue: one entry per column of the team-month table, generated into docs.

The names here are the public names that ``whatif``, the API and the drivers use; the
column order of the table is the order of ``FEATURES``. ``docs/features.md`` is rendered
from this module (``python -m features.catalogue > docs/features.md``) and a test checks
that the file matches, so the documentation cannot drift from the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# which help a feature's push on the risk points to: ``demands`` a workload buffer,
# ``resources`` recognition, ``context`` neither (a team's size, or its engagement moving
# without saying why: a falling engagement trend follows an overload as much as a missing
# thanks, so it must not tip the flag one way)
Family = Literal["demands", "resources", "context"]
Direction = Literal[-1, 0, 1]
Kind = Literal["numeric", "categorical"]


@dataclass(frozen=True)
class FeatureSpec:
    """What a feature means, where it comes from, and how downstream code may use it.

    ``direction``: +1 when a higher value is expected to raise risk, -1 when it lowers it, 0
    when unknown (used for monotone constraints). ``per_member``: a figure about members,
    hidden in drivers for teams under 5 members. ``survey_derived``: missing when the
    team-month has fewer than 5 responses.
    """

    name: str
    meaning: str
    meaning_ja: str
    unit: str
    source: str
    window: str
    actionable: bool
    family: Family
    per_member: bool
    survey_derived: bool
    direction: Direction
    kind: Kind = "numeric"


def _spec(
    name: str,
    meaning: str,
    meaning_ja: str,
    unit: str,
    source: str,
    window: str,
    *,
    actionable: bool,
    family: Family,
    direction: Direction,
    per_member: bool = False,
    survey_derived: bool = False,
    kind: Kind = "numeric",
) -> FeatureSpec:
    return FeatureSpec(
        name=name,
        meaning=meaning,
        meaning_ja=meaning_ja,
        unit=unit,
        source=source,
        window=window,
        actionable=actionable,
        family=family,
        per_member=per_member,
        survey_derived=survey_derived,
        direction=direction,
        kind=kind,
    )


WORKLOAD_FEATURES: tuple[FeatureSpec, ...] = (
    _spec(
        "volume_weekly_mean_4w",
        "Mean weekly volume handled over the last 4 finished weeks, in the team's own unit",
        "直近4週の週平均処理量（チーム固有の単位）",
        "items/week",
        "workload",
        "last 4 weeks ending by M's last day",
        actionable=False,
        family="demands",
        direction=0,
    ),
    _spec(
        "volume_trend_13w",
        "Least-squares slope of weekly volume over the last 13 weeks, as a share of their mean",
        "直近13週の週処理量の傾き（平均に対する割合）",
        "share of mean per week",
        "workload",
        "last 13 weeks",
        actionable=False,
        family="demands",
        direction=1,
    ),
    _spec(
        "volume_cv_4w",
        "Coefficient of variation of weekly volume over the last 4 weeks",
        "直近4週の週処理量の変動係数",
        "ratio",
        "workload",
        "last 4 weeks",
        actionable=False,
        family="demands",
        direction=1,
    ),
    _spec(
        "volume_cv_13w",
        "Coefficient of variation of weekly volume over the last 13 weeks",
        "直近13週の週処理量の変動係数",
        "ratio",
        "workload",
        "last 13 weeks",
        actionable=False,
        family="demands",
        direction=1,
    ),
    _spec(
        "volume_cv_26w",
        "Coefficient of variation of weekly volume over the last 26 weeks",
        "直近26週の週処理量の変動係数",
        "ratio",
        "workload",
        "last 26 weeks",
        actionable=False,
        family="demands",
        direction=1,
    ),
    _spec(
        "volume_surge_ratio",
        "Mean weekly volume of the last 4 weeks against the 26 weeks before them",
        "直近4週の週平均処理量とその前26週の平均の比（急増の度合い）",
        "ratio",
        "workload",
        "last 4 weeks vs the 26 weeks before",
        actionable=False,
        family="demands",
        direction=1,
    ),
    _spec(
        "volume_per_member",
        "Mean weekly volume of the last 4 weeks per member at M's end",
        "直近4週の週平均処理量をメンバー数で割った値",
        "items/week per member",
        "workload, employees",
        "last 4 weeks; members at M's last day",
        actionable=True,
        family="demands",
        direction=1,
        per_member=True,
    ),
    _spec(
        "backlog_growth_4w",
        "Change of the open backlog over the last 4 weeks, in weeks of recent volume",
        "直近4週の未処理残の増加（直近の週処理量で何週分か）",
        "weeks of volume",
        "workload",
        "last finished week vs 4 weeks earlier",
        actionable=True,
        family="demands",
        direction=1,
    ),
    _spec(
        "backlog_weeks",
        "Open backlog at the last finished week (orders already booked included), in weeks "
        "of the team's baseline volume (the 26 weeks before the last 4)",
        "直近の週末時点の未処理残（受注済みの分を含む）が通常の週処理量の何週分か",
        "weeks of volume",
        "workload",
        "last finished week; baseline of the 26 weeks before the last 4",
        actionable=False,
        family="demands",
        direction=1,
    ),
)

OVERTIME_FEATURES: tuple[FeatureSpec, ...] = (
    _spec(
        "overtime_mean_hours",
        "Overtime hours in the month per member (mean over members)",
        "当月の一人当たり残業時間（メンバー平均）",
        "hours/month",
        "timesheets",
        "month M",
        actionable=True,
        family="demands",
        direction=1,
        per_member=True,
    ),
    _spec(
        "overtime_p90_hours",
        "90th percentile of members' overtime hours in the month",
        "当月の残業時間のメンバー間90パーセンタイル",
        "hours/month",
        "timesheets",
        "month M",
        actionable=True,
        family="demands",
        direction=1,
        per_member=True,
    ),
    _spec(
        "overtime_share_over_45h",
        "Share of members with more than 45 overtime hours in the month (the 36 agreement cap)",
        "当月の残業が45時間（36協定の上限）を超えたメンバーの割合",
        "share of members",
        "timesheets",
        "month M",
        actionable=True,
        family="demands",
        direction=1,
        per_member=True,
    ),
    _spec(
        "overtime_months_over_45h_6m",
        "Months over 45 overtime hours in the last 6, averaged over members",
        "直近6か月で残業45時間超の月数（メンバー平均）",
        "months",
        "timesheets",
        "M-5..M",
        actionable=True,
        family="demands",
        direction=1,
        per_member=True,
    ),
    _spec(
        "overtime_trend_3m",
        "Change of the members' mean overtime per month, from M-2 to M (same members)",
        "残業時間の月当たり変化（M-2からM、同じメンバー）",
        "hours/month per month",
        "timesheets",
        "M-2..M",
        actionable=False,
        family="demands",
        direction=1,
        per_member=True,
    ),
)

LEAVE_FEATURES: tuple[FeatureSpec, ...] = (
    _spec(
        "leave_uptake_pace",
        "Paid leave taken this fiscal year against the days granted, pro-rated to date",
        "年度内の年休取得日数と、付与日数を経過割合で按分した日数の比",
        "ratio (1 = on a pace to use all days)",
        "leave, employees",
        "fiscal year (April-March) to M's end",
        actionable=True,
        family="demands",
        direction=-1,
        per_member=True,
    ),
    _spec(
        "leave_share_off_track_5day",
        "Share of members granted 10+ days who are behind a linear path to the 5-day floor",
        "年10日以上付与のうち、年5日取得義務の按分ペースを下回るメンバーの割合",
        "share of members",
        "leave, employees",
        "fiscal year to M's end",
        actionable=True,
        family="demands",
        direction=1,
        per_member=True,
    ),
    _spec(
        "leave_median_days_since_last",
        "Median days since each member's last paid leave day (capped at 365; since hire if later)",
        "各メンバーの最終年休取得日からの日数の中央値（上限365日）",
        "days",
        "leave, employees",
        "up to 365 days before M's end",
        actionable=True,
        family="demands",
        direction=1,
        per_member=True,
    ),
    _spec(
        "leave_paid_days_per_member_3m",
        "Paid leave days taken per member over the last 3 months",
        "直近3か月の一人当たり年休取得日数",
        "days per member",
        "leave",
        "M-2..M",
        actionable=True,
        family="demands",
        direction=-1,
        per_member=True,
    ),
    _spec(
        "leave_trend_3m",
        "Paid leave days per member in the last 3 months minus the 3 months before",
        "一人当たり年休取得日数の変化（直近3か月−その前3か月）",
        "days per member",
        "leave",
        "M-5..M",
        actionable=False,
        family="demands",
        direction=-1,
        per_member=True,
    ),
    _spec(
        "sick_days_per_member_3m",
        "Sick leave days per member over the last 3 months",
        "直近3か月の一人当たり病気休暇日数",
        "days per member",
        "leave",
        "M-2..M",
        actionable=False,
        family="demands",
        direction=1,
        per_member=True,
    ),
)

SURVEY_FEATURES: tuple[FeatureSpec, ...] = (
    _spec(
        "survey_vigor_mean",
        "Team mean of vigor (UWES, 0-6) in the month's pulse responses",
        "当月パルスサーベイの活力（UWES 0-6）のチーム平均",
        "points (0-6)",
        "surveys",
        "responses dated in M",
        actionable=False,
        family="demands",
        direction=0,
        survey_derived=True,
    ),
    _spec(
        "survey_dedication_mean",
        "Team mean of dedication (UWES, 0-6) in the month's responses",
        "当月の熱意（UWES 0-6）のチーム平均",
        "points (0-6)",
        "surveys",
        "responses dated in M",
        actionable=False,
        family="resources",
        direction=0,
        survey_derived=True,
    ),
    _spec(
        "survey_absorption_mean",
        "Team mean of absorption (UWES, 0-6) in the month's responses",
        "当月の没頭（UWES 0-6）のチーム平均",
        "points (0-6)",
        "surveys",
        "responses dated in M",
        actionable=False,
        family="context",
        direction=0,
        survey_derived=True,
    ),
    _spec(
        "survey_recognition_mean",
        "Team mean of 'my contribution is recognised' (1-5) in the month's responses",
        "当月の「貢献が認められている」（1-5）のチーム平均",
        "points (1-5)",
        "surveys",
        "responses dated in M",
        actionable=True,
        family="resources",
        direction=-1,
        survey_derived=True,
    ),
    _spec(
        "survey_engagement_mean",
        "Team mean engagement (mean of vigor, dedication, absorption per response)",
        "当月のワーク・エンゲイジメント（活力・熱意・没頭の平均）のチーム平均",
        "points (0-6)",
        "surveys",
        "responses dated in M",
        actionable=False,
        family="context",
        direction=0,
        survey_derived=True,
    ),
    _spec(
        "survey_engagement_change_1m",
        "Team mean engagement in M minus M-1 (both months with 5+ responses)",
        "エンゲイジメントのチーム平均の前月差",
        "points",
        "surveys",
        "M-1, M",
        actionable=False,
        family="context",
        direction=0,
        survey_derived=True,
    ),
    _spec(
        "survey_engagement_change_3m",
        "Team mean engagement in M minus M-3 (both months with 5+ responses)",
        "エンゲイジメントのチーム平均の3か月前との差",
        "points",
        "surveys",
        "M-3, M",
        actionable=False,
        family="context",
        direction=0,
        survey_derived=True,
    ),
    _spec(
        "survey_engagement_slope_3",
        "Slope of team mean engagement over the last 3 pulses (months with 5+ responses)",
        "直近3回のパルス（回答5件以上の月）のエンゲイジメントの傾き",
        "points per month",
        "surveys",
        "last 3 pulses within M-5..M, M included",
        actionable=False,
        family="context",
        direction=0,
        survey_derived=True,
    ),
    _spec(
        "survey_engagement_sd",
        "Standard deviation of engagement across the month's responses (dispersion)",
        "当月のエンゲイジメントの回答間標準偏差（ばらつき）",
        "points",
        "surveys",
        "responses dated in M",
        actionable=False,
        family="context",
        direction=0,
        survey_derived=True,
    ),
    _spec(
        "survey_response_rate",
        "Responses dated in the month per member at M's end",
        "当月の回答数をメンバー数で割った回答率",
        "responses per member",
        "surveys, employees",
        "responses dated in M; members at M's last day",
        actionable=False,
        family="context",
        direction=-1,
        survey_derived=True,
    ),
    _spec(
        "survey_engagement_mean_3m",
        "Team mean engagement over every response of the last 3 months (M-2..M, pooled)",
        "直近3か月（M-2〜M）の全回答をまとめたエンゲイジメントのチーム平均",
        "points (0-6)",
        "surveys",
        "responses dated in M-2..M (5+ in total)",
        actionable=False,
        family="context",
        direction=0,
        survey_derived=True,
    ),
    _spec(
        "survey_engagement_vs_12m",
        "Pooled engagement of M-2..M minus the team's own baseline (pooled M-14..M-3)",
        "直近3か月のエンゲイジメントとチーム自身の基準（M-14〜M-3の平均）との差",
        "points",
        "surveys",
        "M-2..M vs M-14..M-3 (5+ responses in each)",
        actionable=False,
        family="context",
        direction=0,
        survey_derived=True,
    ),
    _spec(
        "survey_recognition_mean_3m",
        "Team mean of the recognition item (1-5) over every answer of M-2..M (pooled)",
        "直近3か月（M-2〜M）の「貢献が認められている」（1-5）のチーム平均",
        "points (1-5)",
        "surveys",
        "answers dated in M-2..M (5+ in total)",
        actionable=False,
        family="resources",
        direction=-1,
        survey_derived=True,
    ),
    _spec(
        "survey_recognition_vs_12m",
        "Pooled recognition of M-2..M minus the team's own baseline (pooled M-14..M-3)",
        "直近3か月の承認実感とチーム自身の基準（M-14〜M-3の平均）との差",
        "points",
        "surveys",
        "M-2..M vs M-14..M-3 (5+ answers in each)",
        actionable=False,
        family="resources",
        direction=-1,
        survey_derived=True,
    ),
    _spec(
        "survey_engagement_mean_year",
        "Team mean engagement over every response of the team's own year (M-11..M, pooled)",
        "チーム自身の1年（M-11〜M）の全回答をまとめたエンゲイジメント平均",
        "points (0-6)",
        "surveys",
        "responses dated in M-11..M (10+ in total)",
        actionable=False,
        family="context",
        direction=0,
        survey_derived=True,
    ),
    _spec(
        "survey_engagement_3m_vs_year",
        "Pooled engagement of M-2..M minus the team's own year (pooled M-11..M)",
        "直近3か月のエンゲイジメントとチーム自身の1年（M-11〜Mの平均）との差",
        "points",
        "surveys",
        "M-2..M vs M-11..M (5+ and 10+ responses)",
        actionable=False,
        family="context",
        direction=0,
        survey_derived=True,
    ),
    _spec(
        "survey_recognition_3m_vs_year",
        "Pooled recognition of M-2..M minus the team's own year (pooled M-11..M)",
        "直近3か月の承認実感とチーム自身の1年（M-11〜Mの平均）との差",
        "points",
        "surveys",
        "M-2..M vs M-11..M (5+ and 10+ answers)",
        actionable=False,
        family="resources",
        direction=0,
        survey_derived=True,
    ),
    _spec(
        "survey_recognition_change_1m",
        "Team mean of the recognition item in M minus M-1 (both months with 5+ answers)",
        "「貢献が認められている」のチーム平均の前月差",
        "points",
        "surveys",
        "M-1, M",
        actionable=False,
        family="resources",
        direction=0,
        survey_derived=True,
    ),
)

TEAM_FEATURES: tuple[FeatureSpec, ...] = (
    _spec(
        "headcount",
        "Members on M's last day (hired on or before it, not exited on or before it)",
        "月末時点のメンバー数",
        "people",
        "employees, assignments",
        "M's last day",
        actionable=False,
        family="context",
        direction=0,
    ),
    _spec(
        "tenure_share_under_1y",
        "Share of members with less than one year of service",
        "勤続1年未満のメンバーの割合",
        "share of members",
        "employees",
        "M's last day",
        actionable=False,
        family="context",
        direction=0,
        per_member=True,
    ),
    _spec(
        "tenure_median_years",
        "Median years of service of the members",
        "メンバーの勤続年数の中央値",
        "years",
        "employees",
        "M's last day",
        actionable=False,
        family="context",
        direction=0,
        per_member=True,
    ),
    _spec(
        "exits_3m",
        "Employees who left the company from this team, any reason",
        "直近3か月にこのチームから退職した人数（理由を問わず）",
        "people",
        "employees, assignments",
        "exit dated in M-2..M",
        actionable=False,
        family="context",
        direction=1,
    ),
    _spec(
        "voluntary_exits_3m",
        "Employees who left the company voluntarily from this team",
        "直近3か月にこのチームから自己都合で退職した人数",
        "people",
        "employees, assignments",
        "exit dated in M-2..M",
        actionable=False,
        family="context",
        direction=1,
    ),
    _spec(
        "hires_3m",
        "Employees hired into this team",
        "直近3か月にこのチームに採用された人数",
        "people",
        "employees, assignments",
        "hire dated in M-2..M",
        actionable=False,
        family="context",
        direction=0,
    ),
    _spec(
        "transfers_3m",
        "Moves into or out of this team between teams (missing without assignments)",
        "直近3か月のチーム間異動（転入＋転出、異動履歴がない場合は欠損）",
        "people",
        "assignments",
        "new period starting in M-2..M",
        actionable=False,
        family="context",
        direction=0,
    ),
    _spec(
        "department",
        "Department of the team",
        "チームの所属部門",
        "category",
        "teams",
        "current",
        actionable=False,
        family="context",
        direction=0,
        kind="categorical",
    ),
)

FEATURES: tuple[FeatureSpec, ...] = (
    WORKLOAD_FEATURES + OVERTIME_FEATURES + LEAVE_FEATURES + SURVEY_FEATURES + TEAM_FEATURES
)

KEY_COLUMNS: tuple[str, ...] = ("team_id", "month")
TRAILING_COLUMNS: tuple[str, ...] = ("survey_suppressed", "label", "label_survey", "label_exits")
MIN_SURVEY_RESPONSES = 5
MIN_MEMBERS_FOR_FIGURES = 5


def feature_names() -> list[str]:
    """Public feature names, in table column order."""
    return [spec.name for spec in FEATURES]


def feature_spec(name: str) -> FeatureSpec:
    """The catalogue entry of one feature; KeyError for an unknown name."""
    for spec in FEATURES:
        if spec.name == name:
            return spec
    raise KeyError(name)


def table_columns() -> list[str]:
    """All columns of the team-month table and its export, in order."""
    return [*KEY_COLUMNS, *feature_names(), *TRAILING_COLUMNS]


RULES_TEXT = """\
## How the table is built

One row per team (every team in `teams`) and month. The row for month M predicts what
happens in M+1..M+3 and reads only records dated on or before M's last day.

- **Weeks**: a workload week belongs to the month that contains its Sunday; a week not
  finished by M's last day is not used for M. Window statistics over N weeks use the N
  calendar weeks ending with the last finished week; missing weeks are skipped, and a
  statistic needs more than half of its window present (at least 2 weeks).
- **Membership**: from `assignments` when present (the period covering the day; an
  employee with no period started yet falls back to `employees.team_id`, and one between
  periods belongs to no team). Without `assignments`, `employees.team_id` holds for the
  whole employment: a transfer in the HR system then rewrites history, so a team's past
  overtime and leave follow its *current* members. Members at M = in the team on M's last
  day, hired on or before it and not exited on or before it (the label's headcount rule).
- **Per-member figures** (overtime, leave) average over the members at M and read each
  member's own records, including days spent in another team; trends compare the same
  members' earlier months. Overtime for a day is `max(0, worked_hours - scheduled_hours)`;
  a member without timesheet rows in a month has 0 overtime hours that month.
- **History start**: the export's first month is the month of its earliest timesheet row.
  Before it, absent timesheets and leave mean "not exported", not "none": windows that
  reach back before it are missing (overtime trend and 6-month count, 3-month leave and
  sick days), the leave pace and the 5-day line are pro-rated from it when it falls inside
  the fiscal year, and days since last leave count at most from it. A per-team partition
  passes the whole export's first month (`first_month=`) so that its rows stay identical.
- **Leave**: paid days (`annual_paid`) taken in the fiscal year (April-March) up to M's end,
  against the days granted: `employees.annual_leave_days`, else the statutory table by
  years of service at M's end (10 days after 6 months, then 11, 12, 14, 16, 18, 20). The
  pace is the team's total taken over its total granted x (months of the fiscal year
  elapsed, M included) / 12, over members granted at least one day. "Off track for the
  5-day floor": a member granted >= 10 days whose days taken so far are below
  5 x (months elapsed) / 12, i.e. behind a straight line to 5 days by the end of March.
- **Surveys**: the survey window is the responses dated in M. A team-month with fewer
  than 5 responses has every survey feature missing and `survey_suppressed` true; a
  feature is never computed from fewer than 5 responses (recognition needs 5 non-missing
  answers; the 1- and 3-month changes need both months unsuppressed; the slope needs three
  unsuppressed months in M-5..M, M being one of them). Pooled figures (`_3m`) read every
  response of M-2..M together; the gaps to the team's own baseline (`_vs_12m`) compare
  them with every response of M-14..M-3; the team's own year (`_year`, the label's survey
  baseline) pools M-11..M and needs 10 responses. A pooled window takes **only months
  that are shown on their own** (5 or more responses; for recognition, 5 or more answers
  to the item): a month of 1-4 answers pooled with its neighbours could be recovered
  exactly from the pooled means and the response counts. Individual rows never leave the
  feature layer.
- **Label** (label v2, `features.labels`): `label_survey` = 1 when the responses of
  M+1..M+3 lie at least 0.5 points below the team's own 12-month baseline (M-11..M, at
  least 10 responses; the post window at least 5), significantly (one-sided Welch test,
  p < 0.05), 0 when not, missing when either window is too thin; `label_exits` = 1 when the
  voluntary exits of M+1..M+3 are k >= 2 and P(Poisson(h x 3 x r) >= k) < 0.05, with h the
  members at M's last day and r the organisation's voluntary exits per head-month over
  M-11..M (0.005 when there were none), missing when h = 0; `label` = 1 if either fires,
  else 0, missing only while the data do not reach M+3's last business day or h = 0 (all
  three are missing then). Joined on every build, so a label appears as soon as its
  horizon is observed.
- **Identical paths**: building all months at once, one month alone from the tables cut at
  its last day, or any subset of teams gives bit-identical rows (tests check all three,
  and that records dated after M, or an exit date set after M, change nothing up to M).

## The store

`erisk features [--month M | --all] [--rebuild] [--export FILE.parquet]` reads the current
snapshot and keeps, under `$ERISK_DATA_DIR/features/<snapshot_id>/`, one Parquet file of
features per month (`months/YYYY-MM.parquet`, built once per snapshot unless `--rebuild`,
or when the feature definitions changed: each file carries their fingerprint)
and the labelled table `team_months.parquet`. Labels are never cached: they are recomputed
from the snapshot on every run. A month can be built once timesheets reach its last
business day. `--export` writes the requested months with the columns above (`.csv` is
accepted too, UTF-8 with BOM for Excel).
"""


def render_catalogue_markdown() -> str:
    """The catalogue and the build rules as Markdown (the content of ``docs/features.md``)."""
    lines = [
        "# Team-month features",
        "",
        "<!-- generated by `python -m features.catalogue > docs/features.md`; do not edit -->",
        "",
        f"{len(FEATURES)} features. Columns of the table and of `erisk features --export`: "
        + ", ".join(f"`{c}`" for c in table_columns()[:2])
        + ", the features below in this order, `survey_suppressed` (bool), and `label`, "
        "`label_survey`, `label_exits` (nullable integers).",
        "",
        "direction: +1 = a higher value is expected to raise risk, -1 = to lower it, "
        "0 = unknown. per member: hidden in drivers for teams under 5 members. "
        "survey: missing when the month has fewer than 5 responses.",
        "",
        "| name | meaning | 意味 | unit | source | window | family | actionable | "
        "per member | survey | direction |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for spec in FEATURES:
        cells = [
            f"`{spec.name}`",
            spec.meaning,
            spec.meaning_ja,
            spec.unit,
            spec.source,
            spec.window,
            spec.family,
            "yes" if spec.actionable else "no",
            "yes" if spec.per_member else "no",
            "yes" if spec.survey_derived else "no",
            f"{spec.direction:+d}" if spec.direction else "0",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n" + RULES_TEXT


if __name__ == "__main__":
    print(render_catalogue_markdown(), end="")
