"""The HR page: a Starlette app the BentoML service mounts at ``/ui``.

Server-rendered HTML (Jinja2, autoescaped) with one stylesheet and one script, both served
from this package: nothing is fetched from the internet and nothing needs building. Every
figure comes from the same ``ServingState`` methods the ``/v1`` routes call, so the page and
the API always agree; the what-if panel's script calls ``POST /v1/whatif`` itself, with the
session cookie and a CSRF token.

Sign-in turns an API key into a signed, HttpOnly, SameSite=Strict session cookie
(``serving.ui.session``); a key sees only its departments here as in the API; every data
page writes an audit line like the API's (route as its template, never the key).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from features.calendar import shift_month
from models.effects import POST_MONTHS, TeamEffect
from models.interventions import INTERVENTIONS, load_catalogue
from models.review import MIN_HISTORY_MONTHS, backtest_sentence, visible_list
from pipelines.effects import MEASURED, EffectsReport, sentence, verdict, verdict_key
from serving.auth import ALL_DEPARTMENTS, KEY_FILE_BROKEN, ApiKey, KeyFileError, audit_record
from serving.schemas import TEAM_ID_MAX, valid_team_id
from serving.state import NotFoundError, RefusedError, UnavailableError, flagged_list
from serving.ui.charts import BAND_SHAPES, marker_index, risk_trend_svg
from serving.ui.session import (
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CookieSecure,
    cookie_secure,
)
from serving.ui.sliders import sliders_for
from serving.ui.texts import HEADLINE_METRICS, TEXT, Lang, choose_lang, department_name

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
MAX_FORM_BYTES = 16 * 1024
TOP_REASONS = 3
TOP_ACTIONS = 3
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# the printable report is one self-contained file with its own inline CSS
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


class BadRequestError(ValueError):
    """A query parameter the page cannot use (shown as a 400 page)."""


@dataclass
class Page:
    """One request as the page handlers see it: who, in which language, from where."""

    request: Request
    runtime: Any
    key: ApiKey | None
    session: str | None
    lang: Lang
    base: str
    audit: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> Any:
        return self.runtime.state

    @property
    def text(self) -> dict[str, str]:
        return TEXT[self.lang]

    @property
    def csrf(self) -> str | None:
        if self.session is None or self.runtime.sessions is None:
            return None
        return self.runtime.sessions.csrf_token(self.session)

    def query(self, name: str) -> str | None:
        value = self.request.query_params.get(name)
        return value.strip() or None if value is not None else None

    def month(self) -> str:
        """``?month=`` if it was scored; the latest scored month by default."""
        asked = self.query("month")
        if asked is not None and not MONTH.match(asked):
            raise BadRequestError(f"month {asked!r} is not YYYY-MM")
        return self.state.scored_month(asked)

    def lang_links(self) -> dict[str, str]:
        """This page in each language (the other query parameters kept)."""
        params = dict(self.request.query_params)
        links = {}
        for lang in ("ja", "en"):
            params["lang"] = lang
            links[lang] = f"{self.request.url.path}?{urlencode(params)}"
        return links


# ---- rendering --------------------------------------------------------------------------
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["band_shapes"] = BAND_SHAPES
    environment.filters["pct"] = lambda value, digits=1: (
        "–" if value is None else f"{float(value) * 100:.{digits}f}%"
    )
    environment.globals["trained_at_text"] = trained_at_text
    environment.globals["figure_text"] = figure_text
    environment.globals["min_history_months"] = MIN_HISTORY_MONTHS
    environment.filters["signed_points"] = lambda value: f"{float(value) * 100:+.1f}"
    # one path segment, slashes and dots included: a team id such as "../../v1/model" must
    # stay a team id, not a way to send HR elsewhere on the site
    environment.filters["segment"] = lambda value: quote(str(value), safe="")
    return environment


MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def render(page: Page, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A template with what every page needs (language, links, key, CSRF token)."""
    environment: Environment = page.request.app.state.templates
    body = environment.get_template(template).render(
        t=page.text,
        lang=page.lang,
        base=page.base,
        key=page.key,
        csrf=page.csrf,
        lang_links=page.lang_links(),
        department_name=lambda code: department_name(code, page.lang),
        **context,
    )
    return HTMLResponse(body, status_code=status)


def message_page(page: Page, status: int, title: str, message: str) -> HTMLResponse:
    return render(page, "message.html", status=status, title=title, message=message)


