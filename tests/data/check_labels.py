"""Check tests/data/corpus_labels.yaml: schema values, and item counts/outcomes against the letters.

Run: python tests/data/check_labels.py   (exit 0 = all good; the letter comparison is skipped when
../shared/corpus/imr-2016-17/pdf is absent). Independent of the project's extractor on purpose: the
labels are ground truth for it, so this reads the PDFs with pypdf and counts item outcomes itself.
"""

from __future__ import annotations

import datetime
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
LABELS = HERE / "corpus_labels.yaml"
CORPUS = HERE.parents[2] / "shared" / "corpus" / "imr-2016-17" / "pdf"

TAXONOMY: dict[str, set[str]] = {
    "pharmaceuticals": {"opioid", "nsaid", "gi_protective", "muscle_relaxant", "benzodiazepine",
                        "anti_epilepsy_drug", "antidepressant", "topical_analgesic", "sleep_aid",
                        "medication_other"},
    "rehabilitation": {"acupuncture", "electroacupuncture", "massage_therapy", "chiropractic",
                       "physical_therapy", "occupational_therapy", "aquatic_therapy", "tens",
                       "rehabilitation_other"},
    "diagnostics": {"mri_lumbar", "mri_cervical", "mri_other", "ct_scan", "x_ray", "electrodiagnostic",
                    "lab_test", "functional_capacity_evaluation", "diagnostic_other"},
    "injections": {"epidural_steroid_injection", "trigger_point_injection", "joint_injection",
                   "injection_other"},
    "surgery": {"surgery", "surgical_assistant", "preoperative_evaluation"},
    "evaluation_management": {"office_visit", "consultation"},
    "durable_medical_equipment": {"durable_medical_equipment"},
    "behavioral_health": {"psychotherapy", "biofeedback", "psychological_evaluation"},
    "programs": {"functional_restoration_program", "inpatient_rehabilitation", "program_other"},
    "home_health": {"home_health"},
    "other": {"transportation", "other"},
}
SERVICES = {s for ss in TAXONOMY.values() for s in ss}
DRUG_CLASSES = {"opioid", "nsaid", "proton_pump_inhibitor", "h2_blocker", "muscle_relaxant",
                "benzodiazepine", "anti_epilepsy_drug", "antidepressant", "topical_analgesic",
                "compound", "sleep_aid", "antiemetic", "other"}
ENUMS = {
    "priority": {"standard", "expedited"},
    "sex": {"female", "male", "unknown"},
    "work_status": {"full_duty", "modified_duty", "off_work", "unknown"},
    "exam_neurologic": {"intact", "equivocal", "nerve_compromise", "unknown"},
    "functional_improvement": {"documented", "none", "unknown"},
    "outcome": {"Upheld", "Overturned"},
    "kind": {"mtus", "non_mtus", "none"},
}
DATE_FIELDS = ("date_assigned", "date_of_injury", "decision_date", "ur_denial_date",
               "application_received")
# An item title ends in ": Upheld" / "is: Overturned", possibly wrapped onto the next line.
OUTCOME = re.compile(r":\s*(Upheld|Overturned)\b")


def check_letter(cn: str, lab: dict) -> list[str]:
    errs: list[str] = []
    say = lambda msg: errs.append(f"{cn}: {msg}")  # noqa: E731
    h = lab["header"]
    if h["case_number"] != cn:
        say("header.case_number differs from key")
    for f in DATE_FIELDS:
        if h[f] is not None and not isinstance(h[f], datetime.date):
            say(f"header.{f} is not a date")
    if h["priority"] not in ENUMS["priority"]:
        say("header.priority")
    for f in ("licensure", "specialty"):
        if not isinstance(lab["reviewer"][f], list):
            say(f"reviewer.{f} is not a list")
    c = lab["claimant"]
    if c["age"] is not None and not isinstance(c["age"], int):
        say("claimant.age")
    for f in ("sex", "work_status"):
        if c[f] not in ENUMS[f]:
            say(f"claimant.{f}")
    for f in ("exam_neurologic", "functional_improvement"):
        if lab[f] not in ENUMS[f]:
            say(f)
    seen = set()
    for p in lab["prior_treatments"]:
        if p["service"] not in SERVICES:
            say(f"prior_treatments service {p['service']!r}")
        if p["service"] in seen:
            say(f"prior_treatments repeats {p['service']!r}")
        seen.add(p["service"])
        if p["sessions"] is not None and not isinstance(p["sessions"], int):
            say("prior_treatments sessions")
    for i, it in enumerate(lab["items"], 1):
        if it["outcome"] not in ENUMS["outcome"]:
            say(f"item {i} outcome")
        if it["category"] not in TAXONOMY or it["service"] not in TAXONOMY[it["category"]]:
            say(f"item {i} category/service {it['category']!r}/{it['service']!r}")
        is_med = it["category"] == "pharmaceuticals"
        if is_med and (it["drug_class"] not in DRUG_CLASSES or not it["drug"]):
            say(f"item {i} medication without drug/drug_class")
        if not is_med and (it["drug"] is not None or it["drug_class"] is not None):
            say(f"item {i} non-medication with a drug")
        for f in ("quantity", "authorized"):
            if it[f] is not None and not isinstance(it[f], int):
                say(f"item {i} {f}")
        if it["authorized"] is not None and not it["partial"]:
            say(f"item {i} authorized without partial")
        cit = it["citation"]
        if cit["kind"] not in ENUMS["kind"] or not isinstance(cit["sections"], list):
            say(f"item {i} citation")
        if cit["kind"] == "mtus" and not cit["guideline"]:
            say(f"item {i} mtus citation without guideline")
        if cit["kind"] == "none" and (cit["guideline"] or cit["sections"]):
            say(f"item {i} 'none' citation with content")
    return errs


def letter_outcomes(path: Path) -> list[str]:
    from pypdf import PdfReader

    r = PdfReader(str(path))
    if r.is_encrypted:
        r.decrypt("")
    text = "\n".join(p.extract_text() or "" for p in r.pages)
    section = text.split("IMR ISSUES, DECISIONS AND RATIONALES", 1)[-1]
    return OUTCOME.findall(section)


def main() -> int:
    labels = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    errs: list[str] = []
    for cn, lab in labels.items():
        errs += check_letter(cn, lab)
    n_items = sum(len(v["items"]) for v in labels.values())
    if CORPUS.is_dir():
        for cn, lab in labels.items():
            pdf = CORPUS / f"{cn}.pdf"
            if not pdf.exists():
                errs.append(f"{cn}: no such letter in the corpus")
                continue
            got = letter_outcomes(pdf)
            want = [it["outcome"] for it in lab["items"]]
            if got != want:
                errs.append(f"{cn}: letter has outcomes {got}, labels have {want}")
    else:
        print(f"corpus not found at {CORPUS}: letter comparison skipped")
    for e in errs:
        print(e)
    print(f"{len(labels)} letters, {n_items} items, {len(errs)} problems")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
