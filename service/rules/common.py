"""The shared semantics of RULES.md, once: scope, active conditions, drug identity, drafts, history, labs.

Rules call these instead of reading FHIR themselves, so "active", "on a drug", "received PRRT" and
"latest lab" mean the same thing in every rule. Every resource a helper returns has been validated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..dosing import dose_unit
from ..fhirtime import (FhirTime, effective_span, effective_time, local_date, parse_fhir_datetime, parse_fhir_time,
                        within_window)
from ..hook_request import HookRequest
from ..record import Candidates, PatientRecord, codings, concept_text, display_of, reference_key
from ..request_cache import RequestCache
from ..terminology import ICD10CM, CodeEntry, Terminology, ValueSet
from ..when import SCOPE_ROLES  # the roles has_pnet reads (one list: in_scope declares the same)

ACTIVE_CLINICAL = {"active", "recurrence", "relapse"}
EXCLUDED_VERIFICATION = {"refuted", "entered-in-error"}
ACTIVE_ORDER_STATUS = {"active", "on-hold"}
ORDER_INTENTS = {"order", "plan", "original-order", "reflex-order", "filler-order", "instance-order"}
FINAL_RESULT = {"final", "amended", "corrected"}
LOW_FLAGS = {"L", "LL", "LU"}
HIGH_FLAGS = {"H", "HH", "HU"}


class UndeclaredRole(LookupError):
    """A rule asked for a value set role its card file does not declare (a programming error)."""


@dataclass
class RuleContext:
    """Everything a rule may read: the record, the request, the value sets, one `now`, its parameters."""

    record: PatientRecord
    request: HookRequest
    terminology: Terminology
    now: datetime
    params: dict

    uses: dict[str, str] = field(default_factory=dict)  # the card file's `uses:` (role -> value set id)
    rule_id: str = ""
    cache: RequestCache = field(default_factory=RequestCache)  # shared by the rules of one hook call

    def value_set(self, role: str) -> ValueSet:
        """The value set the card file declares for `role` under `uses:`. Refuses a role the card file does
        not declare: what a rule reads must be visible in its card file (it drives the prefetch)."""
        if role not in self.uses:
            raise UndeclaredRole(f"rule {self.rule_id or '?'} reads value set role {role!r}, which its card "
                                 f"file does not declare under `uses:`")
        return self.terminology[self.uses[role]]

    def days(self, name: str) -> timedelta:
        """A time window from the card file's parameters (`<name>` in days)."""
        return timedelta(days=float(self.params[name]))


@dataclass
class DoseEvent:
    """One time a drug was given or a therapy done: when, from which resource, and what kind of evidence."""

    when: datetime
    resource: dict
    # "administration" | "procedure" | "completed order" | "statement" | "active statement" | "active order"
    evidence: str
    span: FhirTime | None = None  # the recorded date as written (a partial date is a span); None: derived
    agent: str | None = None      # PRRT only: "lutetium-177" | "other" (Y-90 dotatoc, unnamed isotope)

    @property
    def partial(self) -> bool:
        """The date was recorded only as a month or a year."""
        return bool(self.span and self.span.partial)


    @property
    def recorded(self) -> str:
        """The date as recorded, a fact for the card's `recorded_date` filter: "2026-05-10", or a partial
        date as written ("2026-05")."""
        return recorded_date(self.span) or self.when.date().isoformat()


def recorded_date(span: FhirTime | None) -> str | None:
    """A recorded date as a fact for the card's `recorded_date` filter: its day ("2026-05-10"), or a partial
    date as written ("2026-05", "2025"); None without a date."""
    if span is None:
        return None
    return span.text if span.partial else span.earliest.date().isoformat()


def dated_event(ctx: "RuleContext", span: FhirTime | None, resource: dict, evidence: str) -> DoseEvent | None:
    """A DoseEvent dated by the recency reading of `span` (a partial date is read as late as it allows,
    capped at now: RULES.md "Partial dates", for the windows where recency makes a card speak)."""
    return DoseEvent(span.recent(ctx.now), resource, evidence, span) if span else None


# --- conditions ---------------------------------------------------------------------------------------