# ---- cookies ----------------------------------------------------------------------------
def _secure_setting(request: Request) -> CookieSecure:
    sessions = request.app.state.runtime.sessions
    return sessions.secure if sessions is not None else "auto"


def set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int, path: str
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(_secure_setting(request), request.url.scheme),
    )


# ---- the guard every page goes through -----------------------------------------------------
def _page(request: Request) -> Page:
    """Who is asking (the session's key, recorded for the audit line) and in which language."""
    runtime = request.app.state.runtime
    session = request.cookies.get(SESSION_COOKIE)
    key = None
    if session and runtime.sessions is not None:
        key = runtime.sessions.key_for(session, runtime.keys)
    lang = choose_lang(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )
    base = request.scope.get("root_path", "").rstrip("/")
    audit = audit_record(request.scope)
    audit["key_id"] = key.id if key is not None else None
    return Page(request, runtime, key, session if key else None, lang, base, audit)


Handler = Callable[[Page], Response]


def guarded(handler: Handler) -> Callable[..., Any]:
    """Run ``handler`` for a signed-in key, else send the browser to the sign-in page.

    Turns unknown teams/months into 404 pages and bad parameters into 400 pages, and
    remembers a language chosen with ``?lang=``. The audit line is written by
    ``serving.edge.DataRoutes`` from what the page recorded in ``page.audit``."""

    async def endpoint(request: Request) -> Response:
        page = _page(request)
        if page.key is None:
            target = f"{page.base}/login"
            if request.cookies.get(SESSION_COOKIE):
                target += "?expired=1"
            response: Response = RedirectResponse(target, status_code=303)
        else:
            try:
                response = await run_in_threadpool(handler, page)
            except NotFoundError as missing:
                response = message_page(page, 404, page.text["not_found"], str(missing))
            except (BadRequestError, RefusedError) as bad:
                response = message_page(page, 400, page.text["error_title"], str(bad))
        if request.query_params.get("lang") in ("ja", "en"):
            set_cookie(response, request, LANG_COOKIE, page.lang, 365 * 86400, "/ui")
        return response

    return endpoint


# ---- pages ------------------------------------------------------------------------------
def flagged_page(page: Page) -> Response:
    """The review list of the month, then its watch list, for the key's departments."""
    state, key = page.state, page.key
    assert key is not None
    month = page.month()
    department = page.query("department")
    intervention = page.query("intervention")
    page.audit.update(month=month, department=department)
    if intervention not in (None, "buffer", "recognition"):
        raise BadRequestError(f"intervention {intervention!r} is not buffer or recognition")
    # the departments the key's teams were scored in that month (see ServingState.teams_at);
    # ranks are among the key's teams
    seen = state.visible_month(month, None, key.sees, page.lang)
    everything = seen.results
    departments = sorted({str(r["department"]) for r in everything})
    if department is not None and department not in departments:
        raise NotFoundError(f"unknown department {department!r}")
    visible = [r for r in everything if department is None or r["department"] == department]
    listed = flagged_list(visible, intervention)
    review = [r for r in listed if r["review"]]
    summary = page.text["summary"].format(
        review=len(review),
        flagged=sum(bool(r["flags"]) for r in visible),
        teams=len(visible),
        high=sum(r["band"] == "high" for r in visible),
        medium=sum(r["band"] == "medium" for r in visible),
    )
    download = urlencode({"month": month, "lang": page.lang})
    return render(
        page,
        "flagged.html",
        title=page.text["flagged_title"].format(month=month),
        nav="flagged",
        month=month,
        months=list(reversed(state.store.months())),
        departments=departments,
        department=department,
        intervention=intervention,
        review=review,
        watch=[r for r in listed if not r["review"]],
        filtered=department is not None or intervention is not None,
        sentence=backtest_sentence(seen.backtest, page.lang),
        lifts={"high": state.model.bands.high_lift, "medium": state.model.bands.medium_lift},
        summary=summary,
        top_reasons=TOP_REASONS,
        top_actions=TOP_ACTIONS,
        download=download,
    )


