"""Every word of the HR page in Japanese and English, and how the page picks a language.

Department and intervention names are those of the printed report (``pipelines.hr_report``),
so the page, the CSV and the printable report call things the same.
"""

from __future__ import annotations

from typing import Literal

from pipelines.hr_report import DEPARTMENTS_JA

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "product": "Engagement risk",
        "skip": "Skip to the content",
        "nav_flagged": "Teams to support",
        "nav_model": "Model",
        "nav_effects": "What helped",
        "effects_title": "What helped: the effect of what HR did",
        "effects_intro": (
            "Each recorded intervention that is still in force is compared with up to 10 "
            "teams that looked alike before it started: the same band and flags, similar "
            "risk and workload, and a similar path of the figure over the 6 months before. "
            "The effect is how much more the team's figure changed from the 6 months before "
            "to the 6 months after the start than theirs did. It is an estimate, shown with "
            "a 90% interval: the true effect lies in that range in 9 cases out of 10."
        ),
        "effects_people": (
            "Scores and effects support decisions by people: a team is not a number, and "
            "an effect measured on other teams may not hold for this one."
        ),
        "effects_how_to_read": "How to read the verdict",
        "effects_too_few": "Too few to tell yet: fewer than 5 interventions were measured.",
        "effects_no_clear": "No clear effect: the 90% interval spans zero.",
        "effects_confounded": (
            "Confounded: the treated and comparison teams were already moving apart before "
            "the start, so no estimate is given."
        ),
        "effects_none": (
            "No intervention has 6 scored months after its start yet, so nothing can be measured."
        ),
        "effects_unavailable": "Effects cannot be measured right now: {error}",
        "effects_all_actions": "all actions",
        "effects_caption": "{kind}: {action}",
        "effects_outcome": "Outcome",
        "effects_effect": "Effect",
        "effects_interval": "90% interval",
        "effects_verdict": "Verdict",
        "effects_n": "Interventions",
        "effects_teams": "Your teams' measured interventions",
        "effects_teams_none": "None of your teams' interventions has been measured yet.",
        "effects_started": "Started",
        "effects_what": "What was done",
        "effects_measured": "Measured against similar teams",
        "effects_waiting": (
            "{n} recorded intervention(s) still waiting for 6 scored months after the start."
        ),
        "effects_not_compared": (
            "{n} intervention(s) with enough months could not be compared (fewer than 3 "
            "similar teams, or figures hidden for a team under 5 members)."
        ),
        "effects_last_month": "Scored months up to {month}.",
        "effects_team_title": "What the recorded interventions did",
        "marker_started": "{kind} started {month}",
        "markers_listed": "Marked on the chart (start of a recorded intervention)",
        "outcome_engagement": "Engagement",
        "outcome_overtime": "Overtime",
        "outcome_leave_uptake": "Leave uptake",
        "outcome_exits": "Voluntary exits",
        "outcome_risk": "Risk",
        "unit_engagement": "points",
        "unit_overtime": "hours per member a month",
        "unit_leave_uptake": "share of the pace",
        "unit_exits": "exits in 3 months",
        "unit_risk": "percentage points",
        "sign_out": "Sign out",
        "signed_in_as": "Signed in with key",
        "language": "Language",
        "decision_note": (
            "Scores support decisions by people. They never trigger anything by themselves: "
            "talk with the team and its manager before acting."
        ),
        "login_title": "Sign in",
        "login_intro": (
            "Paste the API key HR administration gave you (it starts with erisk_). "
            "You will see the departments that key covers."
        ),
        "login_key": "API key",
        "login_submit": "Sign in",
        "login_failed": "That key is unknown, revoked or mistyped. Check it and try again.",
        "login_expired": "Your session has ended. Sign in again.",
        "signed_out": "You have signed out.",
        "csrf_failed": "The form has expired. Reload the page and try again.",
        "flagged_title": "Teams that need support in {month}",
        "filters": "Filters",
        "month": "Month",
        "department": "Department",
        "intervention": "Intervention",
        "all": "All",
        "apply": "Apply",
        "summary": (
            "{review} on the review list; {flagged} of {teams} teams flagged: {high} high, "
            "{medium} medium risk."
        ),
        "none_flagged": "No other team is in the high or medium band this month.",
        "review_title": "Review list: the teams to act on first",
        "review_intro": (
            "The riskiest high teams of the month (a high team's risk is at least {high:g} "
            "times an average team's), at most a few: talk with these teams first."
        ),
        "review_caption": "Review list, {month}",
        "nothing_stands_out": "Nothing stands out this month.",
        "review_none_filtered": "No team on the review list matches these filters.",
        "watch_title": "Watch list: the other high and medium teams",
        "watch_intro": (
            "Teams whose risk is at least {medium:g} times an average team's: keep an eye on them."
        ),
        "watch_caption": "Watch list, {month}",
        "lift": "× average",
        "lift_line": "{lift} times the risk of an average team.",
        "status_insufficient_history": (
            "This team has under {months} months of history in the data, too little to compare it "
            "with its own past: it is shown as low and gets no rank or flag until it has."
        ),
        "place_on_list": "Rank {rank} among your teams this month: on the review list.",
        "place_off_list": "Rank {rank} among your teams this month: not on the review list.",
        "rank": "#",
        "team": "Team",
        "risk": "Risk",
        "band": "Band",
        "flags": "Needs",
        "reasons": "Main reasons",
        "actions": "Suggested actions",
        "downloads": "Download",
        "download_csv": "CSV for Excel",
        "download_report": "Printable report",
        "band_high": "High",
        "band_medium": "Medium",
        "band_low": "Low",
        "buffer": "Workload buffer",
        "recognition": "Recognition",
        "team_title": "{team}",
        "team_meta": "{department} · {month}",
        "risk_now": "Risk of an engagement decline in the next 3 months",
        "points": "pt",
        "trend_title": "Risk over the last 12 months",
        "trend_table": "The same figures as a table",
        "trend_chart": "Risk of {team} by month, with the band thresholds",
        "no_reasons": "No strong reason stands out this month.",
        "no_actions": "No action is suggested: the team is not flagged this month.",
        "did_title": "We did this",
        "did_intro": (
            "Record what was done for this team, so that what helped can be measured later. "
            "A record is never edited: to correct one, record the right one and withdraw "
            "the wrong one."
        ),
        "did_action": "Action",
        "did_start": "Start date",
        "did_note": "Note (optional, at most 500 characters)",
        "did_submit": "Record",
        "did_recorded": "Recorded.",
        "did_none": "Nothing has been recorded for this team yet.",
        "did_list": "Recorded for this team",
        "did_date": "Start",
        "did_type": "Type",
        "did_by": "Recorded by",
        "did_state": "State",
        "did_cancelled": "withdrawn",
        "did_in_force": "in force",
        "did_withdraw": "Withdraw",
        "did_no_action": "(no catalogue action)",
        "whatif_title": "What if…",
        "whatif_intro": (
            "Move a slider to see how the risk would change if the figure were different "
            "this month, everything else equal. Nothing is saved."
        ),
        "whatif_now": "now",
        "whatif_reset": "Reset",
        "whatif_result": "Risk with these changes",
        "whatif_unchanged": "Move a slider to try a change.",
        "whatif_change": "{delta} pt against now",
        "whatif_error": "The what-if could not be computed: {error}",
        "whatif_unavailable": "The what-if needs this month's data in the current snapshot.",
        "whatif_small_team": (
            "Per-member figures are hidden for teams under 5 members, so they cannot be "
            "changed here."
        ),
        "whatif_suppressed": (
            "Survey figures are hidden this month (fewer than 5 responses), so they cannot "
            "be changed here."
        ),
        "whatif_needs_js": "The what-if panel needs JavaScript.",
        "back": "Back to the list",
        "model_title": "The model behind the scores",
        "model_name": "Name",
        "model_version": "Version",
        "model_alias": "Alias",
        "trained_at": "Trained at",
        "bands": "Bands",
        "band_rule": (
            "High: at least {high} times the base rate (risk ≥ {high_risk}); medium: at least "
            "{medium} times (≥ {medium_risk})"
        ),
        "base_rate": "Base rate (an average team's risk)",
        "one_in": "1 team in {n}",
        "lists_title": "The review list and the bands in the backtest (with 90% intervals)",
        "lists_note": (
            "Precision: the share of listed team-months that had a decline within 3 months. "
            "Recall: the share of all declines they held. Lift: precision over the overall "
            "rate."
        ),
        "list": "List",
        "lift_title": "Lift (× the overall rate)",
        "precision": "Precision",
        "recall": "Recall",
        "list_review": "Review list",
        "list_high": "High band",
        "list_medium": "Medium band",
        "list_watch": "High and medium",
        "headline": "Backtest results (out-of-fold, with 90% intervals)",
        "metric": "Measure",
        "value": "Value",
        "interval": "90% interval",
        "model_card": "Model card",
        "no_card": "This model version has no model card.",
        "scored_months": "Scored months",
        "not_found": "Not found",
        "error_title": "Something is wrong with this request",
        "m.model.roc_auc": "Ranking quality (ROC AUC)",
        "m.model.pr_auc": "Precision-recall AUC",
        "m.model.brier": "Brier score (lower is better)",
        "m.model.ece": "Calibration error (ECE, lower is better)",
        "m.model.precision_top10": "Precision in the top 10% of teams",
        "m.model.recall_top10": "Recall in the top 10% of teams",
        "m.model.auc_within_month": "Ranking quality within a month (AUC)",
        "m.model.precision_top3": "Share of each month's top 3 teams that declined",
        "m.model.share_of_observable": "Share of the best AUC these data allow",
        "m.model.share_of_oracle": "Share of the AUC of the world's true risks",
        "m.gap.rule_of_thumb.roc_auc": "AUC gain over the HR rule of thumb",
        "m.gap.logistic_regression.roc_auc": "AUC gain over a logistic regression",
    },
    "ja": {
        "product": "エンゲージメント・リスク",
        "skip": "本文へ移動",
        "nav_flagged": "支援が必要なチーム",
        "nav_model": "モデル",
        "nav_effects": "効果の検証",
        "effects_title": "効果の検証：実施した施策の効果",
        "effects_intro": (
            "有効な記録ごとに、開始前に似ていたチーム（区分とフラグが同じで、リスクや業務量、"
            "開始前6か月の数値の推移が近いチーム、最大10チーム）と比べます。"
            "効果とは、開始前6か月から開始後6か月への変化が、比較したチームの変化より"
            "どれだけ大きかったかです。これは推定値で、90%区間を添えています"
            "（10回に9回は真の効果がこの範囲に入ります）。"
        ),
        "effects_people": (
            "スコアも効果も、人が判断するための参考情報です。チームは数字ではありません。"
            "他のチームで測った効果がこのチームにも当てはまるとは限りません。"
        ),
        "effects_how_to_read": "判定の読み方",
        "effects_too_few": "件数が少なく、まだ判断できません：測定できた施策が5件未満です。",
        "effects_no_clear": "はっきりした効果はありません：90%区間がゼロをまたいでいます。",
        "effects_confounded": (
            "比較できません：施策を実施したチームと比較チームが開始前からすでに離れて"
            "動いていたため、推定値は出していません。"
        ),
        "effects_none": (
            "開始後6か月分のスコアがそろった施策はまだないため、効果は測定できません。"
        ),
        "effects_unavailable": "現在は効果を測定できません：{error}",
        "effects_all_actions": "すべての施策",
        "effects_caption": "{kind}：{action}",
        "effects_outcome": "指標",
        "effects_effect": "効果",
        "effects_interval": "90%区間",
        "effects_verdict": "判定",
        "effects_n": "件数",
        "effects_teams": "あなたのチームで測定できた施策",
        "effects_teams_none": "あなたのチームの施策はまだ測定されていません。",
        "effects_started": "開始月",
        "effects_what": "実施した施策",
        "effects_measured": "似たチームとの比較",
        "effects_waiting": "{n}件の記録は、開始後6か月分のスコアがそろうのを待っています。",
        "effects_not_compared": (
            "{n}件は月数は足りていますが比較できませんでした（似たチームが3つ未満、"
            "または5名未満のチームで数値を表示しないため）。"
        ),
        "effects_last_month": "{month}までのスコアを使っています。",
        "effects_team_title": "記録した施策の効果",
        "marker_started": "{month}に{kind}を開始",
        "markers_listed": "グラフの印（記録した施策の開始）",
        "outcome_engagement": "エンゲージメント",
        "outcome_overtime": "残業時間",
        "outcome_leave_uptake": "休暇取得",
        "outcome_exits": "自己都合退職",
        "outcome_risk": "リスク",
        "unit_engagement": "ポイント",
        "unit_overtime": "一人あたり時間/月",
        "unit_leave_uptake": "ペース比",
        "unit_exits": "3か月の退職者数",
        "unit_risk": "パーセントポイント",
        "sign_out": "サインアウト",
        "signed_in_as": "使用中のキー",
        "language": "言語",
        "decision_note": (
            "スコアは人が判断するための参考情報です。スコアだけで何かが自動的に実行される"
            "ことはありません。対応の前にチームと管理職に話を聞いてください。"
        ),
        "login_title": "サインイン",
        "login_intro": (
            "人事の管理者から受け取った API キー（erisk_ で始まる文字列）を貼り付けてください。"
            "そのキーの対象部門だけが表示されます。"
        ),
        "login_key": "API キー",
        "login_submit": "サインイン",
        "login_failed": "キーが違うか、失効しています。確認してもう一度お試しください。",
        "login_expired": "セッションの有効期限が切れました。もう一度サインインしてください。",
        "signed_out": "サインアウトしました。",
        "csrf_failed": "フォームの有効期限が切れました。ページを再読み込みしてください。",
        "flagged_title": "{month}の支援が必要なチーム",
        "filters": "絞り込み",
        "month": "対象月",
        "department": "部門",
        "intervention": "対応の種類",
        "all": "すべて",
        "apply": "表示",
        "summary": (
            "要確認リスト {review}チーム、{teams}チーム中{flagged}チームにフラグ"
            "（リスク高 {high}、中 {medium}）"
        ),
        "none_flagged": "今月はほかにリスク「高」「中」のチームはありません。",
        "review_title": "要確認リスト：最初に対応するチーム",
        "review_intro": (
            "今月リスク「高」（平均的なチームの{high:g}倍以上）のうち、特にリスクの高い数チームです。"
            "まずこのチームと話をしてください。"
        ),
        "review_caption": "{month}の要確認リスト",
        "nothing_stands_out": "今月は特に目立つチームはありません",
        "review_none_filtered": "この条件に当てはまる要確認リストのチームはありません。",
        "watch_title": "注視リスト：その他のリスク「高」「中」のチーム",
        "watch_intro": (
            "リスクが平均的なチームの{medium:g}倍以上のチームです。様子を見守ってください。"
        ),
        "watch_caption": "{month}の注視リスト",
        "lift": "平均比",
        "lift_line": "平均的なチームのリスクの{lift}倍です。",
        "status_insufficient_history": (
            "このチームはデータ上の履歴が{months}か月未満のため、過去との比較ができません。"
            "履歴がそろうまで区分は「低」とし、順位とフラグは付けていません。"
        ),
        "place_on_list": "今月のあなたのチームの中で{rank}位：要確認リストに入っています。",
        "place_off_list": "今月のあなたのチームの中で{rank}位：要確認リストには入っていません。",
        "rank": "順位",
        "team": "チーム",
        "risk": "リスク",
        "band": "区分",
        "flags": "必要な対応",
        "reasons": "主な要因",
        "actions": "推奨アクション",
        "downloads": "ダウンロード",
        "download_csv": "CSV（Excel用）",
        "download_report": "印刷用レポート",
        "band_high": "高",
        "band_medium": "中",
        "band_low": "低",
        "buffer": "業務負荷の緩和",
        "recognition": "承認・評価",
        "team_title": "{team}",
        "team_meta": "{department}・{month}",
        "risk_now": "今後3か月以内にエンゲージメントが低下するリスク",
        "points": "ポイント",
        "trend_title": "直近12か月のリスク推移",
        "trend_table": "同じ数値を表で見る",
        "trend_chart": "{team}の月別リスクと区分のしきい値",
        "no_reasons": "今月は目立った要因はありません。",
        "no_actions": "今月はフラグがないため、推奨アクションはありません。",
        "did_title": "実施した施策を記録",
        "did_intro": (
            "このチームに実施したことを記録します。後で何が効いたかを測るために使います。"
            "記録は編集できません。訂正するには、正しい内容を記録し、誤った記録を取り消してください。"
        ),
        "did_action": "施策",
        "did_start": "開始日",
        "did_note": "メモ（任意、500文字まで）",
        "did_submit": "記録する",
        "did_recorded": "記録しました。",
        "did_none": "このチームの記録はまだありません。",
        "did_list": "このチームの記録",
        "did_date": "開始日",
        "did_type": "種類",
        "did_by": "記録者",
        "did_state": "状態",
        "did_cancelled": "取り消し済み",
        "did_in_force": "有効",
        "did_withdraw": "取り消す",
        "did_no_action": "（カタログ外の施策）",
        "whatif_title": "もし〜だったら（What-if）",
        "whatif_intro": (
            "スライダーを動かすと、今月の数値が違っていた場合にリスクがどう変わるかを"
            "表示します（他の条件は同じ）。何も保存されません。"
        ),
        "whatif_now": "現在",
        "whatif_reset": "元に戻す",
        "whatif_result": "変更後のリスク",
        "whatif_unchanged": "スライダーを動かして変化を試してください。",
        "whatif_change": "現在との差 {delta} ポイント",
        "whatif_error": "計算できませんでした：{error}",
        "whatif_unavailable": "What-if には現在のスナップショットにこの月のデータが必要です。",
        "whatif_small_team": (
            "5名未満のチームでは一人あたりの数値を表示しないため、ここでは変更できません。"
        ),
        "whatif_suppressed": (
            "今月はサーベイ回答が5件未満のため、サーベイの数値は表示・変更できません。"
        ),
        "whatif_needs_js": "What-if パネルには JavaScript が必要です。",
        "back": "一覧へ戻る",
        "model_title": "スコアを出しているモデル",
        "model_name": "名前",
        "model_version": "バージョン",
        "model_alias": "エイリアス",
        "trained_at": "学習日時",
        "bands": "区分",
        "band_rule": (
            "高：基準率の{high}倍以上（リスク {high_risk} 以上）、中：{medium}倍以上"
            "（{medium_risk} 以上）"
        ),
        "base_rate": "基準率（平均的なチームのリスク）",
        "one_in": "{n}チームに1チーム",
        "lists_title": "バックテストでの要確認リストと区分（90%区間つき）",
        "lists_note": (
            "適合率：リストに入ったチーム・月のうち3か月以内に低下があった割合。"
            "再現率：すべての低下のうちリストが捉えた割合。リフト：適合率と全体の割合の比。"
        ),
        "list": "リスト",
        "lift_title": "リフト（全体の割合の何倍か）",
        "precision": "適合率",
        "recall": "再現率",
        "list_review": "要確認リスト",
        "list_high": "区分「高」",
        "list_medium": "区分「中」",
        "list_watch": "区分「高」と「中」",
        "headline": "バックテストの結果（アウトオブフォールド、90%区間つき）",
        "metric": "指標",
        "value": "値",
        "interval": "90%区間",
        "model_card": "モデルカード",
        "no_card": "このバージョンにはモデルカードがありません。",
        "scored_months": "スコア済みの月",
        "not_found": "見つかりません",
        "error_title": "リクエストに問題があります",
        "m.model.roc_auc": "順位付けの精度（ROC AUC）",
        "m.model.pr_auc": "適合率・再現率 AUC",
        "m.model.brier": "ブライアスコア（低いほど良い）",
        "m.model.ece": "較正誤差（ECE、低いほど良い）",
        "m.model.precision_top10": "上位10%のチームの適合率",
        "m.model.recall_top10": "上位10%のチームの再現率",
        "m.model.auc_within_month": "月内の順位付けの精度（AUC）",
        "m.model.precision_top3": "各月の上位3チームのうち実際に低下したチームの割合",
        "m.model.share_of_observable": "このデータで到達できる最高 AUC に対する割合",
        "m.model.share_of_oracle": "世界の真のリスクの AUC に対する割合",
        "m.gap.rule_of_thumb.roc_auc": "人事の経験則に対する AUC の改善",
        "m.gap.logistic_regression.roc_auc": "ロジスティック回帰に対する AUC の改善",
    },
}
HEADLINE_METRICS = (
    "model.roc_auc",
    "model.pr_auc",
    "model.brier",
    "model.ece",
    "model.precision_top10",
    "model.recall_top10",
    "model.auc_within_month",
    "model.precision_top3",
    "model.share_of_observable",
    "model.share_of_oracle",
    "gap.rule_of_thumb.roc_auc",
    "gap.logistic_regression.roc_auc",
)


def department_name(code: str | None, lang: str) -> str:
    """A department code as the reader knows it (unknown codes shown as they are)."""
    text = str(code or "")
    return DEPARTMENTS_JA.get(text, text) if lang == "ja" else text.replace("_", " ")


def preferred_lang(accept_language: str | None) -> Lang:
    """Japanese when the browser ranks it above English (RFC 9110 quality values)."""
    best: tuple[float, int, Lang] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGS:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        candidate = (-quality, position, primary)
        if quality > 0 and (best is None or candidate < best):
            best = candidate  # type: ignore[assignment]
    return best[2] if best is not None else "en"


def choose_lang(asked: str | None, remembered: str | None, accept_language: str | None) -> Lang:
    """``?lang=`` first, then the language chosen before (cookie), then the browser's."""
    for candidate in (asked, remembered):
        if candidate in LANGS:
            return candidate  # type: ignore[return-value]
    return preferred_lang(accept_language)
