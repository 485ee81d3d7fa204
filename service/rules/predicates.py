"""Named predicates for a card file's `when:` (issue 13): a rule whose logic is a conjunction of these needs
no Python module.

    when:
      - drafted: {role: sunitinib}          # triggering draft orders of a drug role (or a list of roles)
          # new_start: true          keeps new starts only (RULES.md v2 "Renewal")
          # new_combination_with: R  a renewal speaks only when a drug of role R is newly given with it
          # formulation: long-acting keeps drafts of that formulation (short-acting | long-acting | oral)
          # also: {role: R, if: P}   adds the drafts of role R when predicate P holds
          # speak: each | first | once   a card per draft (default), on the first draft only, or one card
          #                              about the patient (per: patient) naming the first draft's drug
      - in_scope: {}                        # an active pancreatic neuroendocrine neoplasm (has_pnet)
      - condition: {role: insulinoma, fact: insulinoma}   # an active condition (role or roles); its label
      - not: {nec: {}}                      # no pancreatic neuroendocrine carcinoma on record (fact: its label)
      - flag: {role: insulinoma-malignant, fact: malignant}   # never fails: true/false as a fact
      - flag: {fact: offer_x, holds: P}                       # never fails: whether P holds, as a fact
      - named: {fact: bp_missing, holds: P}                   # P, and whether it held, as a fact
      - label: {role: pnet, fact: pnet}     # never fails: the conditions' label as a fact
      - any: [{condition: {role: a}}, {condition: {role: b}}]   # every alternative is read (their facts kept)
      - on_drug: {role: somatostatin-analogs, window: on_ssa_window_days}   # window: a parameter (days)
      - given_with: {role: everolimus, fact: everolimus}   # draft / active order / active statement
      - active_order: {role: somatostatin-analogs, formulation: long-acting, fact: ssa}
      - recorded: {role: octreotide, formulation: [short-acting, unknown]}
      - latest_lab: {role: tsh, window: tsh_window_days, range: below, at_least: p, below: p, unit: mL/min}
      - latest_lab: {role: cbc-panel, all_of: [hemoglobin, leukocytes, platelets]}   # a panel, or all on one date
      - ordered: {role: tsh, window: p}     # a draft order, or (window) an active one authored within it
      - among_drafts: {role: lutetium-lu177-dotatate}   # any draft of this session, selected or not
      - received_prrt: {fact: last_prrt}    # PRRT given (common.prrt_history): date, months since, evidence
      - variant: {if: P, then: functional, else: nonfunctional}   # never fails: which card variant

AND semantics, in order (the first failing predicate stops, as the hand-written rules did); `not`, `any`,
`flag`, `named` and `variant` nest. A `drafted` first names the drafts the rule speaks on (`per: draft`, or
`per: patient` with speak: once); without one the rule speaks at most once per call about the patient. No
expression language: predicates with arguments only. The schema (card-file.schema.json) checks the shape, so a
typo stops start-up. service/when.py writes the card file's `trigger:` from the same list.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

from ..cards import Finding
from ..fhirtime import effective_span, format_date, months_between, parse_fhir_time, within_window
from ..record import reference_key
from ..units import convert
from ..when import Predicate, check_shape, role_list
from ._renewal import combination_is_new, new_starts
from ._therapy import given_with, latest_with_component, nec_conditions
from .common import (RuleContext, active_medications, below_threshold, condition_facts, conditions_of_roles,
                     draft_medications, draft_service_requests, drug_name, has_pnet, is_above_range, is_below_range,
                     latest_observation, medication_records, panel_or_components, prrt_history, recorded_date,
                     result_facts, service_requests, ssa_formulation, triggering_medication_drafts, unique)

PENDING_ORDER = {"active", "on-hold"}


@dataclass
class Found:
    """What the predicates read so far: the facts the card quotes, and the card variant."""

    facts: dict = field(default_factory=dict)
    variant: str = "default"


def holds(ctx: RuleContext, predicate: Predicate, found: Found) -> bool:
    """Whether one predicate holds; the facts it hands to the card go into `found`."""
    (name, args), = predicate.items()
    evaluate = _PREDICATES.get(name)
    if evaluate is None:
        raise ValueError(f"unknown predicate {name!r}")  # the schema refuses it first
    return evaluate(ctx, args, found)


def _formulation_of(ctx: RuleContext, resource: dict) -> str:
    return ssa_formulation(ctx, resource) or "unknown"


# --- the predicates -----------------------------------------------------------------------------------

def _condition(ctx: RuleContext, args: dict, found: Found) -> bool:
    conditions = conditions_of_roles(ctx, role_list(args["role"]))
    if conditions and args.get("fact"):
        found.facts[args["fact"]] = condition_facts(conditions)
    return bool(conditions)


def _flag(ctx: RuleContext, args: dict, found: Found) -> bool:
    """Never fails: whether a condition of the role is active (or `holds` holds), as a true/false fact."""
    if "role" in args:
        found.facts[args["fact"]] = bool(conditions_of_roles(ctx, role_list(args["role"])))
    else:
        found.facts[args["fact"]] = holds(ctx, args["holds"], found)
    return True


def _named(ctx: RuleContext, args: dict, found: Found) -> bool:
    """`holds`, and whether it held as a true/false fact (for `any` of two reasons the card names)."""
    found.facts[args["fact"]] = result = holds(ctx, args["holds"], found)
    return result


def _label(ctx: RuleContext, args: dict, found: Found) -> bool:
    found.facts[args["fact"]] = condition_facts(conditions_of_roles(ctx, role_list(args["role"])))
    return True


def _on_drug(ctx: RuleContext, args: dict, found: Found) -> bool:
    """An active order, or given/taken within the window (a parameter, in days), or (drafts: true) a draft."""
    window = ctx.days(args["window"])
    return any(active_medications(ctx, role, statement_window=window)
               or (args.get("drafts") and draft_medications(ctx, role)) for role in role_list(args["role"]))


def _given_with(ctx: RuleContext, args: dict, found: Found) -> bool:
    """A drug of the role given with the triggering one: a draft order of this session, an active order or an
    active statement. Facts: the first one's drug name, and `<fact>_evidence` (which of the three)."""
    given = [item for role in role_list(args["role"]) for item in given_with(ctx, role)]
    if given and args.get("fact"):
        resource, evidence = given[0]
        found.facts[args["fact"]] = drug_name(ctx, resource)
        found.facts[f"{args['fact']}_evidence"] = evidence
    return bool(given)