def team_page(page: Page) -> Response:
    """One team: risk, 12-month trend, reasons, actions and the what-if panel."""
    state, key = page.state, page.key
    assert key is not None
    team_id = page.request.path_params["team_id"]
    page.audit.update(team_id=team_id)
    if not valid_team_id(team_id):
        raise NotFoundError(f"unknown team {team_id[:TEAM_ID_MAX]!r}")
    month = page.month()
    page.audit.update(month=month)
    team = state.team_at(team_id, month, key.sees)
    page.audit.update(department=team.department)
    risk = state.team_risk(team, month, page.lang, key.sees)
    result = risk["result"]
    try:
        # recorded in the team's department of now (the current snapshot's), as the API does
        state.current_team(team.team_id, key.sees)
        can_record = True
        recorded = state.interventions(key.departments, key.sees, team_id=team.team_id)
    except NotFoundError:
        can_record, recorded = False, []
    standing = [r for r in recorded if not r["cancelled"] and not r["cancels"]]
    markers = [
        {
            "month": r["start_date"][:7],
            "label": page.text["marker_started"].format(
                kind=page.text[r["intervention"]], month=r["start_date"][:7]
            ),
        }
        for r in standing
    ]
    labels = {
        "chart_title": page.text["trend_chart"].format(team=team.team_name or team.team_id),
        **{f"band_{b}": page.text[f"band_{b}"] for b in ("high", "medium", "low")},
    }
    bands = state.facts["bands"]
    chart = risk_trend_svg(
        risk["history"],
        {"high": bands["high"], "medium": bands["medium"]},
        labels,
        markers=markers,
    )
    row = state.feature_row(team, month)
    sliders = sliders_for(row, page.lang) if row is not None else None
    return render(
        page,
        "team.html",
        markers=[m for m in markers if marker_index(risk["history"], m["month"]) is not None],
        effects=team_effects(page, team.team_id) if standing else [],
        title=team.team_name or team.team_id,
        nav="flagged",
        team=team,
        month=month,
        months=[m for m in reversed(state.store.months())],
        result=result,
        history=risk["history"],
        chart=Markup(chart),  # built from numbers and escaped labels only
        sliders=sliders,
        back=f"{page.base}/?{urlencode({'month': month})}",
        can_record=can_record,
        recorded=recorded,
        just_recorded=page.query("recorded") == "1",
        action_groups=action_groups(result.get("flags") or [], page.lang),
        action_titles={a.id: a.title[page.lang] for a in load_catalogue().actions},
        today=dt.datetime.now(dt.UTC).date().isoformat(),
    )


def team_effects(page: Page, team_id: str) -> list[dict[str, Any]]:
    """The team's measured interventions with their sentences (none when the effects cannot
    be measured now: the team page still opens)."""
    state, key = page.state, page.key
    assert key is not None
    try:
        report = state.effects(key.departments, key.sees, team_id=team_id)
    except UnavailableError:
        return []
    return measured_interventions(report.teams, state.teams, page.text, page.lang)


def action_groups(flags: list[str], lang: Lang) -> list[dict[str, Any]]:
    """The catalogue's actions by intervention type, the team's flagged types first."""
    actions = load_catalogue().actions
    ordered = sorted(INTERVENTIONS, key=lambda kind: kind not in flags)
    return [
        {
            "intervention": kind,
            "actions": [
                {"id": a.id, "title": a.title[lang]} for a in actions if a.intervention == kind
            ],
        }
        for kind in ordered
    ]


def effects_page(page: Page) -> Response:
    """What helped: per intervention type and action, each outcome's effect against similar
    teams with its 90 % interval and verdict; then the key's teams' measured interventions
    and how many still wait for their 6 scored months."""
    state, key = page.state, page.key
    assert key is not None
    department = page.query("department")
    page.audit.update(department=department)
    departments = sorted(
        {str(t.department) for t in state.teams.values() if key.sees(t.department)}
    )
    try:
        report = state.effects(key.departments, key.sees, department)
    except UnavailableError as missing:
        text = page.text["effects_unavailable"].format(error=missing)
        return message_page(page, 503, page.text["error_title"], text)
    waiting, not_compared = waiting_counts(report)
    return render(
        page,
        "effects.html",
        title=page.text["effects_title"],
        nav="effects",
        departments=departments,
        department=department,
        groups=effect_groups(report.effects, page.text, page.lang),
        measured=measured_interventions(report.teams, state.teams, page.text, page.lang),
        waiting=waiting,
        not_compared=not_compared,
        last_month=report.last_month,
    )


def effect_number(value: float | None, outcome: str) -> str:
    """An effect in the unit the page names (a risk in percentage points), signed."""
    if value is None:
        return "–"
    return f"{value * 100:+.1f}" if outcome == "risk" else f"{value:+.2f}"


