"""The committee dashboard: alert burden per rule, for the CDS committee that pilots, tunes and retires rules.

    GET /dashboard                          the page (static HTML/JS/CSS, no CDN, works offline)
    GET /dashboard/api/report?from=&to=     per rule: cards shown, silent firings, accepted / overridden (rates),
                                            top override reasons, per week and per version; with the rule's
                                            effective configuration (JSON)
    GET /dashboard/api/export.csv?from=&to=  the same, one row per rule and week (and a total row per rule)
    GET /dashboard/api/export.json?from=&to= the report JSON as a download
    GET /dashboard/api/rules/<rule-id>      the rule's card text, override reasons and effective configuration

Closed unless an administrator credential is configured: `ADMIN_PASSWORD_HASH` (a werkzeug password hash,
`pnet-cds admin-password` prints one) and optionally `ADMIN_USER` (default `committee`); without it every
path answers 403, with it a request without the right HTTP Basic credentials answers 401. `DASHBOARD=false`
removes the page. The numbers come from service/report_queries.py (the same as `pnet-cds report`), which
never selects a patient hash, hookInstance, card uuid or free-text comment: the page cannot show who a
patient is. `from` and `to` are dates (UTC, both inclusive); the default is the last 12 weeks.
"""

from __future__ import annotations

import csv
import hmac
import io
import json
import logging
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from werkzeug.security import check_password_hash

from .settings import Settings
from .errors import BadHookRequest, NotFound, Problem, ServiceUnavailable
from .report import Report, build_report, reason_labels_from
from .report_queries import week_of
from .site_config import describe_profile
from .static_pages import page_file, with_page_headers
from .store import StoreUnavailable

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static" / "dashboard"
REALM = 'Basic realm="pnet-cds committee dashboard", charset="UTF-8"'
DEFAULT_WEEKS = 12
CSV_COLUMNS = ["rule", "title", "mode", "rule_version", "week", "cards_shown", "silent_firings", "accepted",
               "overridden", "no_feedback", "acceptance_rate", "override_rate", "top_override_reasons"]
bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def register_dashboard(app: Flask, settings: Settings) -> None:
    """Mount the dashboard unless `DASHBOARD` is configured off (it stays closed without a credential)."""
    if settings.dashboard:
        app.register_blueprint(bp)


@bp.before_request
def _admin_only() -> Response | None:
    settings: Settings = current_app.extensions["pnet_cds"].settings
    password_hash = settings.admin_password_hash
    if not password_hash:
        return _answer(403, "forbidden", "the committee dashboard is closed: no administrator credential is "
                       "configured (set PNET_CDS_ADMIN_PASSWORD_HASH; README, Committee dashboard)")
    credentials = request.authorization
    user = settings.admin_user
    if credentials is None or credentials.type != "basic" or not _valid(credentials, user, password_hash):
        if credentials is not None:
            log.warning("dashboard: refused credentials for user %r from %s", (credentials.username or "")[:64],
                        request.remote_addr)
        response = _answer(401, "unauthorized", "the committee dashboard needs the administrator credential")
        response.headers["WWW-Authenticate"] = REALM
        return response
    return None


def _valid(credentials, user: str, password_hash: str) -> bool:
    same_user = hmac.compare_digest((credentials.username or "").encode("utf-8"), user.encode("utf-8"))
    try:
        same_password = check_password_hash(password_hash, credentials.password or "")
    except (ValueError, TypeError):  # a malformed configured hash: refuse, and say so in the log
        log.error("dashboard: PNET_CDS_ADMIN_PASSWORD_HASH is not a werkzeug password hash")
        return False
    return same_user and same_password


@bp.after_request
def _security_headers(response: Response) -> Response:
    return with_page_headers(response)


@bp.get("")
@bp.get("/")
def page() -> Response:
    return static_file("index.html")


@bp.get("/static/<path:filename>")
def static_file(filename: str) -> Response:
    return page_file(STATIC, filename, "dashboard")


@bp.get("/api/report")
def report_json() -> Response:
    return jsonify(dashboard_report(*requested_period()))


@bp.get("/api/export.json")
def export_json() -> Response:
    start, end = requested_period()
    body = json.dumps(dashboard_report(start, end), indent=2, ensure_ascii=False)
    return _download(body, "application/json", f"pnet-cds-alert-burden-{_label(start, end)}.json")


@bp.get("/api/export.csv")
def export_csv() -> Response:
    start, end = requested_period()
    return _download(report_csv(dashboard_report(start, end)), "text/csv",
                     f"pnet-cds-alert-burden-{_label(start, end)}.csv")


