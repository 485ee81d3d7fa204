"""The rule catalog docs/rules.md is generated from the card files and must be committed up to date."""

from __future__ import annotations

from pathlib import Path

import shutil

from pnet_cds.catalog import render_catalog, write_catalog
from pnet_cds.cli import main

from .conftest import ROOT

CARDS = ROOT / "cards"
CATALOG = ROOT / "docs" / "rules.md"


def test_committed_catalog_is_up_to_date():
    assert CATALOG.read_text(encoding="utf-8") == render_catalog(CARDS), \
        "docs/rules.md is out of date: run `pnet-cds catalog` and commit it"


def test_catalog_lists_each_rule_with_its_numbers_links_and_cases():
    text = render_catalog(CARDS)
    section = text[text.index("## 22. `streptozocin-renal-function`"):text.index("## 23.")]
    assert ("warning (variant `renal-impairment`); info (variant `egfr-not-comparable`); "
            "info (variant `no-renal-result`)") in section
    assert "| `egfr_threshold` | 60 |" in section and "| `renal_window_days` | 30 |" in section
    assert '"Streptozocin combinations"' in section
    assert "- fires: `streptozocin-renal-function--egfr-48` (variant `renal-impairment`)" in section
    assert "- silent: `streptozocin-renal-function--no-pnet`" in section
    rule_18 = text[text.index("## 18."):text.index("## 19.")]
    assert "warning (variant `default`); info (variant `schedule-not-readable`)" in rule_18
    assert ("- silent: `temozolomide-pjp-prophylaxis--everolimus-active-five-day-course` (v2 - the partner drug alone "
            "does not call for prophylaxis; the 5-day course is not dose-intense)") in rule_18
    assert "(https://doi.org/10.1200/JCO.22.01013)" in text


def test_check_fails_when_a_card_file_changed(tmp_path):
    cards = tmp_path / "cards"
    shutil.copytree(CARDS, cards, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    target = tmp_path / "rules.md"
    assert write_catalog(cards, target) and write_catalog(cards, target, check=True)
    path = cards / "streptozocin-renal-function.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("egfr_threshold: 60", "egfr_threshold: 45"), encoding="utf-8")
    assert not write_catalog(cards, target, check=True)


def test_cli_check_passes_on_the_committed_catalog(capsys, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)  # --output defaults to docs/rules.md here
    assert main(["catalog", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out
