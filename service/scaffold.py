"""`pnet-cds new-rule ID`: a new declarative rule in one step (issue 13, "a rule in one place").

It writes, in a checkout of the repository (never over an existing file):

    cards/<id>.yaml                          uses:, when:, per:, one variant, source placeholders, cases:
    tests/fixtures_src/<id_underscored>.py   one patient the rule fires on, one near miss it stays silent on
    fhir_fixtures/<id>--*.json               built by `python -m tests.fixtures_src.build NAME ...`
    fhir_fixtures/expected/<id>--*.json      built by `python -m tests.golden --write NAME ...`

and regenerates what a new rule changes (`hooks.json` prefetch, `docs/rules.md`). The example `when:` is
`drafted` (with --drug) → `in_scope` → `condition` (with --condition); the fixtures are built from the first
code of each value set. Placeholders are marked PLACEHOLDER: they validate, so the rule runs at once, and
tests/test_scaffold.py fails while a committed card file still holds one.

    ScaffoldError        the request is refused (bad or taken id, unknown value set, a file that exists)
    └── NotACheckout     run from an installed wheel: there is no repository to write into
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import catalog, discovery
from .cards import CardFileError, load_card_file, load_cards
from .rules import module_name
from .rules.common import SCOPE_ROLES
from .terminology import ICD10CM, LOINC, RXNORM, SNOMED, load_terminology

PLACEHOLDER = "PLACEHOLDER"
RULE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")  # kebab-case; the card schema's pattern, starting with a letter
ROLE = re.compile(r"^[a-z][a-z0-9-]*$")
MAX_ID_LENGTH = 60
CHECKOUT_MARKERS = ("pyproject.toml", "cards", "service/rules", "tests/fixtures_src/build.py", "fhir_fixtures")
DRUG_HOOKS = ["order-select", "order-sign"]
PATIENT_HOOKS = ["patient-view"]
PACKAGE_DIR = Path(__file__).resolve().parent  # service/ in a checkout, site-packages/pnet_cds in a wheel


class ScaffoldError(Exception):
    """The scaffold refuses: the message says what to change."""


class NotACheckout(ScaffoldError):
    """No repository checkout to write into (an installed wheel)."""


@dataclass(frozen=True)
class Role:
    name: str
    value_set: str
    title: str
    coding: tuple[str, str, str]  # (system, code, display) of the code the fixtures use
    source: str  # where the value set says that code comes from

    @property
    def fact(self) -> str:
        return self.name.replace("-", "_")

    @property
    def provenance(self) -> str:
        return f"from cards/valuesets/{self.value_set}.yaml" + (f" ({self.source})" if self.source else "")


@dataclass
class Plan:
    """Everything `new-rule` will write, decided before any file is touched."""

    root: Path
    rule_id: str
    catalog_number: int
    title: str
    indicator: str
    drug: Role | None
    condition: Role | None
    source_label: str
    source_reference: str

    @property
    def hooks(self) -> list[str]:
        return DRUG_HOOKS if self.drug else PATIENT_HOOKS

    @property
    def firing(self) -> str:
        """The firing fixture's name: what the patient has (`<id>--ici-with-gastrinoma`)."""
        if self.drug:
            return f"{self.rule_id}--{self.drug.name}-" + (f"with-{self.condition.name}" if self.condition else "in-pnet")
        return f"{self.rule_id}--{self.condition.name if self.condition else 'pnet'}-active"

    @property
    def near_miss(self) -> str:
        return f"{self.rule_id}--{self.condition.name if self.condition else 'pnet'}-resolved"

    @property
    def card_path(self) -> Path:
        return self.root / "cards" / f"{self.rule_id}.yaml"

    @property
    def module_path(self) -> Path:
        return self.root / "tests" / "fixtures_src" / f"{module_name(self.rule_id)}.py"

    def fixture_paths(self) -> list[Path]:
        fixtures = self.root / "fhir_fixtures"
        return [directory / f"{name}.json" for directory in (fixtures, fixtures / "expected")
                for name in (self.firing, self.near_miss)]