def as_dict(value) -> dict:
    """`value` if it is a JSON object, else {}: raw resources are read before validation, so a field of
    the wrong shape must not raise (validation reports it when the resource is used)."""
    return value if isinstance(value, dict) else {}


def _coded_status(concept: dict | None) -> str | None:
    codings_ = as_dict(concept).get("coding")
    for coding in codings_ if isinstance(codings_, list) else []:
        if isinstance(coding, dict) and coding.get("code"):
            return coding["code"]
    return None


def is_active_condition(condition: dict) -> bool:
    """clinicalStatus active | recurrence | relapse (or absent), and not refuted / entered-in-error."""
    clinical = _coded_status(condition.get("clinicalStatus"))
    verification = _coded_status(condition.get("verificationStatus"))
    return (clinical is None or clinical in ACTIVE_CLINICAL) and verification not in EXCLUDED_VERIFICATION


def conditions_in(ctx: RuleContext, role: str) -> list[dict]:
    """Active conditions that mean the value set of `role`: a code in the set, or (ICD-10-CM) a neoplasm
    code together with the set's functional-activity code on the same patient (both conditions returned).
    Computed once per request; only matching conditions are validated."""
    return _conditions_in_set(ctx, ctx.value_set(role))


def conditions_of_roles(ctx: RuleContext, roles: Iterable[str]) -> list[dict]:
    """Active conditions of any of the roles, each once, in role order."""
    return unique(c for role in roles for c in conditions_in(ctx, role))


def unique(resources: Iterable[dict]) -> list[dict]:
    """Each resource once (by identity: the record hands out the same dict for the same resource), in order."""
    seen: set[int] = set()
    kept: list[dict] = []
    for resource in resources:
        if id(resource) not in seen:
            seen.add(id(resource))
            kept.append(resource)
    return kept


def _conditions_in_set(ctx: RuleContext, value_set: ValueSet) -> list[dict]:
    def compute() -> list[dict]:
        found = _active_with_code_in(ctx, value_set)
        if value_set.pair_functional:
            neoplasm = _active_with_code_in(ctx, {(ICD10CM, code) for code in value_set.pair_neoplasm})
            functional = _active_with_code_in(ctx, {(ICD10CM, code) for code in value_set.pair_functional})
            if neoplasm and functional:
                found += [c for c in neoplasm + functional if c not in found]
        return found
    return ctx.cache.once("conditions", compute, value_set.id)


def _active_with_code_in(ctx: RuleContext, codes) -> list[dict]:
    return ctx.record.valid("Condition", is_active_condition, codes=codes)


def has_pnet(ctx: RuleContext) -> bool:
    """Scope of the service: an active pancreatic neuroendocrine neoplasm of any kind, read through the roles
    of SCOPE_ROLES, which every card file of a rule that judges scope declares under `uses:` (the roles are
    resolved on every call, so a card that lacks one fails whichever rule asks first)."""
    sets = [ctx.value_set(role) for role in SCOPE_ROLES]
    return ctx.cache.once("has-pnet", lambda: any(_conditions_in_set(ctx, value_set) for value_set in sets))


def condition_facts(conditions: list[dict]) -> list[dict]:
    """Conditions as the facts a card words (`{{ found | conditions }}`, card_filters.py): each one's display
    name and the date it is active since (onset, else recorded date), or None."""
    found = []
    for condition in conditions:
        onset = parse_fhir_datetime(condition.get("onsetDateTime") or condition.get("recordedDate"))
        found.append({"name": display_of(condition.get("code"), "condition"), "since": _date(onset)})
    return found


# --- drugs --------------------------------------------------------------------------------------------

def medication_concept(ctx: RuleContext, resource: dict) -> dict | None:
    """The CodeableConcept naming the drug: medicationCodeableConcept, or the referenced Medication's code
    (contained, prefetched, in the drafts, or fetched)."""
    if isinstance(resource.get("medicationCodeableConcept"), dict):
        return resource["medicationCodeableConcept"]
    reference = as_dict(resource.get("medicationReference")).get("reference")
    medication = ctx.record.resolve(reference, resource)
    if medication is None:
        return None
    concept = dict(medication.get("code") or {})
    ingredient_codings = []
    for ingredient in medication.get("ingredient") or []:
        ingredient_codings += (ingredient.get("itemCodeableConcept") or {}).get("coding") or []
    if ingredient_codings:
        concept["coding"] = list(concept.get("coding") or []) + ingredient_codings
    return concept


