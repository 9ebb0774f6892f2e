"""Extraction measured against hand labels of real letters: precision and recall per field.

    python -m engine.letters.measure [LABELS] [LETTERS_DIR] [--json]

LABELS defaults to ``tests/data/corpus_labels.yaml`` (values keyed by case number, see its .md),
LETTERS_DIR to ``../shared/corpus/imr-2016-17/pdf``. For every labelled field: *precision* is the
share of the values the reader gave (not null/unknown) that equal the label; *recall* the share of
the labelled values (not null/unknown) that the reader gave correctly. Items are compared in letter
order. Fields the rules read are marked: they are the ones issue 9 holds to a recall of 0.8.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, ConfigDict, Field

from engine.errors import InputError
from engine.letters.extract import AUTHORIZED_PART, letter_to_case
from engine.cases.facts import Case
from engine.letters.reader import Letter, read_letter
from engine.cases.terms import drug_service, find_drugs

# Fields the rules read (directly, or through the judged date and the fact document).
RULE_READ = {
    "header.decision_date", "header.date_of_injury", "claimant.age", "claimant.work_status",
    "exam_neurologic", "functional_improvement.documented", "prior_treatments.service", "prior_treatments.sessions",
    "item.outcome", "item.service", "item.quantity", "item.authorized",
}
_UNKNOWN = (None, "unknown", [], "")


class Score(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str
    labelled: int = Field(description="labelled values that are not null/unknown")
    given: int = Field(description="values the reader gave that are not null/unknown")
    correct: int
    precision: float | None
    recall: float | None
    rules_read: bool


class _Tally:
    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {}

    def add(self, name: str, label: Any, got: Any) -> None:
        label, got = _plain(label), _plain(got)
        c = self.counts.setdefault(name, [0, 0, 0])
        c[0] += label not in _UNKNOWN
        c[1] += got not in _UNKNOWN
        c[2] += label not in _UNKNOWN and got == label

    def scores(self) -> list[Score]:
        return [Score(field=name, labelled=lab, given=giv, correct=cor,
                      precision=round(cor / giv, 3) if giv else None,
                      recall=round(cor / lab, 3) if lab else None, rules_read=name in RULE_READ)
                for name, (lab, giv, cor) in self.counts.items()]


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date,)):
        return value.isoformat()
    if hasattr(value, "value"):
        value = value.value
    if isinstance(value, str):
        return " ".join(value.split()).lower()
    if isinstance(value, list):
        return sorted(_plain(v) for v in value)
    return value


def measure(labels: dict[str, Any], letters_dir: Path) -> tuple[list[Score], list[str]]:
    """Scores per field over the labelled letters found in ``letters_dir``; and the letters that
    could not be read (each as a one-line error)."""
    read: dict[str, tuple[Letter, Case]] = {}
    errors = []
    for case_number in labels:
        try:
            letter = read_letter(str(letters_dir / f"{case_number}.pdf"))
            read[case_number] = (letter, letter_to_case(letter))
        except InputError as e:
            errors.append(str(e))
    return score(labels, read), errors


def score(labels: dict[str, Any], read: dict[str, tuple[Letter, Case]]) -> list[Score]:
    """Scores per field over the labelled letters that were read (case number -> letter, case)."""
    tally = _Tally()
    for case_number, label in labels.items():
        if case_number in read:
            _compare(tally, label, *read[case_number])
    return tally.scores()


def _compare(t: _Tally, label: dict[str, Any], letter: Letter, case: Case) -> None:
    for name, value in (label.get("header") or {}).items():
        t.add(f"header.{name}", value, getattr(letter.header, name))
    reviewer = label.get("reviewer") or {}
    t.add("reviewer.licensure", reviewer.get("licensure"), letter.credentials.licensure_states)
    t.add("reviewer.specialty", reviewer.get("specialty"), letter.credentials.specialties)
    claimant = label.get("claimant") or {}
    for name in ("age", "sex", "work_status"):
        t.add(f"claimant.{name}", claimant.get(name), getattr(case.claimant, name))
    t.add("exam_neurologic", label.get("exam_neurologic"), case.exam.neurologic)
    items = label.get("items") or []
    if items:
        kind = items[0]["service"]
        entries = [x for x in case.treatments if x.modality.value == kind]
        got = entries[0].functional_improvement if entries else None
        # The labels say "none" where the summary documents no gain, which the case format leaves
        # unknown unless a lack is stated; both mean "not documented" to the rules. What is measured
        # is the finding the rules need to approve: improvement documented.
        t.add("functional_improvement.documented",
              True if label.get("functional_improvement") == "documented" else None,
              True if got is not None and got.value == "documented" else None)
    _prior(t, label.get("prior_treatments") or [], case, letter)
    t.add("items.count", len(items), len(letter.items))
    for i, want in enumerate(items):
        got_item = letter.items[i] if i < len(letter.items) else None
        _item(t, want, got_item)


# The case file's own words for treatments outside the service taxonomy, as the labels name them;
# self-care and work modification are not treatments the labels count.
_MODALITY_AS_SERVICE = {"medication": "medication_other", "bracing": "durable_medical_equipment",
                        "injection": "injection_other", "home_exercise": None, "self_care": None,
                        "work_modification": None}


def _given_prior(case: Case, letter: Letter) -> dict[str, int | None]:
    # Sessions a partial approval authorized are added to the course (engine.letters.extract); the labels
    # describe the summary alone, so they are taken off again here.
    authorized: dict[str, int] = {}
    for item in letter.items:
        if item.authorized_quantity is not None:
            authorized[item.service.value] = authorized.get(item.service.value, 0) + item.authorized_quantity
    given: dict[str, int | None] = {}
    for x in case.treatments:
        if x.notes == AUTHORIZED_PART:
            continue  # read from the determination, not the summary the labels describe
        service = _MODALITY_AS_SERVICE.get(x.modality.value, x.modality.value)
        if service is not None:
            extra = authorized.get(x.modality.value, 0) if x.approved else 0
            given[service] = None if x.sessions is None else x.sessions - extra
    # Medications are recorded by name (case.medications); their classes are the labels' services.
    for m in case.medications:
        for drug, _ in find_drugs(m.name):
            service = drug_service(drug)
            given.setdefault(service.value, None)
    return given


def _prior(t: _Tally, labelled: list[dict[str, Any]], case: Case, letter: Letter) -> None:
    wanted = {x["service"]: x.get("sessions") for x in labelled}
    given = _given_prior(case, letter)
    for service in wanted.keys() | given.keys():
        t.add("prior_treatments.service", service if service in wanted else None,
              service if service in given else None)
        if service in wanted and service in given:
            t.add("prior_treatments.sessions", wanted[service], given[service])
        elif wanted.get(service) is not None:
            t.add("prior_treatments.sessions", wanted[service], None)


def _item(t: _Tally, want: dict[str, Any], got: Any) -> None:
    def g(name: str) -> Any:
        return getattr(got, name) if got is not None else None

    t.add("item.outcome", want["outcome"], g("outcome"))
    t.add("item.category", want["category"], g("category"))
    t.add("item.service", want["service"], g("service"))
    # A compound's ingredients are a set: "lidocaine/menthol" is "menthol/lidocaine".
    t.add("item.drug", _ingredients(want.get("drug")), _ingredients(g("drug")))
    t.add("item.drug_class", want.get("drug_class"), g("drug_class"))
    # An MRI with no count written is one study to the reader (quantity_implied); the labels leave
    # a count that is not written null.
    t.add("item.quantity", want.get("quantity"), None if g("quantity_implied") else g("quantity"))
    t.add("item.authorized", want.get("authorized"), g("authorized_quantity"))
    partial = bool(got is not None and got.original_request)
    t.add("item.partial", want.get("partial") or None, partial or None)
    cited = (want.get("citation") or {})
    first = got.citations[0] if got is not None and got.citations else None
    for name in ("kind", "guideline", "edition_year", "sections"):
        t.add(f"item.citation.{name}", cited.get(name), _citation_value(first, name))


def _ingredients(drug: str | None) -> list[str] | None:
    return sorted(" ".join(x.split()).lower() for x in drug.split("/")) if drug else None


def _citation_value(c: Any, name: str) -> Any:
    if c is None:
        return None
    if name == "sections" and c.kind == "non_mtus":
        return [x for x in (c.chapter, c.topic) if x]
    return getattr(c, name)


def table(scores: Iterable[Score]) -> str:
    rows = ["| field | labelled | precision | recall | rules read |", "|---|---:|---:|---:|:-:|"]
    for s in scores:
        p = "-" if s.precision is None else f"{s.precision:.2f}"
        r = "-" if s.recall is None else f"{s.recall:.2f}"
        rows.append(f"| {s.field} | {s.labelled} | {p} | {r} | {'yes' if s.rules_read else ''} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.letters.measure", description=__doc__.split("\n")[0])
    parser.add_argument("labels", nargs="?", default="tests/data/corpus_labels.yaml")
    parser.add_argument("letters", nargs="?", default="../shared/corpus/imr-2016-17/pdf")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        labels = yaml.safe_load(Path(args.labels).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        print(f"{args.labels}: cannot read the labels ({type(e).__name__})", file=sys.stderr)
        return 2
    if not isinstance(labels, dict) or not Path(args.letters).is_dir():
        print(f"{args.labels if not isinstance(labels, dict) else args.letters}: expected a labels "
              "mapping and a folder of letters", file=sys.stderr)
        return 2
    scores, errors = measure(labels, Path(args.letters))
    for e in errors:
        print(e, file=sys.stderr)
    if args.json:
        print(json.dumps([s.model_dump() for s in scores], indent=2))
    else:
        print(f"{len(labels) - len(errors)} labelled letters read\n")
        print(table(scores))
    return 2 if errors else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
