"""Case facts extracted from letters: the seeds field by field, the reading rules on small letters,
and the evidence behind every fact."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.letters.extract import letter_to_case
from engine.cases.facts import Case, dump_case, parse_case
from engine.letters.reader import collapse, parse_letter, read_letter
from engine.cases.vocab import EvidenceSource, Improvement

D = dt.date


@pytest.fixture(scope="module")
def cases(seeds: dict[str, Path]) -> dict[str, Case]:
    return {key: letter_to_case(read_letter(str(path))) for key, path in seeds.items()}


def treatments(case: Case | None) -> dict[str, tuple[int | None, int | None, str]]:
    assert case is not None
    return {t.modality.value: (t.sessions, t.approved, t.functional_improvement.value) for t in case.treatments}


def test_claimants(cases: dict[str, Case]) -> None:
    got = {k: (c.claimant.age, c.claimant.sex.value, c.claimant.date_of_injury, c.claimant.work_status.value)
           for k, c in cases.items()}
    assert got == {
        "000": (24, "female", None, "unknown"),
        "001": (None, "unknown", D(2013, 1, 1), "unknown"),  # 001 states no age and no sex
        "002": (59, "male", D(2009, 1, 19), "off_work"),
        "003": (54, "female", D(2012, 8, 6), "unknown"),
        "004": (40, "unknown", D(2013, 2, 28), "unknown"),
    }
    assert cases["001"].claimant.permanent_restrictions is True
    assert all(cases[k].claimant.permanent_restrictions is None for k in ("000", "002", "003", "004"))


def test_case_ids_and_letters(cases: dict[str, Case], seeds: dict[str, Path]) -> None:
    for key, case in cases.items():
        assert case.case_id == seeds[key].stem and case.letter == str(seeds[key])


def test_treatments_of_record(cases: dict[str, Case]) -> None:
    assert treatments(cases["000"]) == {
        "medication": (None, None, "unknown"), "physical_therapy": (None, None, "unknown"),
        "bracing": (None, None, "unknown"), "self_care": (None, None, "unknown"),
        "work_modification": (None, None, "unknown"),
    }
    assert treatments(cases["001"]) == {
        "medication": (None, None, "unknown"), "acupuncture": (None, None, "unknown"),
        "work_modification": (None, None, "unknown"), "physical_therapy": (None, None, "unknown"),
    }
    assert treatments(cases["002"]) == {
        "acupuncture": (None, 6, "unknown"), "massage_therapy": (None, 6, "unknown"),
        "injection": (None, None, "unknown"), "surgery": (None, None, "unknown"),
        "physical_therapy": (None, None, "unknown"), "medication": (None, None, "unknown"),
    }
    # One count for the combined visits, said so, so that nobody reads it as six of each.
    assert cases["002"].treatments[0].notes == "approved count given for combined acupuncture/massage visits"
    assert set(treatments(cases["003"])) == {
        "acupuncture", "trigger_point_injection", "medication", "epidural_steroid_injection",
        "chiropractic", "aquatic_therapy", "physical_therapy",
    }
    assert treatments(cases["004"]) == {
        "medication": (None, None, "unknown"), "physical_therapy": (None, None, "unknown"),
        "chiropractic": (None, None, "unknown"),
    }


def test_unknown_counts_stay_null_never_zero(cases: dict[str, Case]) -> None:
    for case in cases.values():
        assert all(t.sessions != 0 for t in case.treatments)
    acupuncture = next(t for t in cases["001"].treatments if t.modality.value == "acupuncture")
    assert acupuncture.sessions is None and "sessions" in acupuncture.model_fields_set
    i = cases["001"].treatments.index(acupuncture)
    assert "unspecified amounts of acupuncture" in cases["001"].evidence[f"treatments[{i}].sessions"].quote
    pt = cases["001"].treatments[3]
    assert pt.modality.value == "physical_therapy" and pt.sessions is None
    assert "multiple sessions of physical therapy" in cases["001"].evidence["treatments[3].sessions"].quote
    # "another 12 sessions of acupuncture": an earlier course of unknown length.
    assert cases["003"].treatments[0].modality.value == "acupuncture"
    assert "another 12 sessions of acupuncture" in cases["003"].evidence["treatments[0].sessions"].quote


def test_rationale_facts(cases: dict[str, Case]) -> None:
    r000 = cases["000"].rationale_facts
    assert treatments(r000) == {"acupuncture": (0, None, "unknown")}  # "has not yet undergone"
    r001 = cases["001"].rationale_facts
    assert r001 is not None
    assert r001.claimant.work_status.value == "off_work"
    assert r001.functional_status.work_restrictions.value == "unchanged"
    assert r001.functional_status.medication_use.value == "unchanged"
    assert r001.functional_status.adl.value == "unknown"
    assert treatments(r001) == {"acupuncture": (None, None, "none")}  # "lack of functional improvement"
    assert [m.name for m in r001.medications] == ["OxyContin", "Soma", "Lyrica"]
    r002 = cases["002"].rationale_facts
    assert treatments(r002) == {"acupuncture": (None, None, "unknown"), "massage_therapy": (None, None, "unknown")}
    assert "failed to document functional improvement" in str(
        cases["002"].evidence["rationale_facts.treatments[0].functional_improvement"].quote)
    assert treatments(cases["003"].rationale_facts) == {"acupuncture": (None, None, "unknown")}
    r004 = cases["004"].rationale_facts
    assert r004 is not None
    assert treatments(r004) == {"acupuncture": (None, None, "unknown")}
    assert r004.treatments[0].model_fields_set >= {"sessions", "functional_improvement"}
    assert r004.exam.neurologic.value == "intact"
    assert r004.functional_status.medication_use.value == "unchanged"  # "nor ... any decrease"


def test_rationale_facts_are_used_only_when_asked(cases: dict[str, Case]) -> None:
    case = cases["004"]
    assert "acupuncture" not in treatments(case)
    merged = case.with_rationale()
    assert treatments(merged)["acupuncture"] == (None, None, "unknown")
    assert merged.claimant.age == 40 and merged.exam.neurologic.value == "intact"
    assert cases["001"].with_rationale().claimant.work_status.value == "off_work"


def test_medications_and_conditions(cases: dict[str, Case]) -> None:
    meds = [(m.name, m.opioid, m.muscle_relaxant) for m in cases["001"].medications]
    assert meds == [("OxyContin", True, False), ("Soma", False, True), ("Zanaflex", False, True)]
    assert all(not c.medications for k, c in cases.items() if k != "001")
    conditions = {k: [c.value for c in case.conditions] for k, case in cases.items()}
    assert conditions == {
        "000": ["sprain_strain"], "001": ["chronic_pain", "crps"], "002": ["radiculopathy", "bursitis"],
        "003": ["chronic_pain", "radiculopathy"],
        "004": ["chronic_pain", "sprain_strain", "radiculopathy", "herniated_disc"],
    }
    regions = {k: [r.value for r in case.body_regions] for k, case in cases.items()}
    assert regions == {
        "000": ["ankle_foot"], "001": ["cervical_spine", "lumbar_spine", "upper_extremity"],
        "002": ["lumbar_spine", "lower_extremity", "knee"],
        "003": ["cervical_spine", "lumbar_spine", "lower_extremity"],
        "004": ["lumbar_spine", "lower_extremity", "knee", "ankle_foot"],
    }


def test_diagnoses_surgery_exam(cases: dict[str, Case]) -> None:
    assert [d.text for d in cases["000"].diagnoses] == ["sprain of the right foot and ankle"]
    assert [d.text for d in cases["002"].diagnoses] == [
        "status post lumbar surgery", "left gluteal bursitis", "lumbosacral radiculopathy",
        "status post left knee menisectomy", "right knee meniscus tear",
    ]
    assert [d.text for d in cases["004"].diagnoses] == [
        "Lumbar spine strain/sprain", "Left knee sprain/strain", "Right ankle sprain/strain",
        "lumbar spine HNP (Herniated Nucleus Pulposus) with radiculopathy",
    ]
    assert [(s.procedure, s.date, s.body_region.value if s.body_region else None)
            for s in cases["002"].surgery] == [
        ("bilateral lumbar decompression", D(2013, 8, 7), "lumbar_spine"),
        ("left knee menisectomy", None, "knee"),
    ]
    assert cases["004"].exam.neurologic.value == "intact"  # "negative SLR test"
    assert cases["004"].evidence["exam.neurologic"].quote == "negative SLR test"
    assert all(c.exam.red_flags is None for c in cases.values())  # not stated
    assert all(not c.planned_procedures for c in cases.values())


def test_requests(cases: dict[str, Case]) -> None:
    got = [(k, r.service.value, r.quantity, r.date, r.determination.outcome.value if r.determination else None)
           for k, c in sorted(cases.items()) for r in c.requests]
    assert got == [
        ("000", "acupuncture", 12, None, "Upheld"),
        ("001", "acupuncture", 6, D(2014, 12, 25), "Upheld"),
        ("002", "acupuncture", 12, None, "Upheld"),
        ("002", "massage_therapy", 12, None, "Upheld"),
        ("003", "psychotherapy", 12, D(2015, 1, 20), "Overturned"),
        ("003", "acupuncture", 12, D(2015, 1, 20), "Upheld"),
        ("004", "mri_lumbar", 1, D(2013, 10, 8), "Upheld"),
        ("004", "acupuncture", 1, D(2013, 10, 8), "Upheld"),
    ]
    first = cases["000"].requests[0].determination
    assert first is not None
    assert first.guideline == "MTUS Acupuncture Treatment Guidelines"
    assert first.claims_administrator_guideline == "MTUS Acupuncture Treatment Guidelines"
    assert cases["000"].evidence["requests[0].determination.guideline"].quote == (
        "MAXIMUS guideline: Decision based on MTUS Acupuncture Treatment Guidelines."
    )
    assert cases["001"].requests[0].frequency_per_week == 1 and cases["001"].requests[0].duration_weeks == 6


def test_every_quote_is_in_the_letter_and_sources_are_right(
    cases: dict[str, Case], seed_texts: dict[str, str]
) -> None:
    for key, case in cases.items():
        raw = collapse(seed_texts[key])
        assert case.evidence
        for path, evidence in case.evidence.items():
            quotes = evidence.quote if isinstance(evidence.quote, list) else [evidence.quote]
            assert all(q and q in raw for q in quotes), path
            if path.startswith("rationale_facts."):
                assert evidence.source is EvidenceSource.rationale, path
            elif path.startswith("requests") and not path.endswith(".date"):
                # item titles, decisions and guideline lines are the determination's own words
                assert evidence.source is EvidenceSource.determination, path
            else:
                assert evidence.source is EvidenceSource.summary, path
        summary_text = collapse(seed_texts[key]).split("CLINICAL CASE SUMMARY")[1].split("IMR ISSUES")[0]
        for path, evidence in case.evidence.items():
            if not path.startswith(("rationale_facts.", "requests")):
                quotes = evidence.quote if isinstance(evidence.quote, list) else [evidence.quote]
                assert all(q in summary_text for q in quotes), path


def test_cases_round_trip_through_the_case_format(cases: dict[str, Case]) -> None:
    for case in cases.values():
        assert parse_case(dump_case(case)) == case
        assert parse_case(dump_case(case, "json")) == case


# --------------------------------------------------------------- reading rules on small letters


def letter(summary: str, *, title: str = "Acupuncture x 6: Upheld", rationale: str = "Not necessary."):
    text = (
        "HOW THE IMR FINAL DETERMINATION WAS MADE\nThe expert reviewer was selected.\n"
        f"CLINICAL CASE SUMMARY\n{summary}\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "The Final Determination was based on decisions for the disputed items/services set forth below:\n"
        f"{title}\nClaims Administrator guideline: Decision based on MTUS.\n"
        "MAXIMUS guideline: Decision based on MTUS Acupuncture Treatment Guidelines.\n"
        f"Decision rationale: {rationale}\n"
    )
    return letter_to_case(parse_letter(text, "cases/small.txt"))


def test_counts_approvals_and_improvement() -> None:
    case = letter(
        "The patient has had 12 sessions of physical therapy without benefit. Six acupuncture visits "
        "were approved on 2/14/2014. She completed 6 chiropractic visits with improved function."
    )
    assert treatments(case) == {
        "physical_therapy": (12, None, "none"), "acupuncture": (None, 6, "unknown"),
        "chiropractic": (6, None, "documented"),
    }


def test_a_request_is_not_a_treatment_of_record() -> None:
    case = letter("A request for an acupuncture trial of 12 sessions was made. The provider recommended "
                  "physical therapy.")
    assert case.treatments == []


def test_not_yet_undergone_is_zero() -> None:
    case = letter("The patient has not had acupuncture. Prior treatment includes medications.")
    assert treatments(case) == {"acupuncture": (0, None, "unknown"), "medication": (None, None, "unknown")}


@pytest.mark.parametrize("sentence,status", [
    ("He is off work.", "off_work"),
    ("She is temporarily totally disabled.", "off_work"),
    ("He has returned to full duty.", "full_duty"),
    ("She is working modified duty.", "modified_duty"),
    ("He was off work in 2013 and has returned to full duty.", "unknown"),  # disagreeing statements
    ("Her work status was not documented.", "unknown"),
])
def test_work_status(sentence: str, status: str) -> None:
    assert letter(f"The patient is a 50 year old. {sentence}").claimant.work_status.value == status


@pytest.mark.parametrize("sentence,neurologic", [
    ("Exam showed a positive SLR on the left.", "nerve_compromise"),
    ("He is neurologically intact.", "intact"),
    ("Straight leg raise: negative SLR bilaterally, and decreased sensation in the L5 dermatome.", "equivocal"),
    ("Exam showed tenderness.", "unknown"),
])
def test_neurologic_exam(sentence: str, neurologic: str) -> None:
    assert letter(sentence).exam.neurologic.value == neurologic


def test_red_flags_and_plans() -> None:
    assert letter("There are no red flags.").exam.red_flags == []
    assert [f.value for f in letter("X-rays showed a compression fracture.").exam.red_flags or []] == ["fracture"]
    assert letter("X-rays showed no fracture.").exam.red_flags is None
    assert letter("He is scheduled for lumbar fusion.").planned_procedures == ["lumbar fusion"]


def test_functional_status_in_the_summary() -> None:
    case = letter("The patient reports improved activities of daily living and decreased opioid use. "
                  "Work restrictions remain unchanged.")
    fs = case.functional_status
    assert (fs.adl.value, fs.medication_use.value, fs.work_restrictions.value) == (
        "improved", "reduced", "unchanged")


def test_guideline_statements_in_the_rationale_are_not_facts() -> None:
    case = letter(
        "Prior treatment includes acupuncture.",
        rationale=(
            '"Functional improvement" means a clinically significant improvement in activities of daily '
            "living or a reduction in work restrictions, medication, or dependency on continued medical "
            "treatment. Massage therapy should be limited to 4-6 sessions. Guidelines recommend 3 to 6 "
            "acupuncture treatments."
        ),
    )
    assert case.rationale_facts is None


def test_rationale_improvement_of_the_items_own_service() -> None:
    case = letter(
        "Prior treatment includes acupuncture.",
        rationale="There has been no functional improvement. The request is not medically necessary.",
    )
    assert treatments(case.rationale_facts) == {"acupuncture": (None, None, Improvement.none.value)}
    assert case.evidence["rationale_facts.treatments[0].functional_improvement"].source is EvidenceSource.rationale


def test_no_summary_means_no_clinical_facts() -> None:
    case = letter_to_case(parse_letter("ACUPUNCTURE X 12: Overturned\nDecision rationale: Fine.", "bare.txt"))
    assert case.case_id == "bare" and case.treatments == [] and case.claimant.age is None
    assert case.requests[0].determination is not None
    assert case.requests[0].determination.guideline is None


def test_relief_after_a_treatment(cases: dict[str, Case]) -> None:
    injection = next(t for t in cases["002"].treatments if t.modality.value == "injection")
    assert injection.relief_weeks == 4  # "He had 4 weeks of relief with a gluteal bursa injection."
    i = cases["002"].treatments.index(injection)
    assert cases["002"].evidence[f"treatments[{i}].relief_weeks"].quote == "4 weeks of relief"
    case = letter("She had a lumbar epidural steroid injection with 60% pain relief for six weeks of relief.")
    esi = case.treatments[0]
    assert (esi.modality.value, esi.relief_percent, esi.relief_weeks) == ("epidural_steroid_injection", 60, 6)


@pytest.mark.parametrize("title,details", [
    ("TENS unit purchase: Upheld", {"acquisition": "purchase"}),
    ("TENS unit rental x 30 days: Overturned", {"acquisition": "rental"}),
    ("Transforaminal epidural steroid injection L4-5 and L5-S1: Upheld",
     {"approach": "transforaminal", "levels": 2}),
    ("Interlaminar epidural steroid injection at L5-S1: Upheld", {"approach": "interlaminar", "levels": 1}),
    ("Post-operative physical therapy x 12: Overturned", {"post_surgical": True}),
    ("Maintenance chiropractic care x 6: Upheld", {"purpose": "maintenance"}),
    ("Acupuncture x 6: Upheld", {}),
])
def test_request_details_from_the_item_wording(title: str, details: dict[str, object]) -> None:
    request = letter("A 50 year old.", title=title).requests[0]
    got = request.model_dump(mode="json", include=set(details) | {"acquisition", "approach", "levels",
                                                                   "post_surgical", "purpose"})
    defaults = {"acquisition": "unknown", "approach": "unknown", "levels": None, "post_surgical": None,
                "purpose": "unknown"}
    assert got == {**defaults, **details}


# ------------------------------------- phrasings of real summaries, in sentences written for these tests


@pytest.mark.parametrize("summary,modality,value", [
    # what the treatment helped with, when that is a function
    ("Physical therapy helped with her knee flexibility. She completed 6 sessions of physical therapy.",
     "physical_therapy", "documented"),
    ("Chiropractic care has been helpful with pain and the locking of his back. He had 8 chiropractic "
     "visits. Chiropractic care was also beneficial for his walking.", "chiropractic", "documented"),
    ("She had 6 sessions of physical therapy with fewer episodes of knee buckling.", "physical_therapy",
     "documented"),
    # the other gains the definition names: fewer work restrictions, less medication
    ("He completed 6 acupuncture sessions. After acupuncture his work restrictions were reduced.",
     "acupuncture", "documented"),
    ("She had acupuncture and was able to cut back on her Norco.", "acupuncture", "documented"),
    ("He completed acupuncture and has reduced his use of pain medications.", "acupuncture", "documented"),
    # pain relief alone, or no gain, is not a gain in function
    ("She had physical therapy, which was helpful with pain.", "physical_therapy", "unknown"),
    ("She had physical therapy that did not help with her walking.", "physical_therapy", "none"),
    ("Physical therapy was tried with no change in her flexibility. She had 6 physical therapy sessions. "
     "She did not improve.", "physical_therapy", "none"),
])
def test_functional_improvement_phrasings(summary: str, modality: str, value: str) -> None:
    got = {t.modality.value: t.functional_improvement.value
           for t in letter(summary, title="Physical therapy x 6: Upheld").treatments}
    assert got[modality] == value


def test_less_medication_after_a_treatment_is_that_treatments_gain() -> None:
    case = letter("He completed acupuncture and has reduced his use of pain medications.")
    got = {t.modality.value: t.functional_improvement.value for t in case.treatments}
    assert got == {"acupuncture": "documented", "medication": "unknown"}


def test_improvement_said_before_the_treatment_is_listed() -> None:
    # Summaries often say what a therapy did before they list the treatments had.
    case = letter("On exam the knee bends to 100 degrees. Therapy helped with flexibility. Treatment to date "
                  "has included 6 sessions of physical therapy.", title="Physical therapy x 6: Upheld")
    pt = next(t for t in case.treatments if t.modality.value == "physical_therapy")
    assert (pt.sessions, pt.functional_improvement.value) == (6, "documented")
    # ...and what is said of a treatment the letter does not show was had is not kept.
    case = letter("Acupuncture helped with mobility in other patients she knows.")
    assert all(t.modality.value != "acupuncture" for t in case.treatments)


@pytest.mark.parametrize("sentence,status", [
    ("She is currently working with modification.", "modified_duty"),
    ("Current work status: restricted.", "modified_duty"),
    ("He was placed on modified activity until the next visit.", "modified_duty"),
    ("She reports depression due to her inability to work.", "off_work"),
    # what the claimant could do yields to what he does; a status he had before to a current one
    ("He is not working but is able to return to work with restrictions.", "off_work"),
    ("She is able to return to work with restrictions.", "modified_duty"),
    ("He was at full duty prior to the visit, and was then placed on modified activity.", "modified_duty"),
    ("The notes are silent as to whether he is off work.", "unknown"),
])
def test_work_status_phrasings(sentence: str, status: str) -> None:
    assert letter(f"The patient is a 50 year old. {sentence}").claimant.work_status.value == status


@pytest.mark.parametrize("sentence,neurologic", [
    ("Motor strength is 5 of 5 in the lower extremities.", "intact"),
    ("Strength was 4 of 5 in the left ankle dorsiflexors.", "nerve_compromise"),
    ("She has normal sensation in both hands.", "intact"),
    ("The physical examination showed no abnormal objective findings.", "intact"),
    # a deficit in no nerve's pattern is not nerve compromise
    ("Grip strength was decreased on the right.", "equivocal"),
    ("There was decreased sensation and strength in the bilateral upper extremities.", "equivocal"),
    ("There was generalized weakness of the right arm; the examiner could not isolate a specific "
     "dermatome and was unable to detect any decreased sensation.", "equivocal"),
    ("There was decreased sensation in the upper extremities in the C6 dermatome.", "nerve_compromise"),
    # provocative signs
    ("There was a positive cervical compression test.", "equivocal"),
    ("The foraminal compression test produced pain on the left.", "equivocal"),
    # a negation covers a list of alternatives
    ("He denied radiating pain or associated numbness or weakness; strength is 5 of 5.", "intact"),
])
def test_neurologic_exam_phrasings(sentence: str, neurologic: str) -> None:
    assert letter(sentence).exam.neurologic.value == neurologic
