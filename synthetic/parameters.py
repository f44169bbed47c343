"""Every number the synthetic world is built from, each with the published figure behind it.

Rows cited as ``[WP: <quantity>]`` are rows of ``shared/world-parameters.md`` (reproduced with
their sources in ``docs/synthetic-world.md``). Parameters marked ``[design]`` have no
published counterpart: they set how strongly a planted cause shows in the observable tables
and were fixed once, by calibration against the published marginals. The model's quality
targets are measured on this world, so do not retune noise levels casually: change
``WORLD_VERSION`` when you do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# 2: campaign orders booked in the backlog at the announcement; recognition deficits felt
#    within weeks (half of the gap a month instead of a quarter). See docs/training.md.
# 3: the truth follows label v2 (same tables as version 2; p_true and its hash changed).
WORLD_VERSION = "3"

DEPARTMENTS: tuple[str, ...] = ("accounting", "hr", "general_affairs", "it", "logistics_admin")

# Japanese team names per department; numbered variants (一課, 二課, ...) are added on top.
TEAM_NAME_STEMS: dict[str, tuple[str, ...]] = {
    "accounting": ("経理", "財務", "決算", "債権管理", "債務管理"),
    "hr": ("人事", "給与", "労務", "採用"),
    "general_affairs": ("総務", "庶務", "法務", "施設管理"),
    "it": ("情報システム", "ヘルプデスク", "基盤運用"),
    "logistics_admin": ("物流管理", "受注管理", "出荷管理", "在庫管理"),
}

# [WP: paid leave granted per year] Labor Standards Act art. 39: days granted by service.
STATUTORY_LEAVE_YEARS: tuple[float, ...] = (0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5)
STATUTORY_LEAVE_DAYS: tuple[float, ...] = (10.0, 11.0, 12.0, 14.0, 16.0, 18.0, 20.0)


@dataclass(frozen=True)
class WorldParameters:
    """The world's parameters; defaults are the calibrated values used by every scenario."""

    # --- organisation -----------------------------------------------------------------
    # [design] members per team: 4 + Poisson(mean - 4); small teams make the 5-respondent
    # floor bite in some months [WP: minimum reporting group].
    team_size_mean: float = 11.0
    # [WP: paid leave granted per year] ~40% of employees carry a company grant in
    # annual_leave_days (flat, like firms that grant the maximum from year one); the rest
    # follow the statutory table. The mix keeps the mean grant near the surveyed ~17 days.
    company_grant_share: float = 0.4
    company_grant_days: tuple[float, ...] = (15.0, 18.0, 20.0)
    # [design] tenure of the initial staff, years: exponential with this mean, capped.
    initial_tenure_mean_years: float = 9.0
    initial_tenure_max_years: float = 35.0
    # [design] scheduled day: 8.0 h for most teams, 7.75 or 7.5 for some (typical 所定労働時間).
    scheduled_hours_choices: tuple[float, ...] = (8.0, 7.75, 7.5)
    scheduled_hours_weights: tuple[float, ...] = (0.7, 0.15, 0.15)

    # --- demand and capacity ------------------------------------------------------------
    # [design] items one person handles per month at a normal pace, per department (the
    # team's own unit: invoices, payroll items, requests, tickets, orders).
    capacity_per_person: dict[str, float] = field(
        default_factory=lambda: {
            "accounting": 300.0,
            "hr": 200.0,
            "general_affairs": 150.0,
            "it": 80.0,
            "logistics_admin": 400.0,
        }
    )
    # [design] normal utilisation: baseline volume = this share of the team's capacity.
    normal_load: float = 0.92
    # [design] month-to-month volume noise (log scale).
    volume_noise_sd: float = 0.05
    # [WP: demand shocks] seasonality by department and calendar month (Jan..Dec):
    # fiscal-year-end close in March/April and monthly close for accounting, 年末調整
    # (year-end tax adjustment) in December for HR and April onboarding, moves and
    # general meetings for general affairs, year-end shipping peak for logistics admin.
    seasonality: dict[str, tuple[float, ...]] = field(
        default_factory=lambda: {
            "accounting": (1.0, 1.0, 1.12, 1.1, 1.05, 1.0, 1.0, 0.95, 1.0, 1.0, 1.0, 1.03),
            "hr": (1.05, 0.95, 1.0, 1.12, 1.0, 1.0, 1.0, 0.95, 1.0, 1.0, 1.02, 1.12),
            "general_affairs": (1.0, 1.0, 1.08, 1.08, 1.0, 1.05, 1.0, 0.93, 1.0, 1.0, 1.0, 1.0),
            "it": (1.0, 1.0, 1.05, 1.1, 1.0, 1.0, 1.0, 0.95, 1.0, 1.05, 1.0, 1.0),
            "logistics_admin": (1.0, 0.95, 1.05, 1.0, 0.98, 1.0, 1.02, 0.95, 1.0, 1.0, 1.05, 1.12),
        }
    )
    # [WP: demand shocks] front-office campaigns: monthly start probability per team, by
    # department (order-handling teams are the most exposed), the volume multiplier (the
    # seed story: the back office absorbs about twice the work) and a 1-4 month duration.
    campaign_start_prob: dict[str, float] = field(
        default_factory=lambda: {
            "accounting": 0.03,
            "hr": 0.01,
            "general_affairs": 0.01,
            "it": 0.015,
            "logistics_admin": 0.045,
        }
    )
    campaign_multiplier_range: tuple[float, float] = (1.6, 2.2)
    campaign_months_range: tuple[int, int] = (1, 4)
    # [design] how likely each length in that range is (1, 2, 3, 4 months).
    campaign_months_weights: tuple[float, ...] = (0.1, 0.3, 0.35, 0.25)
    # [design] campaigns are announced: in the month before, pre-orders lift volume by this
    # share of the full rise (what makes an imminent shock visible, as it is in practice).
    campaign_lead_share: float = 0.5

    # --- overtime ------------------------------------------------------------------------
    # [WP: overtime, full-time staff] personal overtime at normal load: lognormal with this
    # median and log-sd gives a mean of ~12-14 h/month with a long right tail.
    overtime_median_hours: float = 9.5
    overtime_person_log_sd: float = 0.7
    overtime_month_log_sd: float = 0.25
    # [WP: overtime, full-time staff] department factors (finance ~14, logistics higher).
    overtime_department_factor: dict[str, float] = field(
        default_factory=lambda: {
            "accounting": 1.1,
            "hr": 0.95,
            "general_affairs": 0.85,
            "it": 1.05,
            "logistics_admin": 1.25,
        }
    )
    # [design] overtime responds to volume against capacity: x exp(k (load - normal_load)).
    # At a doubled volume the team mean is ~50-60 h, over the 45 h line [WP: overtime caps].
    overtime_load_sensitivity: float = 1.5
    # [WP: overtime caps] the special clause keeps a month under 100 h.
    overtime_cap_hours: float = 99.0

    # --- paid leave, sick days ---------------------------------------------------------
    # [WP: paid leave uptake rate] personal uptake propensity: Beta with this mean (~0.65
    # nationally, ~0.57 in smaller firms) and concentration.
    leave_uptake_mean: float = 0.68
    leave_uptake_concentration: float = 8.0
    # [design] leave seasonality (Jan..Dec): Golden Week, Obon, year end.
    leave_seasonality: tuple[float, ...] = (
        1.1,
        0.9,
        1.0,
        0.7,
        1.25,
        0.8,
        1.0,
        1.6,
        1.1,
        0.9,
        0.85,
        1.0,
    )
    # [design] uptake falls under load (x exp(-k max(0, load - 1))) and the deferred days
    # are caught up at this monthly rate once load is back to normal.
    leave_load_suppression: float = 1.6
    leave_catch_up_rate: float = 0.3
    # [WP: legal floor on leave] share of employees short of 5 days who take the rest in
    # the last month of the leave year (the employer must designate them).
    leave_floor_compliance: float = 0.93
    # [design] share of paid-leave days taken as half days.
    half_day_share: float = 0.15
    # [WP: very long overtime] sick days per month: base rate, multiplied by
    # (1 + k x sustained overload); sustained overload is an EMA of overtime beyond 45 h.
    sick_days_base: float = 0.2
    sick_overload_factor: float = 2.5
    sick_overload_memory: float = 0.6
    # [WP: sick leave] rates of the other leave types (days per person-month).
    special_leave_rate: float = 0.05
    unpaid_leave_rate: float = 0.01
    other_leave_rate: float = 0.02

    # --- engagement ---------------------------------------------------------------------
    # [WP: work engagement] set points of the UWES sub-scales (0-6): the published means
    # (vigor 2.8, dedication 3.9, absorption 3.6) plus the average wear that demands and
    # recognition deficits take off in the default world (~0.1), so that the *observed*
    # means land on the published ones.
    vigor_mean: float = 2.92
    dedication_mean: float = 4.03
    absorption_mean: float = 3.66
    # [WP: work engagement] between-person set-point sd and the share of it common to the
    # three sub-scales; with the transient and the response noise below, an observed
    # sub-scale score has sd ~0.95 (item SD ~1.0).
    trait_sd: float = 0.45
    trait_common_share: float = 0.7
    # [WP: engagement stability] monthly AR(1) of each person's transient deviation. With
    # these variances the observed engagement of one person correlates ~0.66-0.7 with itself
    # two months later (UWES-J retest 0.66); the latent state ~0.75.
    transient_ar: float = 0.81
    transient_innovation_sd: float = 0.4
    transient_common_share: float = 0.7
    # [WP: work engagement] response noise of a sub-scale score (mean of three items).
    item_noise_sd: float = 0.45
    # [WP: causal story] job demands wear vigor down (and a little of the rest); strain is
    # load beyond capacity plus personal overtime beyond 45 h, smoothed with this memory.
    strain_memory: float = 0.6
    vigor_per_strain: float = 1.3
    dedication_per_strain: float = 0.6
    absorption_per_strain: float = 0.4
    # [WP: causal story] job resources (recognition) keep dedication up: effect per point
    # of the team's recognition climate below its baseline.
    dedication_per_recognition: float = 1.1
    vigor_per_recognition: float = 0.45
    absorption_per_recognition: float = 0.35

    # --- recognition climate ------------------------------------------------------------
    # [design] team baseline of the recognition item (1-5) and person/response noise.
    recognition_mean: float = 3.4
    recognition_team_sd: float = 0.25
    recognition_person_sd: float = 0.35
    recognition_noise_sd: float = 0.4
    # [design] some teams drift into a recognition deficit with a normal workload: monthly
    # start probability, depth (points), months, and the monthly speed of the drift.
    deficit_start_prob: float = 0.012
    deficit_depth_range: tuple[float, float] = (1.2, 2.0)
    deficit_months_range: tuple[int, int] = (6, 12)
    # [design] half of the gap a month: a new manager or a cut peer-bonus scheme is felt
    # within weeks, and so shows in the recognition item while dedication is still falling
    # (at a quarter a month a deficit stayed nearly invisible for two months while the
    # truth already knew of it: world version 1).
    recognition_adjust_rate: float = 0.5

    # --- surveys ------------------------------------------------------------------------
    # [WP: minimum reporting group] team response rates below 100% (Beta mean, concentration)
    response_rate_mean: float = 0.75
    response_rate_concentration: float = 12.0
    # [design] new hires join the pulse panel after this many months (onboarding).
    survey_min_tenure_months: int = 3
    survey_open_day: int = 10

    # --- exits --------------------------------------------------------------------------
    # [WP: annual separation rate] monthly voluntary hazard at average engagement
    # (calibrated so that annual separations land near 12%, voluntary most of it).
    voluntary_hazard_base: float = 0.0063
    # [WP: engagement and exits] log-hazard per point of engagement below the mean, using
    # last month's engagement (the lag).
    exit_engagement_effect: float = 0.5
    # [WP: very long overtime] log-hazard per 45 h of average overtime beyond 45 h over the
    # previous two months.
    exit_overtime_effect: float = 2.0
    # [WP: annual separation rate] non-voluntary exits per month (involuntary, retirement).
    involuntary_hazard: float = 0.0008
    retirement_hazard: float = 0.0012
    # [design] no voluntary exit in the first months (probation).
    exit_min_tenure_months: int = 3
    # [design] a vacancy is filled with this monthly probability.
    hire_fill_prob: float = 0.45
    # [design] 定期異動: share of staff (>= 12 months in post) moved to another team of the
    # same department in April and October.
    transfer_share: float = 0.04
    transfer_months: tuple[int, ...] = (4, 10)
    transfer_min_tenure_months: int = 12

    # --- HR interventions (issue 20; planted only with --interventions) -----------------
    # [design] what HR's actions do while they run: a workload buffer (temporary staff,
    # deferred work) takes this share of the load off; a recognition boost (peer bonus,
    # visible thanks) lifts the recognition climate's target by this many points; both for
    # this many months. No published effect size exists for either.
    buffer_load_relief: float = 0.3
    recognition_boost: float = 0.8
    intervention_months: int = 3
    # [design] HR sees a team's trouble at a month's end and acts the month after; half of
    # the troubles get an intervention, and a team is not treated again within this many
    # months of a start.
    intervention_share: float = 0.5
    intervention_cooldown_months: int = 9
    # [design] what HR's reports must show for HR to see a trouble: overtime per member this
    # many hours a month over the team's usual, or the pulse's recognition this many points
    # under its usual
    hr_overtime_rise_hours: float = 6.0
    hr_recognition_drop_points: float = 0.3

    # --- truth --------------------------------------------------------------------------
    # [design] a team-month's planted driver is `workload` while a campaign runs or its load
    # is at least this far over capacity, `recognition` while a deficit is on.
    driver_load_threshold: float = 1.25