# --- where -------------------------------------------------------------------------------------------------

def find_checkout(start: Path, package_dir: Path | None = None) -> Path:
    """The repository checkout holding `start` (or, for an editable install used from elsewhere, the one the
    package is installed from). Raises NotACheckout for an installed wheel."""
    for directory in (start.resolve(), *start.resolve().parents, (package_dir or PACKAGE_DIR).parent):
        if all((directory / marker).exists() for marker in CHECKOUT_MARKERS):
            return directory
    raise NotACheckout("new-rule writes the repository's files (cards/, tests/fixtures_src/, fhir_fixtures/): "
                       "run it inside a git checkout of pnet-cds with an editable install "
                       "(pip install -e '.[test]'); an installed wheel has no repository to write into")


# --- what --------------------------------------------------------------------------------------------------

def plan_rule(root: Path, rule_id: str, drug: str | None, condition: str | None, *, title: str | None = None,
              catalog_number: int | None = None, indicator: str = "info", source_label: str | None = None,
              source_reference: str | None = None) -> Plan:
    """Check the request against the checkout and decide every file. Raises ScaffoldError naming the problem."""
    _check_id(root, rule_id)
    if not drug and not condition:
        raise ScaffoldError("name what the rule looks at: --drug ROLE=VALUESET and/or --condition ROLE=VALUESET")
    specs = load_cards(root / "cards")
    terminology = load_terminology(root / "cards" / "valuesets")
    drug_role = _role(drug, "drug", terminology, root) if drug else None
    condition_role = _role(condition, "condition", terminology, root) if condition else None
    if drug_role and condition_role and drug_role.name == condition_role.name:
        raise ScaffoldError(f"--drug and --condition both name role {drug_role.name!r}: give them different roles")
    for role in (drug_role, condition_role):
        if role and role.name in SCOPE_ROLES and role.value_set != role.name:
            raise ScaffoldError(f"role {role.name!r} is one of the scope roles in_scope reads ({', '.join(SCOPE_ROLES)}): "
                                f"it must name value set {role.name!r}; call the role something else")
    plan = Plan(root=root, rule_id=rule_id, catalog_number=_catalog_number(specs, catalog_number),
                title=title or f"{PLACEHOLDER}: title of {rule_id} (as in RULES.md)", indicator=indicator,
                drug=drug_role, condition=condition_role,
                source_label=source_label or f"{PLACEHOLDER}: the source (guideline, book, topic) of this rule",
                source_reference=source_reference or f"{PLACEHOLDER}: the section of the source")
    taken = [path for path in (plan.card_path, plan.module_path, *plan.fixture_paths()) if path.exists()]
    if taken:
        raise ScaffoldError("refusing to overwrite " + ", ".join(str(p.relative_to(root)) for p in taken))
    return plan


def _check_id(root: Path, rule_id: str) -> None:
    if not RULE_ID.match(rule_id) or len(rule_id) > MAX_ID_LENGTH:
        raise ScaffoldError(f"rule id {rule_id!r} must be kebab-case (lower-case letters and digits in words joined "
                            f"by single hyphens, starting with a letter, at most {MAX_ID_LENGTH} characters), "
                            "e.g. sunitinib-in-insulinoma")
    clashes = [root / "cards" / f"{rule_id}.yaml", root / "cards" / "service" / f"{rule_id}.yaml",
               root / "service" / "rules" / f"{module_name(rule_id)}.py",
               root / "tests" / "fixtures_src" / f"{module_name(rule_id)}.py"]
    existing = [str(path.relative_to(root)) for path in clashes if path.exists()]
    existing += [str(p.relative_to(root)) for p in sorted((root / "fhir_fixtures").glob(f"{rule_id}--*.json"))][:3]
    if existing:
        raise ScaffoldError(f"rule id {rule_id!r} is taken: {', '.join(existing)} exists (pick another id)")


