"""Golden expected cards: for every fixture and hook, the response the service gives, stored as JSON.

`fhir_fixtures/expected/<fixture>.json` maps each hook the fixture runs on (patient-view always; order-select
and order-sign when it has draft orders) to the normalised response: uuids numbered per response in order of
appearance, the clock pinned to the fixtures' anchor. A card change shows up as a diff of these files, so
every change to what a clinician reads is reviewed.

    python -m tests.golden --write     regenerate every file (then read `git diff fhir_fixtures/expected`)
    python -m tests.golden             say which files differ, change nothing (exit 1 when any does)
    python -m tests.golden --write NAME ...   only the named fixtures' files (a new rule's, from `pnet-cds
                                       new-rule`): every other golden file is left as it is
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys

from .conftest import FIXTURES, SERVICE_FOR_HOOK, Harness, make_app

EXPECTED = FIXTURES / "expected"
HOOKS = ("patient-view", "order-select", "order-sign")
_UUID = re.compile(r"\buuid-\d+\b|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def fixture_hooks(harness: Harness, name: str) -> list[str]:
    """The hooks a fixture is played on: order hooks only when it carries draft orders."""
    request = harness.request(name, "order-sign")
    has_drafts = bool(request["context"]["draftOrders"]["entry"])
    return [hook for hook in HOOKS if has_drafts or hook == "patient-view"]


def normalise(body) -> object:
    """The response with every uuid renumbered in order of appearance (`uuid-1`, `uuid-2`, …)."""
    seen: dict[str, str] = {}

    def renumber(match: re.Match) -> str:
        return seen.setdefault(match.group(0), f"uuid-{len(seen) + 1}")

    return json.loads(_UUID.sub(renumber, json.dumps(body, ensure_ascii=False)))


def expected_for(harness: Harness, name: str) -> dict:
    """{hook: normalised response} for one fixture, as the service answers now. A non-200 answer is kept
    with its status, so a fixture that starts failing shows up as a diff too."""
    result = {}
    for hook in fixture_hooks(harness, name):
        response = harness.post(SERVICE_FOR_HOOK[hook], harness.request(name, hook, hook_instance="golden"))
        body = normalise(response.get_json())
        result[hook] = body if response.status_code == 200 else {"status": response.status_code, "body": body}
    return result


def render(expected: dict) -> str:
    return json.dumps(expected, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def fixture_names() -> list[str]:
    return sorted(path.stem for path in FIXTURES.glob("*.json"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.golden", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="regenerate fhir_fixtures/expected/")
    parser.add_argument("names", nargs="*", metavar="NAME", help="only these fixtures (default: all)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(fixture_names()))
    if unknown:
        print(f"no fixture {', '.join(unknown)} in {FIXTURES} (build it first: python -m tests.fixtures_src.build)",
              file=sys.stderr)
        return 1
    logging.disable(logging.CRITICAL)  # one log line per call would bury the summary
    harness = Harness(make_app())
    names = args.names or fixture_names()
    differing = []
    for name in names:
        text = render(expected_for(harness, name))
        path = EXPECTED / f"{name}.json"
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        differing.append(name)
        if args.write:
            EXPECTED.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    stale = [] if args.names else sorted({p.stem for p in EXPECTED.glob("*.json")} - set(names))
    for name in stale:
        if args.write:
            (EXPECTED / f"{name}.json").unlink()
    verb = "rewrote" if args.write else "differ"
    print(f"{len(names)} fixtures; {len(differing)} {verb}; {len(stale)} stale")
    for name in differing + stale:
        print(f"  {name}")
    return 0 if args.write or not (differing or stale) else 1


if __name__ == "__main__":
    sys.exit(main())
