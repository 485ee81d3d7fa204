"""Write `fhir_fixtures/<name>.json` from every fixture module here.

    python -m tests.fixtures_src.build              every fixture (and remove files of fixtures that no longer exist)
    python -m tests.fixtures_src.build NAME ...     only the named fixtures (`pnet-cds new-rule` writes its own)
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from pathlib import Path

import tests.fixtures_src as package

OUT = Path(__file__).resolve().parents[2] / "fhir_fixtures"
NOT_FIXTURES = {"builder", "codes", "build"}


def all_fixtures() -> dict[str, dict]:
    """Every fixture name → its transaction Bundle."""
    bundles = {}
    for module_info in pkgutil.iter_modules(package.__path__):
        if module_info.name in NOT_FIXTURES:
            continue
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        for name, make in module.FIXTURES.items():
            if name in bundles:
                raise ValueError(f"fixture {name} defined twice")
            bundles[name] = make().bundle()
    return bundles


def render(bundle: dict) -> str:
    return json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fixtures_src.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="write only these fixtures (default: all)")
    args = parser.parse_args(argv)
    bundles = all_fixtures()
    unknown = sorted(set(args.names) - set(bundles))
    if unknown:
        print(f"no fixture module defines {', '.join(unknown)}", file=sys.stderr)
        return 1
    OUT.mkdir(exist_ok=True)
    if args.names:
        bundles = {name: bundles[name] for name in args.names}
    else:
        for stale in set(p.stem for p in OUT.glob("*.json")) - set(bundles):
            (OUT / f"{stale}.json").unlink()
    for name, bundle in bundles.items():
        (OUT / f"{name}.json").write_text(render(bundle), encoding="utf-8")
    print(f"wrote {len(bundles)} fixtures to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