def drug_entries(ctx: RuleContext, resource: dict) -> list[CodeEntry]:
    """Every known drug code on the resource (any RxNorm level, HCPCS, SNOMED substance)."""
    entries = []
    for coding in codings(medication_concept(ctx, resource)):
        entry = ctx.terminology.drug_entry(coding)
        if entry:
            entries.append(entry)
    return entries


def drug_codings(ctx: RuleContext, resource: dict) -> list[tuple[str, str]]:
    """The drug codes of a medication resource (its own or its Medication's), once per request."""
    by_resource: dict[int, list[tuple[str, str]]] = ctx.cache.once("drug-codings", dict)  # hot: one dict, no closures
    key = id(resource)
    if key not in by_resource:
        by_resource[key] = codings(medication_concept(ctx, resource))
    return by_resource[key]


def is_drug(ctx: RuleContext, resource: dict, value_set_id: str) -> bool:
    """True when the resource's drug has a code in `value_set_id`."""
    value_set = ctx.value_set(value_set_id)
    return any(coding in value_set for coding in drug_codings(ctx, resource))


def drug_name(ctx: RuleContext, resource: dict) -> str:
    return display_of(medication_concept(ctx, resource), "medication")


def ssa_formulation(ctx: RuleContext, resource: dict) -> str | None:
    """short-acting | long-acting | oral for a somatostatin analog, from product codes first; for an
    ingredient-level code, from the text (LAR/depot) and the dose unit (mg depot vs micrograms SC)."""
    for entry in drug_entries(ctx, resource):
        if entry.formulation:
            return entry.formulation
    text = concept_text(medication_concept(ctx, resource)).lower()
    if any(word in text for word in ("lar", "depot", "long-acting", "long acting", "extended")):
        return "long-acting"
    # An order's dose in micrograms is the SC formulation. Records of doses given (administrations, statements)
    # are read by route, then dose, for the washout (RULES.md rule 10 v2: `_ssa_exposure.washout_reading`).
    return "short-acting" if "dosageInstruction" in resource and dose_unit(resource) == "ug" else None


def triggering_drafts(ctx: RuleContext, value_set_id: str) -> list[dict]:
    """Draft orders of `value_set_id` that trigger order rules: the selected ones for order-select,
    all drafts for order-sign, none for patient-view. Cancelled / entered-in-error drafts never count."""
    if ctx.request.hook == "patient-view":
        return []
    selected = set(ctx.request.selections) if ctx.request.hook == "order-select" else None
    return ctx.record.draft_orders(lambda d: d.get("resourceType") != "Medication"
                                   and d.get("status") not in {"cancelled", "entered-in-error", "revoked"}
                                   and (selected is None or reference_key(d) in selected)
                                   and (d.get("resourceType") != "MedicationRequest" or is_drug(ctx, d, value_set_id)))


def planned_date(ctx: RuleContext, draft: dict) -> datetime:
    """RULES.md "Planned date of a draft": the earliest future `dosageInstruction[].timing.event[]` or
    `timing.repeat.boundsPeriod.start`; else `dispenseRequest.validityPeriod.start` when in the future;
    else now. Past values are ignored. A partial date is read as its earliest instant not before now (the
    reading that keeps a washout or interval card speaking)."""
    planned = [max(span.earliest, ctx.now) for span in _timing_starts(draft) if span.latest > ctx.now]
    if planned:
        return min(planned)
    validity = parse_fhir_time(as_dict(as_dict(draft.get("dispenseRequest")).get("validityPeriod")).get("start"))
    if validity and validity.latest > ctx.now:
        return max(validity.earliest, ctx.now)
    return ctx.now