def effect_groups(
    rows: list[dict[str, Any]], text: dict[str, str], lang: Lang
) -> list[dict[str, Any]]:
    """The summary rows as one table per intervention type (all its actions) and per action,
    each outcome a row with its effect, interval, verdict and count."""
    titles = {a.id: a.title[lang] for a in load_catalogue().actions}
    groups: dict[tuple[str, str | None], dict[str, Any]] = {}
    for row in rows:
        kind, action = str(row["intervention"]), row["action_id"]
        group = groups.setdefault(
            (kind, action),
            {
                "intervention": kind,
                "action_id": action,
                "caption": text["effects_caption"].format(
                    kind=text.get(kind, kind),
                    action=titles.get(action, action) if action else text["effects_all_actions"],
                ),
                "rows": [],
            },
        )
        ci = row["ci90"]
        outcome = str(row["outcome"])
        group["rows"].append(
            {
                "outcome": outcome,
                "name": text[f"outcome_{outcome}"],
                "unit": text[f"unit_{outcome}"],
                "effect": effect_number(row["estimate"], outcome),
                "interval": (
                    "–"
                    if not ci or None in ci
                    else f"{effect_number(ci[0], outcome)} – {effect_number(ci[1], outcome)}"
                ),
                "verdict": verdict(row, lang),
                "verdict_key": verdict_key(row),
                "n": row["n"],
            }
        )
    order = {name: i for i, name in enumerate(MEASURED)}
    for group in groups.values():
        group["rows"].sort(key=lambda r: order.get(r["outcome"], len(order)))
    # each type's table first, then its actions'
    return sorted(
        groups.values(), key=lambda g: (g["intervention"], g["action_id"] is not None, g["caption"])
    )


def measured_interventions(
    effects: list[TeamEffect], teams: dict[str, Any], text: dict[str, str], lang: Lang
) -> list[dict[str, Any]]:
    """Each measured intervention once: its team, start, type and action, with one sentence
    per outcome (:func:`pipelines.effects.sentence`)."""
    titles = {a.id: a.title[lang] for a in load_catalogue().actions}
    order = {name: i for i, name in enumerate(MEASURED)}
    found: dict[str, dict[str, Any]] = {}
    for effect in sorted(effects, key=lambda e: (e.month, e.team_id, order.get(e.outcome, 9))):
        team = teams.get(effect.team_id)
        item = found.setdefault(
            effect.intervention_id,
            {
                "intervention_id": effect.intervention_id,
                "team_id": effect.team_id,
                "team_name": team.team_name if team is not None else None,
                "month": effect.month,
                "intervention": effect.intervention,
                "action": titles.get(effect.action_id or "", text["did_no_action"]),
                "sentences": [],
            },
        )
        item["sentences"].append(sentence(effect, lang))
    return list(found.values())


def waiting_counts(report: EffectsReport) -> tuple[int, int]:
    """How many unmeasured interventions still wait for ``POST_MONTHS`` scored months after
    their start, and how many had the months but could not be compared."""
    last = report.last_month
    waiting = sum(
        last is None or shift_month(row.start_date.strftime("%Y-%m"), POST_MONTHS) > last
        for row in report.waiting
    )
    return waiting, len(report.waiting) - waiting


def model_page(page: Page) -> Response:
    """The resolved model version, its headline backtest figures and its model card."""
    assert page.key is not None
    facts = page.state.facts_for(page.key.departments == ALL_DEPARTMENTS)
    metrics = facts["metrics"]
    headline = [
        {
            "name": page.text[f"m.{name}"],
            "value": metrics[name],
            "low": metrics.get(f"ci90.{name}.low"),
            "high": metrics.get(f"ci90.{name}.high"),
        }
        for name in HEADLINE_METRICS
        if name in metrics
    ]
    bands = facts["bands"]
    base_rate = float(bands["base_rate"])
    card = facts.get("model_card")
    return render(
        page,
        "model.html",
        title=page.text["model_title"],
        nav="model",
        facts=facts,
        headline=headline,
        lists=bands["lists"],
        sentence=bands["sentence"][page.lang],
        one_in=max(1, round(1 / base_rate)) if base_rate > 0 else None,
        card=Markup(MARKDOWN.render(card)) if card else None,  # raw HTML disabled
        months=page.state.store.months(),
    )