def _role(option: str, kind: str, terminology, root: Path) -> Role:
    """`ROLE=VALUESET` (or `VALUESET`, the role named after it) checked against cards/valuesets/."""
    name, _, value_set_id = option.partition("=") if "=" in option else (option, "=", option)
    if not ROLE.match(name):
        raise ScaffoldError(f"--{kind} {option}: role {name!r} must be lower-case letters, digits and hyphens")
    value_set = terminology.value_sets.get(value_set_id)
    if value_set is None:
        raise ScaffoldError(f"--{kind} {option}: no value set {value_set_id!r} in cards/valuesets/ "
                            f"(one of: {', '.join(sorted(v.id for v in terminology.value_sets.values() if v.kind == kind))})")
    if value_set.kind != kind:
        raise ScaffoldError(f"--{kind} {option}: value set {value_set_id!r} is of kind {value_set.kind!r}, not {kind!r}")
    coding, source = _example_code(root / "cards" / "valuesets" / f"{value_set_id}.yaml", kind)
    return Role(name=name, value_set=value_set_id, title=value_set.title, coding=coding, source=source)


def _example_code(path: Path, kind: str) -> tuple[tuple[str, str, str], str]:
    """The code the fixtures use, as the value set file spells it: a clinical drug (RxNorm SCD, as EHR orders
    carry) or a SNOMED CT disorder, else the file's first code."""
    codes = yaml.safe_load(path.read_text(encoding="utf-8"))["codes"]
    preferred = [c for c in codes if c["system"] == RXNORM and c.get("tty") == "SCD"] if kind == "drug" else \
        [c for c in codes if c["system"] == SNOMED] or [c for c in codes if c["system"] == ICD10CM]
    chosen = (preferred or codes)[0]
    return (chosen["system"], str(chosen["code"]), chosen["display"]), chosen.get("source", "")


def _catalog_number(specs: dict, wanted: int | None) -> int:
    taken = {spec.catalog_number: spec.id for spec in specs.values() if spec.catalog_number}
    if wanted is None:
        return max(taken, default=0) + 1
    if wanted < 1 or wanted in taken:
        raise ScaffoldError(f"catalog number {wanted} is {'taken by ' + taken[wanted] if wanted in taken else 'not >= 1'}")
    return wanted


# --- the card file -----------------------------------------------------------------------------------------

def card_text(plan: Plan) -> str:
    """cards/<id>.yaml: a working declarative rule with its wording and source left to fill in."""
    q = _yaml_string
    uses = [f"  {role.name}: {role.value_set}" for role in (plan.drug, plan.condition) if role]
    uses += ["  # the service's scope: in_scope reads these roles"]
    uses += [f"  {role}: {role}" for role in SCOPE_ROLES if role not in {r.name for r in (plan.drug, plan.condition) if r}]
    when = ([f"  - drafted: {{role: {plan.drug.name}}}"] if plan.drug else []) + ["  - in_scope: {}"]
    if plan.condition:
        when.append(f"  - condition: {{role: {plan.condition.name}, fact: {plan.condition.fact}}}")
    per = ("draft  # speaks once per triggering draft order; its card names that draft (facts.draft_ref)" if plan.drug
           else "patient  # speaks at most once per hook call, about the patient (no draft reference)")
    lines = [
        f"# Scaffolded by `pnet-cds new-rule {plan.rule_id}`: replace every {PLACEHOLDER} (a test fails while one",
        "# remains), then see the README, \"Writing a rule\". Models: cards/sunitinib-in-insulinoma.yaml (per draft),",
        "# cards/vipoma-ssa-not-started.yaml (per patient, parameters, local_policy, a suggestion).",
        f"id: {plan.rule_id}",
        f"catalog_number: {plan.catalog_number}",
        f"title: {q(plan.title)}",
        f"hooks: [{', '.join(plan.hooks)}]",
        f"per: {per}",
        "needs: [conditions]",
        "uses:  # role -> value set (cards/valuesets/<id>.yaml); when: names roles, never value set ids",
        *uses,
        "when:  # named predicates, AND in order (service/rules/predicates.py); trigger: is generated from it",
        *when,
        "source:",
        f"  label: {q(plan.source_label)}",
        f"  reference: {q(plan.source_reference)}",
        "# overrideReasons:, parameters:, local_policy:, parameter_ranges:, links: as in the model card files",
        "variants:",
        "  default:",
        f"    indicator: {plan.indicator}",
        f"    summary: {q(_summary(plan))}",
        "    detail: |",
        *[f"      {line}" if line else "" for line in _detail(plan)],
        "cases:",
        "  fires:",
        f"    - {plan.firing}",
        "  silent:",
        f"    - fixture: {plan.near_miss}",
        f"      why: {q(_near_miss_why(plan))}",
        'version: "1"',
    ]
    return "\n".join(lines) + "\n"