def _timing_starts(draft: dict) -> list[FhirTime]:
    """Every `timing.event` and `timing.repeat.boundsPeriod.start` of a draft's dosage instructions."""
    found = []
    dosages = draft.get("dosageInstruction")
    for dosage in dosages if isinstance(dosages, list) else []:
        timing = as_dict(as_dict(dosage).get("timing"))
        events = timing.get("event")
        values = list(events) if isinstance(events, list) else []
        values.append(as_dict(as_dict(timing.get("repeat")).get("boundsPeriod")).get("start"))
        found += [span for value in values if isinstance(value, str) and (span := parse_fhir_time(value))]
    return found


def draft_medications(ctx: RuleContext, value_set_id: str) -> list[dict]:
    """All draft MedicationRequests of `value_set_id` (as data, whatever the hook's selections)."""
    return ctx.record.draft_orders(lambda d: d.get("resourceType") == "MedicationRequest"
                                   and d.get("status") not in {"cancelled", "entered-in-error"}
                                   and is_drug(ctx, d, value_set_id))


def triggering_medication_drafts(ctx: RuleContext, value_set_id: str) -> list[dict]:
    return [d for d in triggering_drafts(ctx, value_set_id) if d.get("resourceType") == "MedicationRequest"]


def active_medications(ctx: RuleContext, value_set_id: str, statement_window: timedelta | None = None) -> list[DoseEvent]:
    """On a drug: active/on-hold orders (intent order/plan), and administrations or statements within
    `statement_window` of now (when a window is given)."""
    events = []
    requests = ctx.record.valid("MedicationRequest", lambda r: r.get("status") in ACTIVE_ORDER_STATUS
                                and r.get("intent") in ORDER_INTENTS and is_drug(ctx, r, value_set_id))
    for request in requests:
        when = parse_fhir_datetime(request.get("authoredOn")) or ctx.now
        events.append(DoseEvent(when, request, "active order"))
    if statement_window is not None:
        for event in administrations(ctx, value_set_id, include_statements=True):
            if within_window(event.when, ctx.now, statement_window):
                events.append(event)
    return events


ORDER_ON_RECORD_STATUS = {"active", "on-hold", "completed", "stopped"}
STATEMENT_ON_RECORD_STATUS = {"active", "completed", "intended", "on-hold", "stopped"}


def medication_records(ctx: RuleContext, value_set_id: str) -> list[dict]:
    """Every record that the patient had the drug, whatever its date: an order that was or is in force
    (active, on-hold, completed, stopped), an administration (not entered in error), a statement (active,
    completed, intended, on-hold, stopped). Drafts are not records (draft_medications). Matched by drug first;
    only the matches are validated."""
    def drug(resource: dict) -> bool:
        return is_drug(ctx, resource, value_set_id)
    found = ctx.record.valid("MedicationRequest", lambda r: r.get("status") in ORDER_ON_RECORD_STATUS and drug(r))
    found += ctx.record.valid("MedicationAdministration", lambda a: a.get("status") != "entered-in-error" and drug(a))
    found += ctx.record.valid("MedicationStatement", lambda s: s.get("status") in STATEMENT_ON_RECORD_STATUS and drug(s))
    return found


def administrations(ctx: RuleContext, value_set_id: str, include_statements: bool = False) -> list[DoseEvent]:
    """Received a drug (history), newest first: completed administrations, completed orders (dated by
    validity end, else authoredOn) and, when asked, statements — each with its date (a partial date read
    as late as it allows, capped at now; `DoseEvent.span` keeps it as recorded). Resources are matched by
    drug first and only the matches are validated."""
    def matching(kind: str, statuses: set[str]) -> list[dict]:
        return ctx.record.valid(kind, lambda r: r.get("status") in statuses and is_drug(ctx, r, value_set_id))

    events = []
    for administration in matching("MedicationAdministration", {"completed"}):
        events.append(dated_event(ctx, effective_span(administration), administration, "administration"))
    for request in matching("MedicationRequest", {"completed"}):
        validity = ((request.get("dispenseRequest") or {}).get("validityPeriod") or {})
        span = parse_fhir_time(validity.get("end")) or parse_fhir_time(request.get("authoredOn"))
        events.append(dated_event(ctx, span, request, "completed order"))
    if include_statements:
        for statement in matching("MedicationStatement", {"active", "completed", "intended"}):
            events.append(_statement_event(ctx, statement))
    return sorted((e for e in events if e), key=lambda event: event.when, reverse=True)


