"""Operator commands: `pnet-cds db upgrade|current` and `pnet-cds report [--since 7d] [--json]`.

Both use the same configuration as the server (DATABASE_URL / PNET_CDS_DATABASE_URL, else the SQLite
file in the instance folder), so a report read on any host shows what every instance stored.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `db` and `report` sub-commands to the CLI's argparse sub-parsers."""
    db = commands.add_parser("db", help="database schema: upgrade to the newest migration, or show the current one")
    db.add_argument("action", choices=["upgrade", "current"])
    db.add_argument("--revision", default="head", help="migration to upgrade to (default: head)")
    db.set_defaults(run=_db)
    report = commands.add_parser("report", help="per-rule fire counts, acceptance/override rates, override reasons")
    report.add_argument("--since", help="7d, 24h, 90m, or an ISO date/date-time (default: all time)")
    report.add_argument("--json", action="store_true", help="print JSON instead of a table")
    report.set_defaults(run=_report)


def _app():
    from . import create_app

    return create_app({"DATABASE_AUTO_MIGRATE": False, "AUDIT_ENABLED": False})


def _db(args) -> int:
    from .store import StoreUnavailable, safe_url, store_of

    app = _app()
    with app.app_context():
        store = store_of(app)
        try:
            if args.action == "upgrade":
                store.upgrade(args.revision)
                print(f"{safe_url(store.url)}: upgraded to {args.revision}")
            else:
                print(f"{safe_url(store.url)}: {'current' if store.schema_is_current() else 'NOT current'}")
        except StoreUnavailable as exc:
            print(f"database unavailable: {exc}", file=sys.stderr)
            return 2
        finally:
            store.dispose()
    return 0


def _report(args) -> int:
    from .report import build_report, parse_since, reason_labels_from, render_report
    from .store import StoreUnavailable, store_of

    try:
        since = parse_since(args.since)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    app = _app()
    with app.app_context():
        try:
            report = build_report(store_of(app), since, reason_labels_from(app.extensions["pnet_cds"].rules))
        except StoreUnavailable as exc:
            print(f"database unavailable: {exc}", file=sys.stderr)
            return 2
        finally:
            store_of(app).dispose()
    print(json.dumps(report.to_json(), indent=2) if args.json else render_report(report))
    return 0
