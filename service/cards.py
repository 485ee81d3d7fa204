"""Card files (`cards/<rule-id>.yaml`): loaded and checked at start-up, rendered into CDS Hooks cards.

A card file holds everything a clinical informaticist reviews: wording, indicator, source, links, override
reasons, suggestions (real FHIR resources, as templates), every number the logic uses (`parameters`), and
the fixture cases. Templates are Jinja2 (sandboxed, strict): `{{ last_cbc_date }}` is a fact the rule's
finding carries. Patient-supplied text is escaped for markdown in `detail`, so a resource cannot inject
links or HTML into a card. Rules hand over facts as data and the card file words them, with the filters of
card_filters.py (`lab_result`, `bullets`, `conditions`). A string that is only `{{ fact }}` inside a
suggestion resource is replaced by the fact's value as is (an object, a list, a number).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import jsonschema
import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from . import parameter_ranges
from .card_filters import FILTERS
from .markdown import Markdown, escape_markdown
from .terminology import YAML_LOADER
from .when import describe, per_of, roles_in, variants_in, windows_in

TOPIC_SYSTEM = "urn:pnet-cds:rule-catalog"
SUMMARY_LIMIT = 139
_NATIVE = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}$")


class CardFileError(ValueError):
    """A card file is invalid; the message names the file, the place and how to fix it."""


def _finalize_markdown(value: Any) -> Any:
    if isinstance(value, Markdown):
        return str(value)
    return escape_markdown(value)


_PLAIN = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_MARKDOWN = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, finalize=_finalize_markdown)
for _env in (_PLAIN, _MARKDOWN):  # the card files' filters (card_filters.py), registered once
    _env.filters.update(FILTERS, md=escape_markdown)


@dataclass
class Finding:
    """What a rule found: which variant of its card, and the facts the card's text quotes."""

    variant: str = "default"
    facts: dict = field(default_factory=dict)


@dataclass
class CardSpec:
    """A loaded card file with its templates compiled."""

    id: str
    title: str
    hooks: list[str]
    needs: list[str]
    reads: list[str]
    parameters: dict
    source: dict
    links: list[dict]
    override_reasons: list[dict]
    cases: dict
    trigger: str
    catalog_number: int | None
    uses: dict[str, str]  # role -> value set id (issue 13)
    per: str  # "draft" | "patient": once per triggering draft, or at most once per call (issue 13)
    raw: dict
    when: list = field(default_factory=list)  # declarative rules: named predicates (rules/predicates.py)
    local_policy: list = field(default_factory=list)
    variants: dict[str, dict] = field(default_factory=dict)
    version: str = "0"  # the card file's `version:` (issue 15: in the response extension and the audit trail)
    parameter_ranges: dict = field(default_factory=dict)  # what a site configuration may set (parameter_ranges.py)

    @property
    def value_sets(self) -> list[str]:
        """The value set ids the card file declares under `uses:`, each once, in order."""
        return list(dict.fromkeys(self.uses.values()))

    def indicator(self, variant: str) -> str:
        return self.raw["variants"][variant]["indicator"]


