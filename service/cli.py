"""`pnet-cds`: run the service, and fire hooks at it from the terminal.

    pnet-cds serve [--host 127.0.0.1] [--port 8080] [--workers 2] [--dev] [--no-auth] [--trust-sandbox]
    pnet-cds fire HOOK FIXTURE [--url URL [--token JWT]] [--order KEY ...] [--now ISO] [--request-only] [--json]

`fire --url` signs each request with the local development issuer's key (generated into the instance
folder on first use, the same key `serve` trusts from loopback), unless --token gives a JWT.
    pnet-cds token URL [--lifetime 300]    print a development-issuer JWT for URL (for curl)
    pnet-cds fixtures                      list the synthetic patients (PNET_CDS_FIXTURES_DIR)
    pnet-cds orders                        list the order shorthands for --order
    pnet-cds catalog [--output docs/rules.md] [--check]
                                           write the rule catalog from the card files (PNET_CDS_CARDS_DIR)
                                           to --output (relative to the current directory)
    pnet-cds new-rule ID [--drug ROLE=VALUESET] [--condition ROLE=VALUESET] [--title T] [--source-label L]
                     [--source-reference R] [--indicator info|warning|critical] [--catalog-number N]
                                           scaffold a declarative rule in a checkout (service/scaffold.py)
    pnet-cds db upgrade|current            database schema (service/admin.py)
    pnet-cds report [--since 7d] [--json]  per-rule fire counts, acceptance/override rates, override reasons
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

from .settings import Settings, SettingsError, load_settings

SERVICES = {"patient-view": "pnet-patient-view", "order-select": "pnet-order-select", "order-sign": "pnet-order-sign"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pnet-cds", description="CDS Hooks service for pancreatic NETs")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the service (gunicorn; --dev for Flask's server)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument("--dev", action="store_true", help="Flask's development server, with reloading")
    serve.add_argument("--no-auth", action="store_true",
                       help="accept calls without a JWT (local work only; same as PNET_CDS_AUTH=off)")
    serve.add_argument("--trust-sandbox", action="store_true",
                       help="trust the public CDS Hooks Sandbox issuer (demos only; its private key is public)")
    serve.set_defaults(run=_serve)

    fire = commands.add_parser("fire", help="send a hook for a fixture patient and print the cards")
    fire.add_argument("hook", choices=sorted(SERVICES))
    fire.add_argument("fixture", help="fixture name (see `pnet-cds fixtures`)")
    fire.add_argument("--url", help="base URL of a running service (default: in-process)")
    fire.add_argument("--token", help="with --url: the JWT to send (default: signed by the local development issuer)")
    fire.add_argument("--order", action="append", default=[], metavar="KEY",
                      help="add a draft order from the catalog (see `pnet-cds orders`); repeatable")
    fire.add_argument("--now", help="ISO date-time to roll the fixture's dates to (default: now)")
    fire.add_argument("--request-only", action="store_true", help="print the hook request JSON and stop")
    fire.add_argument("--json", action="store_true", help="print the raw response JSON")
    fire.set_defaults(run=_fire)

    token = commands.add_parser("token", help="print a local development-issuer JWT whose aud is URL (for curl)")
    token.add_argument("url", help="the exact URL the token is for, e.g. http://127.0.0.1:8080/cds-services")
    token.add_argument("--lifetime", type=int, default=300, help="seconds until it expires (default 300)")
    token.set_defaults(run=_token)

    fixtures = commands.add_parser("fixtures", help="list the fixture patients")
    fixtures.set_defaults(run=_fixtures)
    orders = commands.add_parser("orders", help="list the draft order shorthands")
    orders.set_defaults(run=_orders)
    catalog = commands.add_parser("catalog", help="write the rule catalog (markdown) from the card files")
    catalog.add_argument("--output", default="docs/rules.md", type=Path,
                         help="the file to write or check (default: docs/rules.md under the current directory)")
    catalog.add_argument("--check", action="store_true", help="only check that the file is up to date")
    catalog.set_defaults(run=_catalog)
    new_rule = commands.add_parser(
        "new-rule", help="scaffold a declarative rule: card file, fixture builder, fixtures, golden cards (in a checkout)",
        description="Write cards/ID.yaml (uses:, when:, cases:), tests/fixtures_src/ID.py (a firing patient and a "
                    "near miss), their fixtures and golden cards, and regenerate hooks.json and docs/rules.md. "
                    "Without --drug and --condition the example is --drug sunitinib=sunitinib "
                    "--condition insulinoma=insulinoma (the logic of rule 2: edit it).")
    new_rule.add_argument("rule_id", metavar="ID", help="the rule id, kebab-case (e.g. everolimus-in-diabetes)")
    new_rule.add_argument("--drug", metavar="ROLE=VALUESET",
                          help="a drug value set: the rule speaks on its draft orders (order-select, order-sign)")
    new_rule.add_argument("--condition", metavar="ROLE=VALUESET",
                          help="a condition value set the patient must have active (alone: a patient-view rule)")
    new_rule.add_argument("--title", help="the rule's title (default: a placeholder)")
    new_rule.add_argument("--source-label", help="source.label (default: a placeholder to fill in)")
    new_rule.add_argument("--source-reference", help="source.reference, the section (default: a placeholder)")
    new_rule.add_argument("--indicator", choices=["info", "warning", "critical"], default="info")
    new_rule.add_argument("--catalog-number", type=int, help="default: the next free number")
    new_rule.set_defaults(run=_new_rule)
    from . import admin

    admin.register(commands)

    args = parser.parse_args(argv)
    try:
        return args.run(args) or 0
    except SettingsError as exc:
        print(f"pnet-cds: {exc}", file=sys.stderr)
        return 2
    except FixturesOff as exc:
        print(f"pnet-cds: {exc}", file=sys.stderr)
        return 2


class FixturesOff(Exception):
    """The command needs the synthetic patients and PNET_CDS_FIXTURES_DIR is `none`."""


def fixtures_dir(settings: Settings) -> Path:
    """The synthetic patients' directory. Raises FixturesOff when they are switched off."""
    if settings.fixtures_dir is None:
        raise FixturesOff("the synthetic patients are switched off (PNET_CDS_FIXTURES_DIR=none); "
                          "set it to a directory of fixture Bundles")
    return settings.fixtures_dir


