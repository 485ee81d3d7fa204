"""What one hook call computes once and several rules read: a per-call cache with named keys.

Rules share derived facts (the conditions meaning a value set, the PRRT doses received, the drug codes of a
resource …). They are computed on first use and kept here, one RequestCache per evaluation (engine.py makes
it and hands it to every RuleContext), never on the PatientRecord: the record holds the patient's data and
nothing derived from it, so two evaluations of one record cannot see each other's results.

Every key is named below with what it holds; a key that is not named is refused, so a cache entry is
always documented and two helpers cannot use one name for two things.
"""

from __future__ import annotations

from typing import Callable, Hashable, TypeVar

T = TypeVar("T")

# name → what it holds (the qualifier that goes with it)
KEYS = {
    "conditions": "active conditions that mean a value set (value set id)",
    "has-pnet": "the patient is in the service's scope: an active pancreatic NET (none)",
    "drug-codings": "a dict: id of a medication resource → its drug codings (none)",
    "result-times": "a dict: id of an Observation → its effective time (none)",
    "lab-results": "final results of a lab value set, newest first, as record Candidates (value set id)",
    "prrt-history": "PRRT received up to now, newest first (none)",
    "renewal-active-orders": "active orders of some ingredients (frozenset of ingredient concepts)",
    "nec-conditions": "conditions that make the tumour a pancreatic NEC (none)",
}


class UnknownCacheKey(LookupError):
    """A helper used a cache key that KEYS does not name (a programming error)."""


class RequestCache:
    """Values computed once per hook call, under the names of KEYS."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, Hashable], object] = {}

    def once(self, name: str, compute: Callable[[], T], qualifier: Hashable = None) -> T:
        """The value under (`name`, `qualifier`), computed by `compute()` the first time it is asked for."""
        key = (name, qualifier)
        try:
            return self._values[key]  # type: ignore[return-value]  # hot path: asked again and again
        except KeyError:
            pass
        if name not in KEYS:
            raise UnknownCacheKey(f"request cache key {name!r} is not named in request_cache.KEYS")
        value = self._values[key] = compute()
        return value

    def __len__(self) -> int:
        return len(self._values)