def _active_order(ctx: RuleContext, args: dict, found: Found) -> bool:
    """An active / on-hold order (intent order or plan) for a drug of the role, of the formulation when one is
    named. Facts: the first one's drug, `<fact>_since` (the day it was ordered) and `<fact>_order_stopped`
    (the order, whole, with status stopped: the resource of a suggestion that stops it)."""
    formulations = role_list(args.get("formulation") or [])
    orders = [event for role in role_list(args["role"]) for event in active_medications(ctx, role)
              if not formulations or _formulation_of(ctx, event.resource) in formulations]
    if orders and args.get("fact"):
        order = orders[0]
        stopped = copy.deepcopy(order.resource)
        stopped["status"] = "stopped"
        found.facts.update({args["fact"]: drug_name(ctx, order.resource), f"{args['fact']}_since": format_date(order.when),
                            f"{args['fact']}_order_stopped": stopped})
    return bool(orders)


def _recorded(ctx: RuleContext, args: dict, found: Found) -> bool:
    """Any record of a drug of the role, of the formulation(s) when named ("unknown" = cannot be told)."""
    formulations = role_list(args.get("formulation") or [])
    records = [r for role in role_list(args["role"]) for r in medication_records(ctx, role) + draft_medications(ctx, role)]
    return any(not formulations or _formulation_of(ctx, r) in formulations for r in records)