def _report(page: Page) -> Any:
    """The month's HR report limited to the key's departments."""
    from pipelines.report import build_report, trend_rows

    state, key = page.state, page.key
    assert key is not None
    month = page.month()
    page.audit.update(month=month)
    history = trend_rows(state.store, month)
    # each month's row by the department the team was scored in then
    seen = history["department"].map(key.sees).astype(bool)
    history = history[seen].reset_index(drop=True)
    report = build_report(state.store, month, page.lang, history)
    # ranks among the key's own teams, and a scoped key's own review list
    mine = [r for r in report.results if key.sees(r.get("department"))]
    return replace(
        report, results=visible_list(report.results, mine, state.settings.review_capacity)
    )


def export_csv(page: Page) -> Response:
    """The month as CSV: UTF-8 with BOM and CRLF, which Japanese Excel opens correctly."""
    from pipelines.hr_report import render_csv

    report = _report(page)
    name = f"hr-report-{report.month}-{report.lang}.csv"
    return Response(
        render_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def report_html(page: Page) -> Response:
    """The printable report of the month (the batch job's HTML, the key's teams only)."""
    from pipelines.hr_report import render_html

    report = _report(page)
    name = f"hr-report-{report.month}-{report.lang}.html"
    return HTMLResponse(
        render_html(report),
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "Content-Security-Policy": REPORT_CSP,
        },
    )


# ---- sign-in and sign-out -----------------------------------------------------------------
class BadFormError(ValueError):
    """A posted form the page cannot read: too large (413) or not a plain form (400)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _form(request: Request) -> FormData:
    """The posted form: small, with a Content-Length (a chunked body has none to check), and
    no files; anything else is a ``BadFormError``."""
    length = request.headers.get("content-length", "")
    if not length.isascii() or not length.isdigit() or int(length) > MAX_FORM_BYTES:
        raise BadFormError(413, "form too large")
    try:
        return await request.form(max_files=0, max_fields=10)
    except HTTPException as unreadable:  # Starlette's answer to a broken or multipart body
        raise BadFormError(400, "the form could not be read") from unreadable


def _login_form(page: Page, status: int = 200, notice: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        page,
        "login.html",
        status=status,
        title=page.text["login_title"],
        nav=None,
        login_csrf=token,
        notice=notice,
    )
    set_cookie(response, page.request, LOGIN_CSRF_COOKIE, token, 3600, "/ui")
    return response


async def login(request: Request) -> Response:
    """GET: the sign-in form. POST: a key in, a session cookie out (the key id is audited
    only when the key was right)."""
    page = _page(request)
    if request.method == "GET":
        if page.key is not None:
            return RedirectResponse(f"{page.base}/", status_code=303)
        notice = None
        if request.query_params.get("expired"):
            notice = page.text["login_expired"]
        elif request.query_params.get("signed_out"):
            notice = page.text["signed_out"]
        return _login_form(page, notice=notice)
    runtime = page.runtime
    page.audit["key_id"] = None
    try:
        form = await _form(request)
    except BadFormError as bad:
        return _login_form(page, bad.status, str(bad))
    sent = str(form.get("csrf") or "")
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not expected or not hmac.compare_digest(sent, expected):
        return _login_form(page, 403, page.text["csrf_failed"])
    presented = str(form.get("api_key") or "").strip()
    key = runtime.keys.authenticate(f"Bearer {presented}")
    if key is None or runtime.sessions is None:
        return _login_form(page, 401, page.text["login_failed"])
    page.audit["key_id"] = key.id
    response = RedirectResponse(f"{page.base}/", status_code=303)
    session = runtime.sessions.issue(key)
    set_cookie(response, request, SESSION_COOKIE, session, runtime.sessions.lifetime_s, "/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ui")
    return response


async def logout(request: Request) -> Response:
    """End the session: on the server (``Sessions.sign_out``) and in the browser. A POST
    with the CSRF token, so no other site can do it."""
    page = _page(request)
    try:
        form = await _form(request)
        token = str(form.get("csrf") or "")
    except BadFormError:
        token = ""
    sessions = page.runtime.sessions
    if page.key is not None and not sessions.csrf_ok(page.session, token):
        return message_page(page, 403, page.text["error_title"], page.text["csrf_failed"])
    if page.session is not None:
        # server-side too: the cookie, replayed from anywhere, opens nothing afterwards
        await run_in_threadpool(sessions.sign_out, page.session)
    response = RedirectResponse(f"{page.base}/login?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def same_origin(request: Request) -> bool:
    """A write comes from this site's own page: the browser's ``Sec-Fetch-Site`` and
    ``Origin``, when sent, say so (the session cookie is SameSite=Strict and the form
    carries the CSRF token besides). Under the pages' ``Referrer-Policy: no-referrer`` a
    browser sends ``Origin: null`` even for its own forms: ``Sec-Fetch-Site`` decides then."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


