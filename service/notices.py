"""Service cards: what the service itself must tell the clinician, beside the rules' cards.

Today one: `draft-not-checked` (cards/service/draft-not-checked.yaml), when intake found draft orders
that no rule could read. `fold_intake` puts intake's findings into the evaluation: that card, the
extension entries, and the resources intake skipped.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Callable

from .cards import CardSpec, Finding, load_card_file
from .engine import Evaluation
from .intake import Intake

NOT_CHECKED = "draft-not-checked"


@cache
def service_card(card_id: str) -> CardSpec:
    """A service card file from the installed `cards/service/` folder (pnet_cds.card_files.service). Raises
    CardFileError if it is bad."""
    return load_card_file(Path(str(resources.files("pnet_cds.card_files").joinpath("service", f"{card_id}.yaml"))))


def fold_intake(evaluation: Evaluation, intake: Intake, patient_id: str,
                new_uuid: Callable[[], str]) -> None:
    """Add intake's findings to `evaluation` (in place): the not-checked card last, the extension entries,
    and the skipped resources first among `skippedResources`."""
    from .cards import render_card

    evaluation.intake = intake.extension()
    intake.log_summary(evaluation.skipped_resources)
    evaluation.skipped_resources = [p.to_json() for p in intake.skipped] + evaluation.skipped_resources
    notes = intake.unchecked_drafts
    if not notes:
        return
    items = [f"{note.label or note.reference} ({note.reference}): {note.reason}" for note in notes]
    finding = Finding(facts={"count": len(notes), "first": notes[0].label or notes[0].reference, "drafts": items})
    spec = service_card(NOT_CHECKED)
    evaluation.issued.append((NOT_CHECKED, render_card(spec, finding, patient_id, new_uuid)))
    evaluation.fired.append(NOT_CHECKED)
    evaluation.rule_versions[NOT_CHECKED] = spec.version  # the response and the audit name every card's version