def _latest_lab(ctx: RuleContext, args: dict, found: Found) -> bool:
    """The latest final result of the role (within the window when named; with `panel_role`, also a panel
    with a component of the role; with `all_of`, also every one of those roles resulted on one date), and, when
    asked, below / above its own reference range, at least or below a parameter threshold in `unit` (converted
    through UCUM). Facts (None without a result): the result(s) as a list of result facts (worded by the card's
    `lab_result` filter), `<fact>_date` as recorded ("2025-09" for a partial date: the `recorded_date` filter
    words it) and `<fact>_months` (whole months since)."""
    if "all_of" in args:
        return _latest_panel(ctx, args, found)
    within = ctx.days(args["window"]) if "window" in args else None
    if "panel_role" in args:
        result = latest_with_component(ctx, args["role"], args["panel_role"], within)
    else:
        result = latest_observation(ctx, args["role"], within=within)
    _lab_facts(ctx, args, found, effective_span(result) if result else None, [result] if result else [])
    return result is not None and _meets(ctx, args, result)


def _latest_panel(ctx: RuleContext, args: dict, found: Found) -> bool:
    """A panel result, or its components resulted on one date (the procedural reading in common.py)."""
    resulted = panel_or_components(ctx, args["role"], role_list(args["all_of"]))
    span, results = resulted[0] if resulted else (None, [])
    _lab_facts(ctx, args, found, span, results)
    if span is None:
        return False
    return "window" not in args or within_window(min(span.earliest, ctx.now), ctx.now, ctx.days(args["window"]))


def _lab_facts(ctx: RuleContext, args: dict, found: Found, span, results: list[dict]) -> None:
    if args.get("fact"):
        found.facts[args["fact"]] = [result_facts(r) for r in results] or None
        found.facts[f"{args['fact']}_date"] = recorded_date(span)  # worded by the card's recorded_date filter
        found.facts[f"{args['fact']}_months"] = months_between(span.earliest, ctx.now) if span else None


def _meets(ctx: RuleContext, args: dict, result: dict) -> bool:
    if args.get("range") == "below" and not is_below_range(result):
        return False
    if args.get("range") == "above" and not is_above_range(result):
        return False
    if "at_least" in args or "below" in args:
        return _compares(result, args, float(ctx.params[args.get("at_least") or args["below"]]))
    return True


def _compares(result: dict, args: dict, threshold: float) -> bool:
    """The value in the parameter's unit against the threshold; a comparator is honoured (">60" is at least
    60; "<60" is below 60; ">45" is neither at least nor below 60: cannot say, so the predicate fails)."""
    quantity = result.get("valueQuantity") if isinstance(result.get("valueQuantity"), dict) else {}
    value = quantity.get("value")
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    converted = convert(float(value), quantity.get("code") or quantity.get("unit"), args["unit"])
    if converted is None:
        return False
    below = below_threshold(converted, quantity.get("comparator"), threshold)
    return below is False if "at_least" in args else below is True


def _ordered(ctx: RuleContext, args: dict, found: Found) -> bool:
    """An order for a test or service of the role among the draft orders, or (window) an active / on-hold one
    authored within the window (an order without a date does not count)."""
    for role in role_list(args["role"]):
        if draft_service_requests(ctx, role):
            return True
        if "window" in args and any(_authored_within(ctx, order, ctx.days(args["window"]))
                                    for order in service_requests(ctx, role, PENDING_ORDER)):
            return True
    return False


def _authored_within(ctx: RuleContext, order: dict, window) -> bool:
    authored = parse_fhir_time(order.get("authoredOn"))
    return bool(authored and within_window(min(authored.earliest, ctx.now), ctx.now, window))


def _among_drafts(ctx: RuleContext, args: dict, found: Found) -> bool:
    """A draft order of this session (selected or not) for a drug or a test / service of the role."""
    return any(draft_medications(ctx, role) or draft_service_requests(ctx, role) for role in role_list(args["role"]))


def _received_prrt(ctx: RuleContext, args: dict, found: Found) -> bool:
    """The patient has received PRRT (the procedural reading in common.prrt_history). Facts: the last dose's
    date (`<fact>_date`, as recorded, for the `recorded_date` filter), whole months since (`<fact>_months`), and what
    recorded it (`<fact>_evidence`)."""
    doses = prrt_history(ctx)
    if doses and args.get("fact"):
        found.facts.update({f"{args['fact']}_date": doses[0].recorded,
                            f"{args['fact']}_months": months_between(doses[0].when, ctx.now),
                            f"{args['fact']}_evidence": doses[0].evidence})
    return bool(doses)