def _statement_event(ctx: RuleContext, statement: dict) -> DoseEvent | None:
    """An active statement whose period is open (or ends in the future) means the drug is taken now (evidence
    "active statement": the date of the last dose is not recorded); any other statement is dated as recorded."""
    period = as_dict(statement.get("effectivePeriod"))
    end = parse_fhir_time(period.get("end"))
    if statement.get("status") == "active" and period.get("start") and (end is None or end.earliest > ctx.now):
        start = parse_fhir_time(period["start"])
        if start and start.earliest <= ctx.now:
            return DoseEvent(ctx.now, statement, "active statement", start)
    return dated_event(ctx, effective_span(statement), statement, "statement")


# --- PRRT ---------------------------------------------------------------------------------------------

def prrt_history(ctx: RuleContext) -> list[DoseEvent]:
    """RULES.md "Received PRRT", the one reading every rule uses (PRRT scope, course, surveillance):
    Lu-177 dotatate given or completed, or a radionuclide therapy Procedure that names the agent (Lu-177
    dotatate, Y-90 dotatoc) in its codes or text; up to now (a dose dated after now is a data error and
    never counts), one per day, newest first. Each event's `agent` says whether it was Lu-177 dotatate
    ("lutetium-177") or another radionuclide ("other"). Computed once per hook call."""
    return ctx.cache.once("prrt-history", lambda: _dedupe_same_day(
        sorted((event for event in _prrt_events(ctx) if event.when <= ctx.now),
               key=lambda event: event.when, reverse=True)))


def in_prrt_scope(ctx: RuleContext) -> bool:
    """RULES.md "Scope" for the PRRT rules: an active pancreatic NET, or PRRT received (`prrt_history`)."""
    return has_pnet(ctx) or bool(prrt_history(ctx))


def _prrt_events(ctx: RuleContext) -> list[DoseEvent]:
    events = [DoseEvent(e.when, e.resource, e.evidence, e.span, LU177)
              for e in administrations(ctx, "lutetium-lu177-dotatate")]
    lutetium, prrt = ctx.value_set("lutetium-lu177-dotatate"), ctx.value_set("prrt-procedure")
    for procedure in ctx.record.valid("Procedure", lambda p: p.get("status") == "completed"):
        codes = codings(procedure.get("code"))
        used = [c for device in procedure.get("usedCode") or [] for c in codings(device)]
        text = " ".join([concept_text(procedure.get("code"))] +
                        [concept_text(device) for device in procedure.get("usedCode") or []])
        agent_coded = any(c in lutetium for c in codes + used)
        therapy_with_agent = any(c in prrt for c in codes) and (agent_coded or prrt.matches_text(text))
        event = dated_event(ctx, effective_span(procedure), procedure, "procedure")
        if event and (agent_coded or therapy_with_agent):
            event.agent = LU177 if agent_coded or _names_lutetium_dotatate(text) else "other"
            events.append(event)
    return events


LU177 = "lutetium-177"
_OTHER_PRRT_AGENT = re.compile(r"\b(?:dotatoc|edotreotide|dotanoc|y-?90|90-?y|yttrium)\b", re.IGNORECASE)
_LU177_AGENT = re.compile(r"\b(?:lutathera|dotatate)\b", re.IGNORECASE)


def _names_lutetium_dotatate(text: str) -> bool:
    """Procedure text naming Lu-177 dotatate and no other PRRT agent or isotope ("Y-90 DOTATOC" is not)."""
    return bool(_LU177_AGENT.search(text)) and not _OTHER_PRRT_AGENT.search(text)


def _dedupe_same_day(events: list[DoseEvent]) -> list[DoseEvent]:
    """One dose per day: an administration and its Procedure are the same treatment."""
    seen, unique = set(), []
    for event in events:
        day = event.when.date()
        if day not in seen:
            seen.add(day)
            unique.append(event)
    return unique


# --- labs ---------------------------------------------------------------------------------------------