@cache
def card_file_schema() -> dict:
    text = resources.files("pnet_cds").joinpath("schemas/card-file.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def load_card_file(path: Path) -> CardSpec:
    """Read, check and compile one card file. Raises CardFileError saying what to fix."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        raise CardFileError(f"{path}: not valid YAML: {exc}") from None
    validator = jsonschema.Draft202012Validator(card_file_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  at {'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}" for e in errors[:10]]
        raise CardFileError(f"{path}: does not match service/schemas/card-file.schema.json:\n" + "\n".join(lines))
    if data["id"] != path.stem:
        raise CardFileError(f"{path}: id {data['id']!r} must equal the file name (rename one of them)")
    spec = CardSpec(
        id=data["id"], title=data["title"], hooks=data["hooks"], needs=data.get("needs", []),
        reads=data.get("reads", []), parameters=data.get("parameters", {}), source=data["source"],
        links=data.get("links", []), override_reasons=data.get("overrideReasons", []), cases=data["cases"],
        trigger=data.get("trigger", ""), catalog_number=data.get("catalog_number"),
        uses=data["uses"], per=data["per"], when=data.get("when", []), raw=data,
        version=data["version"], parameter_ranges=data.get("parameter_ranges", {}),
    )
    if spec.when:
        _generate_trigger(path, spec)
    undeclared = sorted(parameter_roles(spec.parameters) - set(spec.uses))
    if undeclared:
        raise CardFileError(f"{path}: parameters name roles not declared under uses: {undeclared} (declare "
                            f"each as `role: value-set-id`)")
    range_problems = parameter_ranges.range_problems(spec.parameter_ranges, spec.parameters)
    if range_problems:
        raise CardFileError(f"{path}: " + "; ".join(range_problems))
    try:
        spec.variants = {name: _compile_variant(variant) for name, variant in data["variants"].items()}
        spec.local_policy = [_MARKDOWN.from_string(text).render for text in data.get("local_policy", [])]
    except Exception as exc:  # jinja2.TemplateSyntaxError and friends
        raise CardFileError(f"{path}: a template does not compile: {exc}") from None
    return spec


def _generate_trigger(path: Path, spec: CardSpec) -> None:
    """A declarative rule's `trigger:` is written from its `when:` (issue 13), so it cannot restate the logic
    wrongly; its roles must be declared under `uses:` and its `per:` follow from it."""
    if "trigger" in spec.raw:
        raise CardFileError(f"{path}: a rule with when: has its trigger generated; remove trigger:")
    undeclared = sorted(roles_in(spec.when) - set(spec.uses))
    if undeclared:
        raise CardFileError(f"{path}: when: names roles not declared under uses: {undeclared}")
    try:
        spec.trigger = describe(spec.when, spec.uses)
    except ValueError as exc:
        raise CardFileError(f"{path}: when: {exc}") from None
    if spec.per != per_of(spec.when):
        raise CardFileError(f"{path}: when: {'starts' if per_of(spec.when) == 'draft' else 'does not start'} with "
                            f"drafted, so set per: {per_of(spec.when)}")
    missing = sorted(windows_in(spec.when) - set(spec.parameters))
    if missing:
        raise CardFileError(f"{path}: when: names windows that are not parameters: {missing}")
    unknown = sorted(variants_in(spec.when) - set(spec.raw["variants"]))
    if unknown:
        raise CardFileError(f"{path}: when: names card variants the card file does not have: {unknown}")


def parameter_roles(parameters: dict) -> set[str]:
    """The roles the parameters name: the items of every `<name>_roles` list and the keys of every
    `<name>_by_role` map (issue 13: a value set is named in a card file only under `uses:`)."""
    roles = set()
    for name, value in parameters.items():
        if name.endswith("_roles") and isinstance(value, list):
            roles.update(value)
        elif name.endswith("_by_role") and isinstance(value, dict):
            roles.update(value)
    return roles


def load_cards(directory: Path) -> dict[str, CardSpec]:
    """Every card file in `directory`, by rule id. Raises CardFileError on the first bad file."""
    specs = {}
    for path in sorted(directory.glob("*.yaml")):
        spec = load_card_file(path)
        specs[spec.id] = spec
    if not specs:
        raise CardFileError(f"no card files found in {directory}")
    return specs


def render_card(spec: CardSpec, finding: Finding, patient_id: str,
                new_uuid: Callable[[], str] = lambda: str(uuid.uuid4())) -> dict:
    """The CDS Hooks card for `finding`, with no null or empty values anywhere."""
    if finding.variant not in spec.variants:
        raise KeyError(f"rule {spec.id} has no variant {finding.variant!r}")
    compiled = spec.variants[finding.variant]
    facts = {**spec.parameters, **finding.facts, "patient_id": patient_id, "rule_id": spec.id}
    summary = compiled["summary"](facts).strip()
    if len(summary) > SUMMARY_LIMIT:
        summary = summary[: SUMMARY_LIMIT - 1].rstrip() + "…"
    detail = compiled["detail"](facts).strip() + local_policy_line(spec, facts)
    card = {
        "uuid": new_uuid(),
        "summary": summary,
        "detail": detail,
        "indicator": compiled["indicator"],
        # EHRs (the CDS Hooks Sandbox among them) show source.label under the summary, so the source and
        # its section are named there, once; the rule id is source.topic.code.
        "source": {
            "label": source_label(spec.source),
            "url": spec.source.get("url"),
            "topic": {"system": TOPIC_SYSTEM, "code": spec.id, "display": spec.title},
        },
        "suggestions": [
            _render_suggestion(suggestion, facts, new_uuid)
            for suggestion in compiled["suggestions"]
            if suggestion["when"] is None or facts.get(suggestion["when"])
        ],
        "overrideReasons": spec.override_reasons,
        "links": [{"label": link["label"], "url": link["url"], "type": "absolute"} for link in spec.links],
    }
    if card["suggestions"]:
        card["selectionBehavior"] = compiled["selectionBehavior"]
    return prune_empty(card)


def source_label(source: dict) -> str:
    """"<label>: <reference>", e.g. 'UpToDate: … (topic 90664): "Sunitinib"'."""
    return f"{source['label']}: {source['reference']}"


def local_policy_line(spec: CardSpec, facts: dict) -> str:
    """"Local policy: a; b." for the card detail, naming the numbers that are the site's choice and not the
    guideline's (RULES.md v2), so a reader can tell them apart; "" when the card has none."""
    items = [text for text in (render(facts).strip() for render in spec.local_policy) if text]
    return f"\n\n**Local policy:** {'; '.join(items)}." if items else ""


def prune_empty(value: Any) -> Any:
    """Drop None, empty strings, empty lists and empty objects, recursively (CDS Hooks forbids them)."""
    if isinstance(value, dict):
        pruned = {key: prune_empty(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        items = [prune_empty(item) for item in value]
        return [item for item in items if item not in (None, "", [], {})]
    return value


def _compile_variant(variant: dict) -> dict:
    summary = _PLAIN.from_string(variant["summary"])
    detail = _MARKDOWN.from_string(variant["detail"])
    return {
        "indicator": variant["indicator"],
        "summary": summary.render,
        "detail": detail.render,
        "selectionBehavior": variant.get("selectionBehavior", "at-most-one"),
        "suggestions": [
            {"label": _PLAIN.from_string(s["label"]).render, "when": s.get("when"),
             "isRecommended": s.get("isRecommended"), "actions": [_compile_tree(a) for a in s["actions"]]}
            for s in variant.get("suggestions", [])
        ],
    }


def _compile_tree(node: Any) -> Callable[[dict], Any]:
    """Compile a YAML structure with templates in its strings into one function of the facts."""
    if isinstance(node, dict):
        parts = {key: _compile_tree(item) for key, item in node.items()}
        return lambda facts: {key: part(facts) for key, part in parts.items()}
    if isinstance(node, list):
        items = [_compile_tree(item) for item in node]
        return lambda facts: [item(facts) for item in items]
    if isinstance(node, str) and "{{" in node:
        native = _NATIVE.match(node)
        if native:
            expression = _PLAIN.compile_expression(native.group(1), undefined_to_none=False)
            return lambda facts: _strict(expression(**facts), native.group(1))
        return _PLAIN.from_string(node).render
    return lambda facts: node


def _strict(value: Any, name: str) -> Any:
    if isinstance(value, StrictUndefined):
        str(value)  # raises UndefinedError naming the fact
    return value


def _render_suggestion(suggestion: dict, facts: dict, new_uuid: Callable[[], str]) -> dict:
    return {
        "label": suggestion["label"](facts).strip(),
        "uuid": new_uuid(),
        "isRecommended": suggestion["isRecommended"],
        "actions": [action(facts) for action in suggestion["actions"]],
    }