@bp.get("/api/rules/<rule_id>")
def rule(rule_id: str) -> Response:
    site = current_app.extensions["pnet_cds"].site
    spec = site.cards.get(rule_id)
    if spec is None:
        raise NotFound(f"no rule {rule_id!r}", [Problem("", "GET /dashboard/api/report lists the rules")])
    [configuration] = [row for row in describe_profile(site.default, {rule_id: spec})]
    variants = [{"name": name, "indicator": configuration["indicators"][name], "summary": variant["summary"],
                 "detail": variant["detail"]} for name, variant in spec.raw["variants"].items()]
    return jsonify({"rule": rule_id, "title": spec.title, "version": spec.version,
                    "catalogNumber": spec.catalog_number, "trigger": " ".join(spec.trigger.split()),
                    "source": spec.source, "links": spec.links, "overrideReasons": spec.override_reasons,
                    "localPolicy": spec.raw.get("local_policy", []), "variants": variants,
                    "configuration": configuration, "siteConfigurationVersion": site.version,
                    "tenantsWithOwnSettings": [{"issuer": issuer, "tenant": tenant}
                                               for issuer, tenant, profile in site.tenants
                                               if rule_id in profile.settings]})


def requested_period() -> tuple[datetime, datetime]:
    """[start, end) from `from` and `to` (inclusive dates); default the last DEFAULT_WEEKS weeks.
    Raises BadHookRequest naming the parameter."""
    today = current_app.extensions["pnet_cds"].now().astimezone(timezone.utc).date()
    first = _date_arg("from", week_of(today) - timedelta(weeks=DEFAULT_WEEKS - 1))
    last = _date_arg("to", today)
    if last < first:
        raise BadHookRequest("`to` is before `from`", [Problem("/query/to", f"{last} is before {first}")])
    return _midnight(first), _midnight(last + timedelta(days=1))


def dashboard_report(start: datetime, end: datetime) -> dict:
    """The report JSON with each rule's effective configuration, every rule listed (quiet ones too).
    Raises ServiceUnavailable when the database is down."""
    state, store = current_app.extensions["pnet_cds"], current_app.extensions["pnet_cds_store"]
    try:
        report = build_report(store, start, reason_labels_from(state.rules), until=end)
    except StoreUnavailable as exc:
        raise ServiceUnavailable(f"the database is unavailable: {exc}") from None
    body = report.to_json(detail=True)
    body["siteConfiguration"] = {"version": state.site.version, "sha256": state.site.sha256}
    body["rules"] = _with_configuration(report, body["rules"], state.site)
    return body


def _with_configuration(report: Report, lines: list[dict], site) -> list[dict]:
    by_rule = {line["rule"]: line for line in lines}
    empty = {"cards": 0, "silent": 0, "accepted": 0, "overridden": 0, "noFeedback": 0, "acceptanceRate": None,
             "overrideRate": None, "topOverrideReasons": [], "weekly": [], "versions": []}
    rows = []
    for configuration in describe_profile(site.default, site.cards):
        line = by_rule.pop(configuration["rule"], None) or {"rule": configuration["rule"], **empty}
        rows.append({**line, "title": configuration["title"], "version": configuration["version"],
                     "mode": configuration["mode"], "hooks": configuration["hooks"],
                     "overriddenParameters": [p["name"] for p in configuration["parameters"] if p["overridden"]]})
    rows += [{**line, "title": "(no card file: a retired rule)", "version": None, "mode": "retired", "hooks": [],
              "overriddenParameters": []} for line in by_rule.values()]
    return sorted(rows, key=lambda row: (-row["cards"], -row["silent"], row["rule"]))


def report_csv(body: dict) -> str:
    """One row per rule and week, then one total row per rule (week `all`)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for line in body["rules"]:
        common = {"rule": line["rule"], "title": line["title"], "mode": line["mode"], "rule_version": line["version"]}
        for week in line["weekly"]:
            writer.writerow({**common, "week": week["week"], **_csv_counts(week)})
        reasons = "; ".join(f"{r['reason']} ({r['count']})" for r in line["topOverrideReasons"])
        writer.writerow({**common, "week": "all", **_csv_counts(line), "top_override_reasons": reasons})
    return out.getvalue()


def _csv_counts(counts: dict) -> dict:
    return {"cards_shown": counts["cards"], "silent_firings": counts["silent"], "accepted": counts["accepted"],
            "overridden": counts["overridden"], "no_feedback": counts["noFeedback"],
            "acceptance_rate": "" if counts["acceptanceRate"] is None else counts["acceptanceRate"],
            "override_rate": "" if counts["overrideRate"] is None else counts["overrideRate"]}


def _date_arg(name: str, default: date) -> date:
    value = request.args.get(name)
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadHookRequest(f"`{name}` must be a date like 2026-11-30",
                             [Problem(f"/query/{name}", f"{value[:40]!r} is not a date")]) from None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _label(start: datetime, end: datetime) -> str:
    return f"{start.date().isoformat()}-to-{(end - timedelta(days=1)).date().isoformat()}"


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _answer(status: int, kind: str, message: str) -> Response:
    response = jsonify({"error": kind, "message": message})
    response.status_code = status
    return response