def _nec(ctx: RuleContext, args: dict, found: Found) -> bool:
    """A pancreatic neuroendocrine carcinoma on record (the procedural reading in _therapy)."""
    nec = nec_conditions(ctx)
    if nec and args.get("fact"):
        found.facts[args["fact"]] = condition_facts(nec)
    return bool(nec)


def _any(ctx: RuleContext, args: list, found: Found) -> bool:
    results = [holds(ctx, item, found) for item in args]  # every alternative: `named` facts of each are kept
    return any(results)


def _variant(ctx: RuleContext, args: dict, found: Found) -> bool:
    """Never fails: the card variant `then` when `if` holds (its facts kept), else `else`."""
    found.variant = args["then"] if holds(ctx, args["if"], found) else args["else"]
    return True


_PREDICATES: dict[str, Callable[[RuleContext, object, Found], bool]] = {
    "in_scope": lambda ctx, args, found: has_pnet(ctx),
    "condition": _condition,
    "flag": _flag,
    "named": _named,
    "label": _label,
    "on_drug": _on_drug,
    "given_with": _given_with,
    "active_order": _active_order,
    "recorded": _recorded,
    "latest_lab": _latest_lab,
    "ordered": _ordered,
    "nec": _nec,
    "among_drafts": _among_drafts,
    "received_prrt": _received_prrt,
    "not": lambda ctx, args, found: not holds(ctx, args, Found()),
    "any": _any,
    "variant": _variant,
}


# --- the rule -----------------------------------------------------------------------------------------

def rule_from_when(when: list[Predicate]) -> Callable[[RuleContext], list[Finding]]:
    """The evaluate function of a declarative rule: per draft when `when:` starts with `drafted` (one finding
    per triggering draft, or on the first, or one about the patient), else per patient (one finding when every
    predicate holds)."""
    check_shape(when)
    if "drafted" not in when[0]:
        return lambda ctx: _patient_finding(ctx, when)
    drafted, rest = when[0]["drafted"], when[1:]

    def evaluate(ctx: RuleContext) -> list[Finding]:
        drafts = drafts_of(ctx, drafted)
        if not drafts:
            return []
        found = Found()
        if not all(holds(ctx, predicate, found) for predicate in rest):
            return []
        if drafted.get("new_combination_with"):
            drafts = _newly_combined(ctx, drafts, drafted["new_combination_with"])
        return _findings(ctx, drafts, drafted.get("speak", "each"), found)
    return evaluate


def drafts_of(ctx: RuleContext, drafted: dict) -> list[dict]:
    """The triggering draft orders a `drafted` predicate names, in role order, each once."""
    drafts = unique(d for role in role_list(drafted["role"]) for d in triggering_medication_drafts(ctx, role))
    also = drafted.get("also")
    if also:
        more = [d for role in role_list(also["role"]) for d in triggering_medication_drafts(ctx, role)]
        if more and holds(ctx, also["if"], Found()):
            drafts = unique(drafts + more)
    if drafted.get("formulation"):
        drafts = [d for d in drafts if _formulation_of(ctx, d) in role_list(drafted["formulation"])]
    if drafted.get("new_start"):  # RULES.md v2 "Renewal": a renewal is not a new start
        drafts = new_starts(ctx, drafts)
    return drafts


def _newly_combined(ctx: RuleContext, drafts: list[dict], partner) -> list[dict]:
    """The drafts that are new starts, or renewals whose combination with the partner drug is new."""
    partners = [item for role in role_list(partner) for item in given_with(ctx, role)]
    return [draft for draft in drafts if combination_is_new(ctx, draft, partners)]


def _findings(ctx: RuleContext, drafts: list[dict], speak: str, found: Found) -> list[Finding]:
    if not drafts:
        return []
    if speak == "once":
        return [Finding(found.variant, {"drug": drug_name(ctx, drafts[0]), **found.facts})]
    chosen = drafts[:1] if speak == "first" else drafts
    return [Finding(found.variant, {"drug": drug_name(ctx, draft), "draft_ref": reference_key(draft), **found.facts})
            for draft in chosen]


def _patient_finding(ctx: RuleContext, when: list[Predicate]) -> list[Finding]:
    found = Found()
    return [Finding(found.variant, found.facts)] if all(holds(ctx, p, found) for p in when) else []
