"""What a card file's `when:` says, read as data (issue 13): its shape, the roles, parameters and variants it
names, the `per:` it implies and the `trigger:` text written from it. A leaf (imports nothing of ours): the card
loader checks these at start-up; service/rules/predicates.py evaluates the predicates.
"""

from __future__ import annotations

from typing import Any

Predicate = dict[str, Any]

NESTED = {"not", "any", "flag", "named", "variant"}  # predicates that hold other predicates


def check_shape(when: list[Predicate]) -> None:
    """`drafted` at most once, and only first. Raises ValueError."""
    if sum("drafted" in p for p in when) > 1 or any("drafted" in p for p in when[1:]):
        raise ValueError("`drafted` may appear once, as the first predicate")
    if any(name == "drafted" for name, _ in _arguments(when[1:])):
        raise ValueError("`drafted` may appear once, as the first predicate")


def per_of(when: list[Predicate]) -> str:
    """"draft" when the rule speaks on drafted orders, else "patient" (also for `drafted` with speak: once)."""
    drafted = when[0].get("drafted")
    return "draft" if drafted is not None and drafted.get("speak", "each") != "once" else "patient"


def role_list(value: str | list[str]) -> list[str]:
    """A `role:` argument is one role or a list of roles (any of them)."""
    return [value] if isinstance(value, str) else list(value)


def _inner(name: str, args: Any) -> list[Predicate]:
    """The predicates nested in one predicate's arguments."""
    if name == "not":
        return [args]
    if name == "any":
        return list(args)
    if name in ("flag", "named"):
        return [args["holds"]] if "holds" in args else []
    if name == "variant":
        return [args["if"]]
    if name == "drafted" and "also" in args:
        return [args["also"]["if"]]
    return []


def _arguments(when: list[Predicate]):
    """(name, arguments) of every predicate, nested ones included."""
    for predicate in when:
        (name, args), = predicate.items()
        yield name, args
        yield from _arguments(_inner(name, args))


# The roles a predicate reads without naming them: service concepts with one reading (the scope of the service,
# a pancreatic NEC, PRRT received) (each card that uses the
# predicate must declare them under `uses:` all the same, so the prefetch asks for their codes).
SCOPE_ROLES = ("pnet", "insulinoma", "gastrinoma", "vipoma", "glucagonoma", "somatostatinoma")  # has_pnet too (common imports it)
IMPLIED_ROLES = {"in_scope": SCOPE_ROLES, "nec": ("neuroendocrine-carcinoma", "pnet"),
                 "received_prrt": ("lutetium-lu177-dotatate", "prrt-procedure")}


def roles_in(when: list[Predicate]) -> set[str]:
    """Every role the predicates name or imply (each must be declared under `uses:`)."""
    roles: set[str] = set()
    for name, args in _arguments(when):
        roles.update(IMPLIED_ROLES.get(name, ()))
        for key in ("role", "panel_role", "new_combination_with", "all_of"):
            if key in args:
                roles.update(role_list(args[key]))
        if "also" in args:
            roles.update(role_list(args["also"]["role"]))
    return roles


def windows_in(when: list[Predicate]) -> set[str]:
    """Every parameter the predicates name as a window or a threshold (each must be one of the card's
    parameters)."""
    return {args[key] for _, args in _arguments(when) for key in ("window", "at_least", "below") if key in args}


def variants_in(when: list[Predicate]) -> set[str]:
    """Every card variant a `variant:` predicate may choose (each must be one of the card's variants); a rule
    without one speaks with the variant `default`."""
    found = {value for name, args in _arguments(when) if name == "variant" for value in (args["then"], args["else"])}
    return found or {"default"}


def describe(when: list[Predicate], uses: dict[str, str]) -> str:
    """The `trigger:` of a declarative rule, written from its `when:`. Raises ValueError on a bad shape."""
    check_shape(when)
    text = "; ".join(_describe(predicate, uses) for predicate in when) + "."
    return text[0].upper() + text[1:]


def _sets(role: str | list[str], uses: dict[str, str]) -> str:
    """"value set `a`" or "value sets `a`, `b` or `c`"."""
    names = [f"`{uses[r]}`" for r in role_list(role)]
    if len(names) == 1:
        return f"value set {names[0]}"
    return f"value sets {', '.join(names[:-1])} or {names[-1]}"


def _fact(args: dict, what: str = "") -> str:
    return f" (the card quotes {what or 'it'} as `{args['fact']}`)" if args.get("fact") else ""


def _formulations(value: str | list[str]) -> str:
    return " or ".join(role_list(value))


def _describe(predicate: Predicate, uses: dict[str, str]) -> str:
    (name, args), = predicate.items()
    describe_one = _DESCRIBE.get(name)
    if describe_one is None:
        raise ValueError(f"unknown predicate {name!r}")
    return describe_one(args, uses)


