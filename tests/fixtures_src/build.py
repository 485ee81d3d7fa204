"""Write `fhir_fixtures/<name>.json` from every fixture module here: `python -m tests.fixtures_src.build`."""

from __future__ import annotations

import importlib
import json
import pkgutil
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


def main() -> None:
    bundles = all_fixtures()
    OUT.mkdir(exist_ok=True)
    for stale in set(p.stem for p in OUT.glob("*.json")) - set(bundles):
        (OUT / f"{stale}.json").unlink()
    for name, bundle in bundles.items():
        (OUT / f"{name}.json").write_text(render(bundle), encoding="utf-8")
    print(f"wrote {len(bundles)} fixtures to {OUT}")


if __name__ == "__main__":
    main()