def _yaml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _summary(plan: Plan) -> str:
    if plan.drug and plan.condition:
        return f"{{{{ drug }}}} ordered for a patient with {_plain(plan.condition.title)}"
    if plan.drug:
        return "{{ drug }} ordered for a patient with a pancreatic NET"
    return f"Active {_plain(plan.condition.title)} on record: review the plan"  # type: ignore[union-attr]


def _plain(title: str) -> str:
    """A value set title inside a sentence: "Insulinoma (benign or malignant)" -> "insulinoma"; an acronym
    keeps its capitals ("VIPoma")."""
    text = re.sub(r"\s*\([^)]*\)", "", title).strip()
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _detail(plan: Plan) -> list[str]:
    if plan.drug:
        found = "a draft order for {{ drug }} while the patient has an active pancreatic NET" + (
            f" and {_plain(plan.condition.title)} ({{{{ {plan.condition.fact} | conditions }}}})." if plan.condition else ".")
    else:
        found = f"active {_plain(plan.condition.title)} ({{{{ {plan.condition.fact} | conditions }}}})."  # type: ignore[union-attr]
    return [*textwrap.wrap(f"**Found:** {found}", 110), "",
            f"**Why it matters:** {PLACEHOLDER}: what the source says, with its numbers (every number from RULES.md or",
            "its sources; a number that is local policy goes in parameters: and local_policy:).", "",
            f"**What to do:** {PLACEHOLDER}: what the source recommends instead."]


def _near_miss_why(plan: Plan) -> str:
    if plan.condition:
        return f"the {plan.condition.name} condition is resolved, everything else as in {plan.firing}"
    return f"the pancreatic NET is resolved (out of the service's scope), everything else as in {plan.firing}"


# --- the fixture builder -----------------------------------------------------------------------------------

SYSTEM_CONSTANTS = {SNOMED: "SCT", ICD10CM: "ICD", RXNORM: "RX", LOINC: "LNC"}  # their names in builder.py


def module_text(plan: Plan) -> str:
    """tests/fixtures_src/<id>.py in the style of its neighbours: named builders, a FIXTURES map."""
    roles = [(constant, role) for constant, role in (("DRUG", plan.drug), ("CONDITION", plan.condition)) if role]
    systems = sorted({SYSTEM_CONSTANTS.get(role.coding[0], "") for _, role in roles} - {""})
    codings = []
    for constant, role in roles:
        system, code, display = role.coding
        codings += [f"# {role.provenance}", f"{constant} = coding({SYSTEM_CONSTANTS.get(system) or _py(system)}, "
                    f"{_py(code)}, {_py(display)})"]
    slug = plan.rule_id[:40].rstrip("-")
    return "\n".join([
        f'"""Fixtures for rule {plan.catalog_number} `{plan.rule_id}` (scaffolded by `pnet-cds new-rule`): the',
        'patient it fires on and a near miss that differs in one thing. Add the cases the rule must get right',
        '(other code systems and RxNorm levels, a medicationReference, entered-in-error, a renewal, ...)."""',
        "",
        f"from .builder import {', '.join(['Patient', *systems, 'coding'])}",
        "from .codes import PNET_WD",
        "",
        f'RULE = "{plan.rule_id}"',
        *codings,
        "",
        "",
        *_builder(plan, "fires", f"{slug}-fires", resolved=False),
        "",
        "",
        *_builder(plan, "near_miss", f"{slug}-near-miss", resolved=True),
        "",
        "",
        "FIXTURES = {",
        f'    f"{{RULE}}--{plan.firing.split("--", 1)[1]}": fires,',
        f'    f"{{RULE}}--{plan.near_miss.split("--", 1)[1]}": near_miss,',
        "}",
        "",
    ])


