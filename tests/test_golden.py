"""The golden expected cards (tests/golden.py): every fixture on every hook answers exactly as its
`fhir_fixtures/expected/<fixture>.json` says. A deliberate card change is reviewed as a diff of those files:
regenerate them with `python -m tests.golden --write` and read `git diff fhir_fixtures/expected`."""

from __future__ import annotations

import difflib

import pytest

from . import golden
from .conftest import Harness, make_app

_HARNESS = Harness(make_app())


@pytest.mark.parametrize("name", golden.fixture_names())
def test_response_matches_golden_cards(name):
    path = golden.EXPECTED / f"{name}.json"
    assert path.is_file(), f"no golden cards for {name}: run python -m tests.golden --write"
    expected, actual = path.read_text(encoding="utf-8"), golden.render(golden.expected_for(_HARNESS, name))
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"expected/{name}.json", "service now", n=2))
        pytest.fail(f"cards changed for {name} (if intended: python -m tests.golden --write)\n{diff[:4000]}")


def test_no_golden_file_without_its_fixture():
    stale = {p.stem for p in golden.EXPECTED.glob("*.json")} - set(golden.fixture_names())
    assert not stale, f"golden files for fixtures that no longer exist: {sorted(stale)}"


def test_uuids_are_renumbered_per_response():
    body = {"cards": [{"uuid": "uuid-17", "suggestions": [{"uuid": "3f2a9c1e-0b1d-4c5e-8f9a-1b2c3d4e5f60"}]},
                      {"uuid": "uuid-17"}]}
    assert golden.normalise(body) == {"cards": [{"uuid": "uuid-1", "suggestions": [{"uuid": "uuid-2"}]},
                                                {"uuid": "uuid-1"}]}