def intervention_fields(form: FormData) -> dict[str, Any]:
    """The page's form as the API's body: the type follows from the chosen action (a
    withdrawal names the type of the row it withdraws and no action)."""
    action_id = str(form.get("action") or "").strip() or None
    types = {a.id: a.intervention for a in load_catalogue().actions}
    intervention = types.get(action_id or "") or str(form.get("intervention") or "")
    return {
        "team_id": str(form.get("team_id") or ""),
        "start_date": str(form.get("start_date") or ""),
        "intervention": intervention,
        "action_id": action_id,
        "note": str(form.get("note") or "") or None,
        "cancels": str(form.get("cancels") or "").strip() or None,
    }


async def record_intervention(request: Request) -> Response:
    """POST from the team page's "We did this" form: the same checks and store as ``POST
    /v1/interventions`` (``ServingState.record_intervention``), recorded by the session's
    key, then back to the team page. Needs the form's CSRF token and a same-origin post."""
    page = _page(request)
    if page.key is None:
        return RedirectResponse(f"{page.base}/login?expired=1", status_code=303)
    try:
        form = await _form(request)
    except BadFormError as bad:
        return message_page(page, bad.status, page.text["error_title"], str(bad))
    token = str(form.get("csrf") or "")
    if not same_origin(request) or not page.runtime.sessions.csrf_ok(page.session, token):
        return message_page(page, 403, page.text["error_title"], page.text["csrf_failed"])
    fields = intervention_fields(form)
    page.audit.update(team_id=fields["team_id"][:TEAM_ID_MAX])
    key = page.key
    try:
        team = await run_in_threadpool(page.state.current_team, fields["team_id"], key.sees)
        page.audit.update(department=team.department)
        await run_in_threadpool(page.state.record_intervention, fields, key.id, key.sees)
    except NotFoundError as missing:
        return message_page(page, 404, page.text["not_found"], str(missing))
    except RefusedError as bad:
        return message_page(page, 400, page.text["error_title"], str(bad))
    month = str(form.get("month") or "")
    query = {"recorded": "1", **({"month": month} if MONTH.match(month) else {})}
    target = f"{page.base}/teams/{quote(team.team_id, safe='')}?{urlencode(query)}"
    return RedirectResponse(target, status_code=303)


async def _key_file_broken(request: Request, _: Exception) -> Response:
    """While the key file cannot be read no key works: say so (503), on any page."""
    lang = choose_lang(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )
    base = request.scope.get("root_path", "").rstrip("/")
    page = Page(request, request.app.state.runtime, None, None, lang, base)
    return message_page(page, 503, page.text["error_title"], KEY_FILE_BROKEN)


def create_ui_app() -> Starlette:
    """The ``/ui`` app; ``app.state.runtime`` is set by the service once it has loaded."""
    routes = [
        Route("/", guarded(flagged_page)),
        # any text is a team id (the contract asks only for a non-blank string), "/" too
        Route("/teams/{team_id:path}", guarded(team_page)),
        Route("/model", guarded(model_page)),
        Route("/effects", guarded(effects_page)),
        Route("/export.csv", guarded(export_csv)),
        Route("/report.html", guarded(report_html)),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/interventions", record_intervention, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={KeyFileError: _key_file_broken})
    # /ui/model/ is an unknown page (404), not a redirect to a URL built from Host
    app.router.redirect_slashes = False
    app.state.templates = _environment()
    return app


def figure_text(value: float | None, interval: list[float | None] | None, figure: str) -> str:
    """A backtest figure with its 90 % interval: ``40% (30–50%)``, a lift ``2.9× (2.1–3.6)``,
    or a dash where the backtest could not measure it."""
    if value is None:
        return "–"
    if figure == "lift":
        shown, unit = (lambda v: f"{v:.1f}"), "×"
    else:
        shown, unit = (lambda v: f"{100 * v:.0f}"), "%"
    text = f"{shown(value)}{unit}"
    if interval and None not in interval:
        low, high = interval
        text += f" ({shown(low)}–{shown(high)}{unit})"
    return text


def trained_at_text(value: str | None) -> str:
    """``2026-11-28T20:40:00Z`` → ``2026-11-28 20:40 UTC`` (or a dash)."""
    if not value:
        return "–"
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%d %H:%M UTC")