def _py(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a double-quoted Python string, as the neighbours write them


def _builder(plan: Plan, function: str, slug: str, resolved: bool) -> list[str]:
    doc = _near_miss_why(plan) if resolved else "the rule fires: " + _firing_story(plan)
    family = "Scaffold-Near-Miss" if resolved else "Scaffold-Fires"
    pnet_status = ', clinical="resolved"' if resolved and not plan.condition else ""
    lines = [f"def {function}():", f'    """{doc[0].upper() + doc[1:]}."""',
             f'    p = Patient("{slug}", "Alex", "{family}")',
             f"    p.condition(PNET_WD{pnet_status}, onset_days=400)"]
    if plan.condition:
        status = ', clinical="resolved"' if resolved else ""
        lines.append(f"    p.condition(CONDITION{status}, onset_days=200)")
    if plan.drug:
        lines.append("    p.draft_med(DRUG)")
    return [*lines, "    return p"]


def _firing_story(plan: Plan) -> str:
    parts = ["an active pancreatic NET"]
    if plan.condition:
        parts.append(f"an active {plan.condition.name} condition")
    if plan.drug:
        parts.append(f"a draft {plan.drug.name} order")
    return ", ".join(parts)


# --- writing -----------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What `create_rule` did: files created, generated files rewritten, and what its own check found."""

    created: list[Path]
    regenerated: list[str]
    problems: list[str]


def create_rule(plan: Plan, python: str = sys.executable) -> Outcome:
    """Write the card file and fixture builder (never over a file), regenerate hooks.json's prefetch, build the
    two fixtures and their golden cards, check them, regenerate docs/rules.md. On a failure before the check,
    every file it created is removed and hooks.json restored. Raises ScaffoldError."""
    card, module = card_text(plan), module_text(plan)
    _check_card(plan.rule_id, card)
    hooks = plan.root / "hooks.json"
    hooks_before = hooks.read_text(encoding="utf-8")
    created: list[Path] = []
    try:
        created.append(_write_new(plan.card_path, card))
        created.append(_write_new(plan.module_path, module))
        regenerated = ["hooks.json"] if discovery.write(plan.root / "hooks.json", plan.root / "cards") else []
        names = [plan.firing, plan.near_miss]
        created += [plan.root / "fhir_fixtures" / f"{name}.json" for name in names]
        _run(plan.root, python, ["tests.fixtures_src.build", *names])
        created += [plan.root / "fhir_fixtures" / "expected" / f"{name}.json" for name in names]
        _run(plan.root, python, ["tests.golden", "--write", *names])
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        hooks.write_text(hooks_before, encoding="utf-8")
        raise
    catalog.write_catalog(plan.root / "cards", plan.root / "docs" / "rules.md")
    return Outcome(created=created, regenerated=[*regenerated, "docs/rules.md"], problems=check_golden(plan))


def _check_card(rule_id: str, text: str) -> None:
    """The card file loads as the service would load it (schema, roles, per:, templates)."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"{rule_id}.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_card_file(path)
        except CardFileError as exc:  # a bug of the scaffold, or an option it cannot express
            raise ScaffoldError(f"the card file would not load: {exc}") from None


def _write_new(path: Path, text: str) -> Path:
    try:
        with path.open("x", encoding="utf-8") as handle:  # "x": never over an existing file
            handle.write(text)
    except FileExistsError:
        raise ScaffoldError(f"refusing to overwrite {path}") from None
    return path


def _run(root: Path, python: str, module_args: list[str]) -> None:
    """`python -m ...` in the checkout, the service reading the checkout's card files. Raises ScaffoldError."""
    env = {**os.environ, "PNET_CDS_CARDS_DIR": str(root / "cards"), "PNET_CDS_HOOKS_FILE": str(root / "hooks.json"),
           "PNET_CDS_FIXTURES_DIR": str(root / "fhir_fixtures")}
    done = subprocess.run([python, "-m", *module_args], cwd=root, env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise ScaffoldError(f"python -m {' '.join(module_args)} failed:\n{(done.stderr or done.stdout)[-2000:]}")


def check_golden(plan: Plan) -> list[str]:
    """What is wrong with the new golden cards: the rule must speak on every hook of the firing fixture and on
    none of the near miss."""
    expected = plan.root / "fhir_fixtures" / "expected"
    problems = []
    for name, should_fire in ((plan.firing, True), (plan.near_miss, False)):
        answers = json.loads((expected / f"{name}.json").read_text(encoding="utf-8"))
        for hook in plan.hooks:
            cards = (answers.get(hook) or {}).get("cards", [])
            fired = any(card["source"]["topic"]["code"] == plan.rule_id for card in cards)
            if fired != should_fire:
                problems.append(f"{name} ({hook}): the rule {'did not fire' if should_fire else 'fired'}")
    return problems


def report(plan: Plan, outcome: Outcome, python: str = sys.executable) -> str:
    """What was written, what is left to fill in, and the exact commands of the next steps."""
    root = plan.root
    py = _shown(root, Path(python))
    cli = _shown(root, Path(python).parent / "pnet-cds")
    names = f"{plan.firing} {plan.near_miss}"
    placeholders = [line.strip() for line in plan.card_path.read_text(encoding="utf-8").splitlines()
                    if PLACEHOLDER in line and not line.lstrip().startswith("#")]
    lines = ["created:", *[f"  {path.relative_to(root)}" for path in outcome.created],
             "regenerated: " + ", ".join(outcome.regenerated)]
    if outcome.problems:
        lines += ["PROBLEM (the example fixtures do not behave; edit the fixture builder):",
                  *[f"  {problem}" for problem in outcome.problems]]
    if placeholders:
        lines += [f"fill in (the tests fail while cards/{plan.rule_id}.yaml holds {PLACEHOLDER}):",
                  *[f"  {line}" for line in placeholders]]
    lines += [
        f"next (from {root}; README, \"Writing a rule\"):",
        f"  1. edit cards/{plan.rule_id}.yaml (uses:, when:, wording, source) and {plan.module_path.relative_to(root)}",
        f"  2. {py} -m tests.fixtures_src.build {names}",
        f"  3. {py} -m tests.golden --write {names}     # only this rule's golden files",
        f"  4. {py} -m tests.golden                      # existing fixtures the rule now changes: review them",
        f"  5. {cli} catalog && {py} -m pnet_cds.discovery --write",
        f"  6. {py} -m pytest -q tests/test_rule_cases.py tests/test_card_files.py tests/test_golden.py "
        "tests/test_rules_as_data.py tests/test_catalog.py tests/test_scaffold.py",
        f"  7. add rule {plan.catalog_number} `{plan.rule_id}` to RULES.md (the team's catalog, outside the repository)",
    ]
    if PACKAGE_DIR.parent != root:
        lines.append(f"note: pnet_cds is installed from {PACKAGE_DIR.parent}: step 5 reads and writes that checkout")
    return "\n".join(lines)


def _shown(root: Path, path: Path) -> str:
    """A command as the author types it: relative to the checkout when it is inside it."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
