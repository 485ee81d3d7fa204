"""The prefetch templates of `hooks.json`, generated from what the card files declare (issue 13).

A rule's card file names the prefetch keys it needs (`needs:`) or reads when present (`reads:`) and the value
sets it reads (`uses:`). The Observation template asks for exactly the LOINC codes of those value sets: a value
set missing from it would silently starve a rule in production, an extra one costs every EHR a larger search.
`python -m pnet_cds.discovery --write` rewrites hooks.json; tests/test_discovery_generated.py fails on drift.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

from .cards import CardSpec, load_cards
from .terminology import LOINC, Terminology, load_terminology

PATIENT = "{{context.patientId}}"
# prefetch key -> FHIR resource type, in the order hooks.json lists them
KEY_TYPES = {
    "conditions": "Condition", "medicationRequests": "MedicationRequest",
    "medicationAdministrations": "MedicationAdministration", "medicationStatements": "MedicationStatement",
    "observations": "Observation", "procedures": "Procedure", "diagnosticReports": "DiagnosticReport",
    "imagingStudies": "ImagingStudy", "serviceRequests": "ServiceRequest",
}
OBSERVATION_TAIL = "&_sort=-date&_count=200"


def observation_codes(specs: Iterable[CardSpec], terminology: Terminology) -> list[str]:
    """LOINC codes of every value set the rules declare, each once, in rule then `uses:` order."""
    codes: dict[str, None] = {}
    for spec in specs:
        for value_set_id in spec.value_sets:
            for system, code in terminology[value_set_id].entries:
                if system == LOINC:
                    codes[code] = None
    return list(codes)


def prefetch_for(hook: str, specs: list[CardSpec], terminology: Terminology) -> dict[str, str]:
    """The prefetch templates of the service for `hook`: the keys its rules need or read."""
    on_hook = [spec for spec in specs if hook in spec.hooks]
    wanted = {key for spec in on_hook for key in spec.needs + spec.reads}
    unknown = sorted(wanted - set(KEY_TYPES))
    if unknown:
        raise ValueError(f"card files name prefetch keys with no template: {unknown}")
    templates = {}
    for key, resource_type in KEY_TYPES.items():
        if key not in wanted:
            continue
        template = f"{resource_type}?patient={PATIENT}"
        if key == "observations":
            codes = observation_codes(on_hook, terminology)
            template += "&code=" + ",".join(f"{LOINC}|{code}" for code in codes) + OBSERVATION_TAIL
        templates[key] = template
    return templates


def ordered_specs(specs: dict[str, CardSpec]) -> list[CardSpec]:
    """Rules in catalog order (as the service evaluates them)."""
    return sorted(specs.values(), key=lambda s: (s.catalog_number or 999, s.id))


def generated_discovery(discovery: dict, cards_dir: Path) -> dict:
    """`discovery` (hooks.json as loaded) with every service's prefetch generated from the card files."""
    specs = ordered_specs(load_cards(cards_dir))
    terminology = load_terminology(cards_dir / "valuesets")
    services = [{**service, "prefetch": prefetch_for(service["hook"], specs, terminology)}
                for service in discovery["services"]]
    return {**discovery, "services": services}


def render(discovery: dict) -> str:
    return json.dumps(discovery, indent=2, ensure_ascii=False) + "\n"


def write(hooks: Path, cards_dir: Path) -> bool:
    """Rewrite `hooks` with the prefetch the card files in `cards_dir` generate. Returns True when it changed."""
    current = hooks.read_text(encoding="utf-8")
    text = render(generated_discovery(json.loads(current), cards_dir))
    if text != current:
        hooks.write_text(text, encoding="utf-8")
    return text != current


def main(argv: list[str] | None = None) -> int:
    """`python -m pnet_cds.discovery [--write]`: print (or write) hooks.json with generated prefetch."""
    args = sys.argv[1:] if argv is None else argv
    from importlib import resources
    hooks = Path(str(resources.files("pnet_cds").joinpath("hooks.json"))).resolve()
    cards_dir = Path(str(resources.files("pnet_cds.card_files")))
    if "--write" in args:
        write(hooks, cards_dir)
    else:
        sys.stdout.write(render(generated_discovery(json.loads(hooks.read_text(encoding="utf-8")), cards_dir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
