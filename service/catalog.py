"""The rule catalog `docs/rules.md`, generated from the card files (`pnet-cds catalog`).

One section per rule, in catalog order: id, number, hooks, indicator per variant, the trigger in words, its
numbers (the card file's `parameters`), source and reference, links, and the names of its firing, silent and
todo fixtures. `pnet-cds catalog --check` (and a test) fails when the committed file is out of date.
"""

from __future__ import annotations

import json
from pathlib import Path

from .cards import CardSpec, load_cards

HEADER = """# Rule catalog

Generated from `cards/*.yaml` by `pnet-cds catalog`: do not edit by hand (a test fails when this file is out of
date). The clinical wording of each rule is in its card file; the rule ids are contracts (`card.source.topic.code`).
"""


def render_catalog(cards_dir: Path) -> str:
    """The markdown catalog of every card file in `cards_dir`. Raises CardFileError for a bad card file."""
    specs = sorted(load_cards(cards_dir).values(), key=lambda s: (s.catalog_number or 999, s.id))
    lines = [HEADER, "| # | id | title | hooks | indicator |", "|---|---|---|---|---|"]
    for spec in specs:
        lines.append(f"| {spec.catalog_number or ''} | [`{spec.id}`](#{spec.id}) | {_cell(spec.title)} | "
                     f"{', '.join(spec.hooks)} | {', '.join(sorted(set(_indicators(spec).values())))} |")
    for spec in specs:
        lines += ["", *_section(spec)]
    return "\n".join(lines).rstrip() + "\n"


def _range(bounds: dict | None) -> str:
    if not bounds:
        return "–"
    return f"{bounds['min']}–{bounds['max']}" + (f" ({_cell(bounds['why'])})" if bounds.get("why") else "")


def _section(spec: CardSpec) -> list[str]:
    number = f"{spec.catalog_number}. " if spec.catalog_number else ""
    lines = [f'<a id="{spec.id}"></a>', f"## {number}`{spec.id}` — {spec.title}", "",
             f"- **Version:** {spec.version}",
             f"- **Hooks:** {', '.join(spec.hooks)}",
             "- **Indicator:** " + "; ".join(f"{indicator} (variant `{variant}`)" if len(spec.variants) > 1
                                             else indicator for variant, indicator in _indicators(spec).items()),
             f"- **Trigger:** {' '.join(spec.trigger.split())}",
             f"- **Data:** needs {', '.join(f'`{k}`' for k in spec.needs) or 'nothing'}"
             + (f"; reads {', '.join(f'`{k}`' for k in spec.reads)}" if spec.reads else ""),
             f"- **Value sets:** {', '.join(f'`{v}`' for v in spec.value_sets) or 'none'}",
             "- **Speaks:** " + ("once per triggering draft order (`per: draft`)" if spec.per == "draft"
                                else "at most once per hook call, about the patient (`per: patient`)"),
             f"- **Source:** {spec.source['label']}: {spec.source['reference']}"]
    if spec.links:
        lines.append("- **Links:** " + "; ".join(f"[{link['label']}]({link['url']})" for link in spec.links))
    lines += ["", "Numbers (`parameters`):", ""]
    if spec.parameters:
        lines += ["| parameter | value | a site may set (site configuration) |", "|---|---|---|"]
        lines += [f"| `{name}` | {_value(value)} | {_range(spec.parameter_ranges.get(name))} |"
                  for name, value in spec.parameters.items()]
    else:
        lines.append("none")
    if spec.raw.get("local_policy"):
        lines += ["", "Named on the card as local policy (not from the sources):", ""]
        lines += [f"- {' '.join(text.split())}" for text in spec.raw["local_policy"]]
    lines += ["", "Fixture cases:", ""]
    for kind in ("fires", "silent", "todo"):
        for case in spec.cases.get(kind, []):
            lines.append(f"- {kind}: {_case(case)}")
    return lines


def _indicators(spec: CardSpec) -> dict[str, str]:
    return {name: variant["indicator"] for name, variant in spec.raw["variants"].items()}


def _case(case: str | dict) -> str:
    if isinstance(case, str):
        return f"`{case}`"
    notes = []
    if case.get("variant"):
        notes.append(f"variant `{case['variant']}`")
    if case.get("hooks"):
        notes.append("on " + ", ".join(case["hooks"]))
    if case.get("why"):
        notes.append(case["why"])
    return f"`{case['fixture']}`" + (f" ({'; '.join(notes)})" if notes else "")


def _value(value) -> str:
    return _cell(value if isinstance(value, str) else json.dumps(value))


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_catalog(cards_dir: Path, target: Path, check: bool = False) -> bool:
    """Write `target` (or, with `check`, only compare). Returns True when the file is (now) up to date."""
    text = render_catalog(cards_dir)
    current = target.read_text(encoding="utf-8") if target.is_file() else None
    if check:
        return current == text
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return True
