"""Lumbar and cervical MRI under the MTUS ACOEM Practice Guidelines, 2nd ed.: Chapter 12 Low Back
Complaints (pp. 303-305, 8 CCR 9792.23.5) and Chapter 8 Neck and Upper Back Complaints (pp. 177-179),
each imaging criterion present, absent and unknown, the equivocal exam, and the versions."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.decide.decision import decide_request
from engine.cases.facts import load_case
from helpers import DAY, book, decide

SERVICES = ["mri_lumbar", "mri_cervical"]
LUMBAR_CITE = ("MTUS ACOEM Practice Guidelines (2nd ed., 2004), Chapter 12 Low Back Complaints, "
               "8 CCR 9792.23.5, pp. 303-305")
CERVICAL_CITE = ("MTUS ACOEM Practice Guidelines (2nd ed., 2004), Chapter 8 Neck and Upper Back "
                 "Complaints, 8 CCR 9792.23, pp. 177-179")
NONE_EXAM = {"neurologic": "intact", "red_flags": [], "electrodiagnostic": "negative"}
# Low Back p. 303: nerve compromise warrants imaging in a patient who does not respond to treatment
# (failed conservative care: medication and a physical method that is not a strengthening program).
NOT_RESPONDING = [{"modality": "medication", "failed": True}, {"modality": "chiropractic", "failed": True}]


def compromise(service):
    """The facts under which nerve compromise on examination supports imaging of ``service``."""
    return {"exam": {"neurologic": "nerve_compromise"},
            "treatments": NOT_RESPONDING if service == "mri_lumbar" else ()}


def mri(service, exam=None, treatments=(), planned=(), request=None, **facts):
    """An MRI request; the exam starts from an intact exam with no red flag and negative EMG/NCS."""
    e = dict(NONE_EXAM)
    e.update(exam or {})
    req = {"service": service, "quantity": 1, **(request or {})}
    return decide(req, exam=e, treatments=list(treatments), planned_procedures=list(planned), **facts)


def rule(service, name):
    return f"{service}.{name}"


# Each criterion: the facts that document it, and those that leave it unknown.
CRITERIA = {
    "indication.red_flag": ({"exam": {"red_flags": ["cauda_equina"]}}, {"exam": {"red_flags": None}}),
    "indication.electrodiagnostic": ({"exam": {"electrodiagnostic": "positive"}},
                                     {"exam": {"electrodiagnostic": "unknown"}}),
    "indication.strengthening_program_failed": (
        {"treatments": [{"modality": "physical_therapy", "sessions": 12, "failed": True}]},
        {"treatments": [{"modality": "physical_therapy", "sessions": 12}]}),
}


@pytest.mark.parametrize("service", SERVICES)
def test_no_criterion_with_an_intact_exam_is_upheld(service):
    d = mri(service)
    assert (d.outcome, d.rules, d.confidence) == ("Upheld", [rule(service, "intact_exam.no_indication")], "high")


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("criterion", sorted(CRITERIA))
def test_each_criterion_present_absent_unknown(service, criterion):
    present, unknown = CRITERIA[criterion]
    d = mri(service, **present)
    assert (d.outcome, d.rules) == ("Overturned", [rule(service, criterion)])
    # unknown: not documented, so the intact exam decides
    d = mri(service, **unknown)
    assert (d.outcome, d.rules) == ("Upheld", [rule(service, "intact_exam.no_indication")])


@pytest.mark.parametrize("service", SERVICES)
def test_nerve_compromise_present_intact_unknown(service):
    d = mri(service, **compromise(service))
    assert (d.outcome, d.rules) == ("Overturned", [rule(service, "indication.nerve_compromise")])
    d = mri(service, exam={"neurologic": "intact"})
    assert d.rules == [rule(service, "intact_exam.no_indication")]
    # no neurologic exam described and nothing else documented: no criterion met (low confidence)
    d = mri(service, exam={"neurologic": "unknown"})
    assert (d.outcome, d.rules, d.confidence) == ("Upheld", [], "low")


@pytest.mark.parametrize("service", SERVICES)
def test_planned_invasive_procedure_present_absent(service):
    d = mri(service, planned=["L4-5 transforaminal epidural steroid injection"])
    assert (d.outcome, d.rules) == ("Overturned", [rule(service, "indication.before_invasive_procedure")])
    assert "1 invasive procedure(s) are planned" in d.rationale
    assert mri(service, planned=[]).rules == [rule(service, "intact_exam.no_indication")]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("modality, counts", [
    ("physical_therapy", True), ("aquatic_therapy", True), ("home_exercise", True),
    # not strengthening programs
    ("chiropractic", False), ("acupuncture", False), ("medication", False),
])
def test_which_failed_courses_are_a_strengthening_program(service, modality, counts):
    d = mri(service, treatments=[{"modality": modality, "sessions": None, "failed": True}])
    expected = "indication.strengthening_program_failed" if counts else "intact_exam.no_indication"
    assert d.rules == [rule(service, expected)]


@pytest.mark.parametrize("service", SERVICES)
def test_a_strengthening_program_documented_as_not_failed_is_absent(service):
    d = mri(service, treatments=[{"modality": "physical_therapy", "sessions": 12, "failed": False}])
    assert d.rules == [rule(service, "intact_exam.no_indication")]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("flags", [["fracture"], ["tumor", "infection"], ["progressive_deficit"]])
def test_any_red_flag_supports_imaging(service, flags):
    d = mri(service, exam={"red_flags": flags})
    assert d.outcome == "Overturned"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("edx, extra, outcome, name", [
    ("unknown", {}, "Upheld", "equivocal_exam.no_physiologic_evidence"),
    ("negative", {}, "Upheld", "equivocal_exam.no_physiologic_evidence"),
    ("positive", {}, "Overturned", "indication.electrodiagnostic"),
    ("unknown", {"exam": {"red_flags": ["cauda_equina"]}}, "Overturned", "indication.red_flag"),
    ("unknown", {"planned": ["lumbar decompression"]}, "Overturned", "indication.before_invasive_procedure"),
])
def test_equivocal_exam_needs_further_physiologic_evidence(service, edx, extra, outcome, name):
    extra = dict(extra)  # the parameters are shared between the two services
    exam = {"neurologic": "equivocal", "electrodiagnostic": edx, **extra.pop("exam", {})}
    d = mri(service, exam=exam, **extra)
    assert (d.outcome, d.rules) == (outcome, [rule(service, name)])
    if outcome == "Upheld":
        assert any("electrodiagnostic studies (EMG/NCS)" in t for t in d.to_pass)


@pytest.mark.parametrize("service", SERVICES)
def test_a_diagnosis_label_does_not_substitute_for_exam_findings(service):
    d = mri(service, conditions=["herniated_disc", "radiculopathy", "chronic_pain"],
            diagnoses=[{"text": "lumbar spine HNP with radiculopathy"}])
    assert (d.outcome, d.rules) == ("Upheld", [rule(service, "intact_exam.no_indication")])


# --- cervical: about 3-4 weeks of conservative care first -------------------------------------------

def injured(days_before):
    return (DAY - dt.timedelta(days=days_before)).isoformat()


@pytest.mark.parametrize("days, outcome", [(7, "Upheld"), (20, "Upheld"), (21, "Overturned"),
                                           (28, "Overturned"), (None, "Overturned")])
def test_cervical_imaging_waits_3_weeks_without_a_red_flag(days, outcome):
    claimant = {"date_of_injury": injured(days)} if days is not None else {}
    for exam, treatments, planned in (
        ({"neurologic": "nerve_compromise"}, [], []),
        ({"electrodiagnostic": "positive"}, [], []),
        ({}, [{"modality": "physical_therapy", "failed": True}], []),
        ({}, [], ["C5-6 anterior cervical discectomy and fusion"]),
    ):
        d = mri("mri_cervical", exam=exam, treatments=treatments, planned=planned, claimant=claimant)
        assert d.outcome == outcome, (days, exam, treatments, planned)
        assert (d.rules == ["mri_cervical.conservative_care.too_early"]) == (outcome == "Upheld")


def test_cervical_red_flag_supports_imaging_at_any_time():
    d = mri("mri_cervical", exam={"red_flags": ["fracture"]}, claimant={"date_of_injury": injured(2)})
    assert (d.outcome, d.rules) == ("Overturned", ["mri_cervical.indication.red_flag"])


def test_cervical_too_early_rationale():
    d = mri("mri_cervical", exam={"neurologic": "equivocal"}, claimant={"date_of_injury": injured(14)})
    assert set(d.rules) == {"mri_cervical.conservative_care.too_early",
                            "mri_cervical.equivocal_exam.no_physiologic_evidence"}
    assert "0.46 months after the injury" in d.rationale
    assert any("3-4 weeks of conservative care" in t for t in d.to_pass)


def test_lumbar_has_no_waiting_period_in_the_reference():
    d = mri("mri_lumbar", **compromise("mri_lumbar"), claimant={"date_of_injury": injured(7)})
    assert d.outcome == "Overturned"


def test_lumbar_nerve_compromise_needs_a_patient_who_does_not_respond_to_treatment():
    d = mri("mri_lumbar", exam={"neurologic": "nerve_compromise"})
    assert (d.outcome, d.rules, d.confidence) == ("Upheld", [], "low")  # no criterion met
    assert d.precheck is not None and d.precheck.status == "needs_documentation"


# --- versions: ACOEM 2nd ed. chapters, July 18, 2009 to Nov 30, 2017 --------------------------------

@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("day, in_force", [
    ("2009-07-17", False), ("2009-07-18", True), ("2016-07-29", True), ("2017-11-30", True),
    ("2017-12-01", False),
])
def test_in_force_from_july_18_2009_to_november_30_2017(service, day, in_force):
    d = mri(service, **compromise(service), request={"date": day})
    if in_force:
        assert d.outcome == "Overturned"
    else:
        assert d.outcome is None
        if day >= "2017-12-01":  # the current ACOEM guidelines: licensed, no rule files bundled
            assert d.no_prediction_reason == "licensed_guideline"
        else:
            assert f"no encoded rule set for '{service}' is in force" in d.no_prediction


# --- rationale and citations -----------------------------------------------------------------------

def test_lumbar_denial_rationale_citation_and_advice():
    d = mri("mri_lumbar")
    assert d.citations == [LUMBAR_CITE]
    assert d.rationale.startswith("According to the MTUS ACOEM Practice Guidelines (2nd ed., 2004):")
    assert "The neurologic examination is intact" in d.rationale
    assert "a diagnosis alone does not substitute for objective findings" in d.rationale
    assert d.rationale.endswith("is not medically necessary.")
    assert len(d.to_pass) == 1 and "failure to progress in a strengthening program" in d.to_pass[0]
    assert {f.id: f.status for f in d.fired}["mri_lumbar.intact_exam.no_indication"] == "partial"


def test_red_flag_rationale_names_the_flags_and_both_chapters_cite_their_pages():
    d = mri("mri_lumbar", exam={"red_flags": ["cauda_equina", "progressive_deficit"]})
    assert "a red flag is documented: cauda equina, progressive deficit" in d.rationale
    assert d.rationale.endswith("is medically necessary.")
    d = mri("mri_cervical", exam={"neurologic": "nerve_compromise"})
    assert d.citations == [CERVICAL_CITE]
    assert {f.id: f.status for f in d.fired}["mri_cervical.indication.nerve_compromise"] == "unconfirmed"


def test_seed_004_lumbar_mri_is_upheld_on_the_intact_exam():
    path = Path(__file__).resolve().parents[2] / "cases" / "seeds" / "004_455a604ddc9a446c.yaml"
    case = load_case(str(path))
    request = case.requests[0]
    # summary facts alone: no neurologic exam described, no criterion met
    d = decide_request(case, request, book())
    assert (d.outcome, d.rules, d.confidence) == ("Upheld", [], "low")
    # with the reviewer's "intact neurological exam": the intact-exam rule decides, as the letter did
    full = case.with_rationale()
    d = decide_request(full, full.requests[0], book())
    assert (d.outcome, d.rules) == ("Upheld", ["mri_lumbar.intact_exam.no_indication"])
    assert request.determination.outcome.value == d.outcome