def _serve(args) -> int:
    load_settings()  # a bad setting stops here, with its message, before any worker starts
    if args.no_auth:
        os.environ["PNET_CDS_AUTH"] = "off"
        print("*** WARNING: authentication is OFF (--no-auth). Any caller can use this service. ***",
              file=sys.stderr)
    if args.trust_sandbox:
        os.environ["PNET_CDS_TRUST_CDS_HOOKS_SANDBOX"] = "true"
    if args.dev:
        from . import create_app

        create_app().run(host=args.host, port=args.port, debug=True)
        return 0
    from gunicorn.app.base import BaseApplication

    from .serving import gunicorn_config

    settings = gunicorn_config()  # threaded workers, read deadlines, keep-alive, graceful drain: service/serving.py

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("accesslog", "-")
            for key, value in {**settings, **gunicorn_settings()}.items():
                self.cfg.set(key, value)

        def load(self):
            from .wsgi import app  # builds the app and tunes the garbage collector, in each worker

            return app

    Server().run()
    return 0


def _fire(args) -> int:
    from . import create_app
    from .fixtures import build_hook_request, load_fixture
    from .order_catalog import draft_order

    now = datetime.fromisoformat(args.now.replace("Z", "+00:00")) if args.now else datetime.now(timezone.utc)
    fixture = load_fixture(fixtures_dir(load_settings()), args.fixture, now=now)
    service_id = SERVICES[args.hook]
    extra = [draft_order(key, fixture.patient_id) for key in args.order]
    if args.url:
        import requests

        base = args.url.rstrip("/")
        discovery = requests.get(f"{base}/cds-services", headers=_auth_header(args, f"{base}/cds-services"),
                                 timeout=10)
        if discovery.status_code != 200:
            print(json.dumps(discovery.json(), indent=2))
            print(_AUTH_HINT if discovery.status_code == 401 else "", file=sys.stderr)
            return 1
        service = {s["id"]: s for s in discovery.json()["services"]}[service_id]
    else:
        app = create_app({"NOW": now, "AUTH": False, "TESTING": True,  # in-process: no network, no caller to trust
                          "LOG_LEVEL": "WARNING"})
        service = app.extensions["pnet_cds"].services[service_id]
    body = build_hook_request(fixture, service, extra_drafts=extra,
                              selections=[f"{d['resourceType']}/{d['id']}" for d in extra] or None)
    if args.request_only:
        print(json.dumps(body, indent=2))
        return 0
    if args.url:
        url = f"{base}/cds-services/{service_id}"
        answer = requests.post(url, json=body, headers=_auth_header(args, url), timeout=30)
        status, payload = answer.status_code, answer.json()
    else:
        local = app.test_client().post(f"/cds-services/{service_id}", json=body)
        status, payload = local.status_code, local.get_json()
    if args.json or status != 200:
        print(json.dumps(payload, indent=2))
        if status == 401:
            print(_AUTH_HINT, file=sys.stderr)
        return 0 if status == 200 else 1
    print(render_cards(payload))
    return 0