def result_time(ctx: RuleContext, observation: dict) -> datetime | None:
    """effective_time of a result, parsed once per request (lab value sets overlap)."""
    times = _result_times(ctx)
    key = id(observation)
    if key not in times:
        times[key] = effective_time(observation)
    return times[key]


def _result_times(ctx: RuleContext) -> dict[int, datetime | None]:
    return ctx.cache.once("result-times", dict)  # hot: one dict per call, read without closures


def _dated_results(ctx: RuleContext, value_set_id: str) -> Candidates:
    """Final/amended/corrected results in the value set that have a time, newest first, as Candidates:
    callers validate only what they use (validation dominates the cost). Their times are in `_result_times`."""
    value_set = ctx.value_set(value_set_id)

    def dated_final(observation: dict) -> bool:
        return observation.get("status") in FINAL_RESULT and result_time(ctx, observation) is not None

    def newest_full_first(observation: dict) -> tuple[datetime | None, bool]:
        """A result's earliest reading, and on a tie the fully dated one first (RULES.md "Partial dates": a
        partial date never outranks a full date when choosing the latest result)."""
        span = effective_span(observation)
        return times[id(observation)], not (span and span.partial)

    times = _result_times(ctx)
    return ctx.cache.once("lab-results", lambda: ctx.record.select("Observation", dated_final, codes=value_set)
                          .newest_first(newest_full_first), value_set.id)


def observations(ctx: RuleContext, value_set_id: str) -> list[dict]:
    """Final/amended/corrected results with a code in `value_set_id`, newest first (validated)."""
    return _dated_results(ctx, value_set_id).all()


def latest_observation(ctx: RuleContext, value_set_id: str, within: timedelta | None = None) -> dict | None:
    """The newest result of the lab (within the window from now, in calendar days, when given), or None.
    A partial date is read as its earliest instant (age triggers "overdue" cards; recency silences them).
    Only the result returned is validated."""
    results, times = _dated_results(ctx, value_set_id), _result_times(ctx)
    latest_allowed = ctx.now + timedelta(days=1)

    def not_future(observation: dict) -> bool:  # a result dated in the future is a data error: it must not
        return times[id(observation)] <= latest_allowed  # type: ignore[operator]  # mask the real latest

    def too_old(observation: dict) -> bool:  # newest first: every later result is older still
        when = times[id(observation)]
        return when <= latest_allowed and not within_window(min(when, ctx.now), ctx.now, within)  # type: ignore[operator,type-var,arg-type]
    return results.first(not_future, until=too_old if within is not None else None)


def below_threshold(value: float, comparator: str | None, threshold: float) -> bool | None:
    """Is a result below the threshold, its comparator honoured? ">60" is not below 60, "<45" is; ">45" and
    "<90" cannot be said (None), nor can a comparator that is not <, <=, >, >=."""
    if comparator in (None, ""):
        return value < threshold
    if comparator in ("<", "<="):
        return True if (value <= threshold if comparator == "<" else value < threshold) else None
    if comparator in (">", ">="):
        return False if value >= threshold else None
    return None


def quantity(observation: dict) -> tuple[float, str] | None:
    """(value, unit) of valueQuantity, or None."""
    value = observation.get("valueQuantity") or {}
    if isinstance(value.get("value"), (int, float)):
        return float(value["value"]), str(value.get("code") or value.get("unit") or "")
    return None


def interpretation_flags(observation: dict) -> set[str]:
    return {c.get("code") for i in observation.get("interpretation") or [] for c in i.get("coding") or []
            if isinstance(c, dict)}


def is_below_range(observation: dict) -> bool:
    """Flagged L/LL, or value below referenceRange.low in the same unit (no flag and no range: False)."""
    return _outside(observation, LOW_FLAGS, "low", lambda value, bound: value < bound)


def is_above_range(observation: dict) -> bool:
    """Flagged H/HH, or value above referenceRange.high in the same unit."""
    return _outside(observation, HIGH_FLAGS, "high", lambda value, bound: value > bound)