def _describe_drafted(args: dict, uses: dict[str, str]) -> str:
    text = f"A draft order for a drug in {_sets(args['role'], uses)}"
    if "also" in args:
        text += (f", or for a drug in {_sets(args['also']['role'], uses)} when "
                 f"{_describe(args['also']['if'], uses)}")
    if args.get("formulation"):
        text += f", of {_formulations(args['formulation'])} formulation"
    if args.get("new_start"):
        text += ", that is a new start (not a renewal of an order active or ended within the renewal window)"
    if args.get("new_combination_with"):
        text += (f", that is a new start or, when it renews an order, is newly combined with a drug in "
                 f"{_sets(args['new_combination_with'], uses)} (drafted now, or begun after the renewed order, "
                 f"or undated)")
    speak = args.get("speak", "each")
    if speak == "first":
        text += " (one card, on the first such draft)"
    elif speak == "once":
        text += " (one card about the patient, naming the first such draft's drug)"
    return text


def _describe_lab(args: dict, uses: dict[str, str]) -> str:
    text = f"the latest final result in {_sets(args['role'], uses)}"
    if "panel_role" in args:
        text += f" (or a panel in {_sets(args['panel_role'], uses)} with such a component)"
    if "all_of" in args:
        text += (f" (or results in every one of {_sets(args['all_of'], uses).replace(' or ', ' and ')} on one "
                 f"calendar date; a lone one does not count)")
    if "window" in args:
        text += f" is within `{args['window']}` days"
    else:
        text += " exists"
    tests = []
    if args.get("range") == "below":
        tests.append("is below its reference range (flag L/LL, or below referenceRange.low)")
    if args.get("range") == "above":
        tests.append("is above its reference range (flag H/HH, or above referenceRange.high)")
    if "at_least" in args:
        tests.append(f"is at least `{args['at_least']}` {args['unit']} (converted through UCUM)")
    if "below" in args:
        tests.append(f"is below `{args['below']}` {args['unit']} (converted through UCUM)")
    if tests:
        text += " and " + " and ".join(tests)
    return text + _fact(args, "the result, its date and the months since")


_DESCRIBE = {
    "drafted": _describe_drafted,
    "in_scope": lambda args, uses: (f"the patient has an active pancreatic neuroendocrine neoplasm of any kind "
                                    f"({_sets(list(SCOPE_ROLES), uses).replace(' or ', ' and ')})"),
    "condition": lambda args, uses: (f"an active condition in {_sets(args['role'], uses)}"
                                     + _fact(args, "its label")),
    "flag": lambda args, uses: (
        f"(the card says whether a condition in {_sets(args['role'], uses)} is active)" if "role" in args
        else f"(the card says as `{args['fact']}` whether {_describe(args['holds'], uses)})"),
    "named": lambda args, uses: f"{_describe(args['holds'], uses)} (the card says so as `{args['fact']}`)",
    "label": lambda args, uses: f"(the card names the active conditions in {_sets(args['role'], uses)})",
    "on_drug": lambda args, uses: (
        f"on a drug in {_sets(args['role'], uses)} (an active order, or given or taken within "
        f"`{args['window']}` days{', or among this session’s draft orders' if args.get('drafts') else ''})"),
    "given_with": lambda args, uses: (
        f"a drug in {_sets(args['role'], uses)} is given with it (a draft order of this session, an active "
        f"order or an active statement)" + _fact(args, "the drug and the evidence")),
    "active_order": lambda args, uses: (
        f"an active order for a drug in {_sets(args['role'], uses)}"
        + (f" of {_formulations(args['formulation'])} formulation" if args.get("formulation") else "")
        + _fact(args, "the drug, the date ordered and the order set to stopped")),
    "recorded": lambda args, uses: (
        f"a record of a drug in {_sets(args['role'], uses)}"
        + (f" of {_formulations(args['formulation'])} formulation" if args.get("formulation") else "")
        + " (an order in force or past, an administration, a statement, or a draft of this session)"),
    "latest_lab": _describe_lab,
    "ordered": lambda args, uses: (
        f"an order for a test or service in {_sets(args['role'], uses)} among the draft orders"
        + (f", or active and authored within `{args['window']}` days" if "window" in args else "")),
    "among_drafts": lambda args, uses: (f"a draft order of this session (selected or not) for a drug or a test in "
                                        f"{_sets(args['role'], uses)}"),
    "received_prrt": lambda args, uses: (
        f"the patient has received PRRT (`{uses['lutetium-lu177-dotatate']}` given or ordered and completed, or a "
        f"completed procedure in `{uses['prrt-procedure']}` naming the agent)"
        + _fact(args, "the last dose's date, the months since and the evidence")),
    "nec": lambda args, uses: (f"a pancreatic neuroendocrine carcinoma on record (a code in "
                               f"`{uses['neuroendocrine-carcinoma']}`, or its ICD-O-3 morphology, with a pancreatic site "
                               f"or beside a neoplasm in `{uses['pnet']}`)" + _fact(args, "its label")),
    "not": lambda args, uses: f"not ({_describe(args, uses)})",
    "any": lambda args, uses: "any of (" + ", or ".join(_describe(item, uses) for item in args) + ")",
    "variant": lambda args, uses: (f"the card is `{args['then']}` when {_describe(args['if'], uses)}, "
                                   f"else `{args['else']}`"),
}