_AUTH_HINT = ("The service refused the token. `fire --url` signs with the local development issuer, which a "
              "service trusts only from loopback and only when it runs without an issuers file (or with "
              "PNET_CDS_DEV_ISSUER=on) on this machine; elsewhere pass --token.")


def _auth_header(args, url: str) -> dict:
    """The Authorization header for one call to `url`: --token, else a fresh development-issuer JWT."""
    if args.token:
        return {"Authorization": f"Bearer {args.token}"}
    from .issuers import dev_issuer_dir, mint_dev_token

    return {"Authorization": f"Bearer {mint_dev_token(dev_issuer_dir(), url)}"}


def render_cards(payload: dict) -> str:
    """The cards of a response as a clinician would scan them in a terminal."""
    cards = payload.get("cards", [])
    if not cards:
        return "No cards (the service has no guidance for this patient and hook)."
    blocks = []
    for card in cards:
        source = card["source"]
        lines = [f"[{card['indicator'].upper()}] {card['summary']}",
                 f"  rule: {source.get('topic', {}).get('code', '?')}   source: {source['label']}"]
        detail = re.sub(r"\\([\\`*_\[\]<>#|~])", r"\1", card.get("detail") or "")
        for paragraph in detail.split("\n\n"):
            lines += textwrap.wrap(" ".join(paragraph.split()), width=100, initial_indent="  ", subsequent_indent="  ")
            lines.append("")
        for suggestion in card.get("suggestions", []):
            actions = "; ".join(f"{a['type']} {a.get('resourceId') or a.get('resource', {}).get('resourceType', '')}"
                                for a in suggestion.get("actions", []))
            lines.append(f"  → suggestion: {suggestion['label']}  ({actions})")
        for reason in card.get("overrideReasons", []):
            lines.append(f"  × override reason: {reason['display']}")
        for link in card.get("links", []):
            lines.append(f"  link: {link['label']} <{link['url']}>")
        blocks.append("\n".join(lines).rstrip())
    extension = payload.get("extension", {}).get("org.pnet-cds.evaluation")
    if extension:
        blocks.append(f"(not evaluated: {json.dumps(extension)})")
    return "\n\n".join(blocks)


def _token(args) -> int:
    from .issuers import dev_issuer_dir, mint_dev_token

    print(mint_dev_token(dev_issuer_dir(), args.url, lifetime_seconds=args.lifetime))
    return 0


def _fixtures(_args) -> int:
    from .fixtures import list_fixtures, load_fixture

    directory = fixtures_dir(load_settings())
    for name in list_fixtures(directory):
        summary = load_fixture(directory, name).summary()
        print(f"{name}\n    {summary['patient']}: {'; '.join(summary['problems']) or 'no conditions'}"
              f"{'; drafts: %d' % summary['drafts'] if summary['drafts'] else ''}")
    return 0


def _orders(_args) -> int:
    from .order_catalog import ORDERS

    for key, order in ORDERS.items():
        print(f"{key:16} {order['label']}")
    return 0


def _catalog(args) -> int:
    from .catalog import write_catalog

    target = args.output
    if write_catalog(load_settings().cards_dir, target, check=args.check):
        print(f"{target} is up to date" if args.check else f"wrote {target}")
        return 0
    print(f"{target} is out of date: run `pnet-cds catalog`", file=sys.stderr)
    return 1


def _new_rule(args) -> int:
    from . import scaffold

    drug, condition = args.drug, args.condition
    if drug is None and condition is None:
        drug, condition = "sunitinib=sunitinib", "insulinoma=insulinoma"
    try:
        root = scaffold.find_checkout(Path.cwd())
        plan = scaffold.plan_rule(root, args.rule_id, drug, condition, title=args.title,
                                  catalog_number=args.catalog_number, indicator=args.indicator,
                                  source_label=args.source_label, source_reference=args.source_reference)
        print(f"creating rule {plan.catalog_number} {plan.rule_id} in {root} (building its fixtures and golden cards)")
        outcome = scaffold.create_rule(plan)
    except scaffold.ScaffoldError as exc:
        print(f"pnet-cds new-rule: {exc}", file=sys.stderr)
        return 2
    print(scaffold.report(plan, outcome))
    return 1 if outcome.problems else 0


def gunicorn_settings() -> dict:
    """Extra gunicorn settings: an access log with the request id, and Prometheus multiprocess clean-up."""
    settings: dict = {"access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'}
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        def child_exit(_server, worker):
            from .metrics import mark_worker_dead

            mark_worker_dead(worker.pid)

        settings["child_exit"] = child_exit
    return settings


if __name__ == "__main__":
    sys.exit(main())