def _outside(observation: dict, flags: set[str], side: str, beyond) -> bool:
    """The lab's own verdict: its interpretation flag, else its reference range bound on `side`."""
    if interpretation_flags(observation) & flags:
        return True
    measured = quantity(observation)
    for reference in observation.get("referenceRange") or []:
        bound = reference.get(side) or {}
        if measured and isinstance(bound.get("value"), (int, float)) and _same_unit(bound, measured[1]):
            return beyond(measured[0], float(bound["value"]))
    return False


def _same_unit(bound: dict, unit: str) -> bool:
    bound_unit = str(bound.get("code") or bound.get("unit") or "")
    return not bound_unit or not unit or bound_unit == unit


def result_facts(observation: dict) -> dict:
    """A lab result as the facts a card words (`{{ result | lab_result }}`, card_filters.py): name, value
    (with its comparator: ">60" must not read as 60) and unit, or the coded value; the first reference range
    with a bound (or its text); the L/H interpretation flags; the date. `converted` is the rule's to fill."""
    measured = quantity(observation)
    return {
        "name": display_of(observation.get("code"), "result"),
        "value": measured[0] if measured else None,
        "comparator": as_dict(observation.get("valueQuantity")).get("comparator") or "",
        "unit": measured[1] if measured else "",
        "coded_value": "" if measured else display_of(observation.get("valueCodeableConcept"), ""),
        "range": _first_range(observation),
        "flags": sorted(interpretation_flags(observation) & (LOW_FLAGS | HIGH_FLAGS)),
        "date": _date(effective_time(observation)),
        "converted": None,
    }


def _first_range(observation: dict) -> dict | None:
    """The first reference range with a low or high bound (`{low, high}`) or a text (`{text}`), or None."""
    for reference in observation.get("referenceRange") or []:
        low, high = (reference.get("low") or {}).get("value"), (reference.get("high") or {}).get("value")
        if low is not None or high is not None:
            return {"low": low, "high": high}
        if reference.get("text"):
            return {"text": reference["text"]}
    return None


def _date(when: datetime | None) -> str | None:
    return when.date().isoformat() if when else None


def panel_or_components(ctx: RuleContext, panel_role: str,
                        component_roles: list[str]) -> list[tuple[FhirTime, list[dict]]]:
    """When a panel was resulted, newest first, with the results that make it: each result of `panel_role`,
    and each calendar date (or partial date) on which every one of `component_roles` was resulted (a lone
    component is not the panel: RULES.md v2, a CBC is a CBC panel or hemoglobin + WBC + platelets of one date).
    Results dated after today are ignored; on a tie a full date comes before a partial one."""
    found = [(span, [o]) for o in observations(ctx, panel_role) if (span := effective_span(o))]
    by_date: dict = {}
    for role in component_roles:
        for observation in observations(ctx, role):
            span = effective_span(observation)
            if span:
                key = span.text if span.partial else local_date(span.earliest)
                by_date.setdefault(key, {}).setdefault(role, (span, observation))
    for seen in by_date.values():
        if len(seen) == len(component_roles):
            spans = [span for span, _ in seen.values()]
            found.append((min(spans, key=lambda s: s.earliest), [o for _, o in seen.values()]))
    return sorted((item for item in found if local_date(item[0].earliest) <= local_date(ctx.now)),
                  key=lambda item: (item[0].earliest, not item[0].partial), reverse=True)


# --- orders on record ---------------------------------------------------------------------------------

def service_requests(ctx: RuleContext, value_set_id: str, statuses: set[str]) -> list[dict]:
    """ServiceRequests on record with a code in `value_set_id` and one of `statuses`."""
    return ctx.record.valid("ServiceRequest", lambda s: s.get("status") in statuses, codes=ctx.value_set(value_set_id))


def draft_service_requests(ctx: RuleContext, value_set_id: str) -> list[dict]:
    """Draft ServiceRequests (this ordering session) with a code in `value_set_id`."""
    value_set = ctx.value_set(value_set_id)
    return ctx.record.draft_orders(lambda d: d.get("resourceType") == "ServiceRequest"
                                   and d.get("status") not in {"cancelled", "entered-in-error", "revoked"}
                                   and any(c in value_set for c in codings(d.get("code"))))
