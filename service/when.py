"""What a card file's `when:` says, read as data (issue 13): its shape, the roles and windows it names, the
`per:` it implies and the `trigger:` text written from it. A leaf (imports nothing of ours): the card loader
checks these at start-up; service/rules/predicates.py evaluates the predicates.
"""

from __future__ import annotations

from typing import Any

Predicate = dict[str, Any]


def check_shape(when: list[Predicate]) -> None:
    """`drafted` at most once, and only first. Raises ValueError."""
    if sum("drafted" in p for p in when) > 1 or any("drafted" in p for p in when[1:]):
        raise ValueError("`drafted` may appear once, as the first predicate")


def per_of(when: list[Predicate]) -> str:
    """"draft" when the rule speaks on drafted orders, else "patient"."""
    return "draft" if "drafted" in when[0] else "patient"


def _arguments(when: list[Predicate]):
    """(name, arguments) of every predicate, `not` and `any` opened."""
    for predicate in when:
        (name, args), = predicate.items()
        if name == "not":
            yield from _arguments([args])
        elif name == "any":
            yield from _arguments(args)
        else:
            yield name, args


def roles_in(when: list[Predicate]) -> set[str]:
    """Every role the predicates name (each must be declared under `uses:`)."""
    return {args["role"] for _, args in _arguments(when) if "role" in args}


def windows_in(when: list[Predicate]) -> set[str]:
    """Every parameter the predicates name as a window (each must be one of the card's parameters)."""
    return {args["window"] for _, args in _arguments(when) if "window" in args}


def describe(when: list[Predicate], uses: dict[str, str]) -> str:
    """The `trigger:` of a declarative rule, written from its `when:`. Raises ValueError on a bad shape."""
    check_shape(when)
    text = "; ".join(_describe(predicate, uses) for predicate in when) + "."
    return text[0].upper() + text[1:]


def _describe(predicate: Predicate, uses: dict[str, str]) -> str:
    (name, args), = predicate.items()
    if name == "drafted":
        start = " that is a new start (not a renewal within the renewal window)" if args.get("new_start") else ""
        return f"A draft order for a drug in value set `{uses[args['role']]}` (role {args['role']}){start}"
    if name == "flag":
        return f"(the card says whether a condition in value set `{uses[args['role']]}` is active)"
    if name == "label":
        return f"(the card names the active conditions in value set `{uses[args['role']]}`)"
    if name == "on_drug":
        return (f"on a drug in value set `{uses[args['role']]}` (an active order, or given or taken within "
                f"`{args['window']}` days)")
    if name == "nec":
        return "a pancreatic neuroendocrine carcinoma on record (code, or ICD-O-3 morphology with a pancreatic site)"
    if name == "in_scope":
        return "the patient has an active pancreatic neuroendocrine neoplasm"
    if name == "condition":
        return f"an active condition in value set `{uses[args['role']]}` (role {args['role']})"
    if name == "not":
        return f"not ({_describe(args, uses)})"
    if name == "any":
        return "any of (" + ", or ".join(_describe(item, uses) for item in args) + ")"
    raise ValueError(f"unknown predicate {name!r}")
