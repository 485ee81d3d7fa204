"""Operator commands: `pnet-cds db upgrade|current`, `pnet-cds report [--since 7d] [--until ..] [--json]`,
`pnet-cds config show [--file F] [--json]` (the effective site configuration) and `pnet-cds admin-password`.

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
    report.add_argument("--until", help="end of the window (exclusive), same forms as --since (default: now)")
    report.add_argument("--weekly", action="store_true", help="with --json: per week and per version too")
    report.add_argument("--json", action="store_true", help="print JSON instead of a table")
    report.set_defaults(run=_report)
    # issue 15: the effective site configuration, and the dashboard's administrator credential
    config = commands.add_parser("config", help="the effective site configuration (PNET_CDS_SITE_CONFIG_FILE)")
    config.add_argument("action", choices=["show"])
    config.add_argument("--file", help="check and show this site configuration file instead of the configured one")
    config.add_argument("--json", action="store_true", help="print JSON instead of a table")
    config.set_defaults(run=_config)
    password = commands.add_parser("admin-password",
                                   help="print a password hash for PNET_CDS_ADMIN_PASSWORD_HASH (the dashboard)")
    password.set_defaults(run=_admin_password)


def _app(**overrides):
    from . import create_app

    return create_app({"DATABASE_AUTO_MIGRATE": False, "AUDIT_ENABLED": False, **overrides})


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
        until = parse_since(args.until) if args.until else None
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    app = _app()
    with app.app_context():
        try:
            report = build_report(store_of(app), since, reason_labels_from(app.extensions["pnet_cds"].rules),
                                  until=until)
        except StoreUnavailable as exc:
            print(f"database unavailable: {exc}", file=sys.stderr)
            return 2
        finally:
            store_of(app).dispose()
    print(json.dumps(report.to_json(detail=args.weekly), indent=2) if args.json else render_report(report))
    return 0


def _config(args) -> int:
    from .site_config import SiteConfigError, render_site_config

    overrides = {"SITE_CONFIG_FILE": args.file} if args.file else {}
    try:
        app = _app(**overrides)
    except SiteConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    site = app.extensions["pnet_cds"].site
    app.extensions["pnet_cds_store"].dispose()
    print(json.dumps(site.describe(), indent=2) if args.json else render_site_config(site))
    return 0


def _admin_password(_args) -> int:
    import getpass

    from werkzeug.security import generate_password_hash

    first = getpass.getpass("dashboard administrator password: ") if sys.stdin.isatty() else sys.stdin.readline()
    first = first.rstrip("\n")
    if sys.stdin.isatty() and getpass.getpass("again: ") != first:
        print("the passwords differ", file=sys.stderr)
        return 2
    if len(first) < 12:
        print("use at least 12 characters", file=sys.stderr)
        return 2
    print(generate_password_hash(first))
    return 0
