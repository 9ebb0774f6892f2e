"""Medication facts read from a letter's clinical case summary (engine.letters.medication_facts), on small
letters written for these tests: a requested drug's course and response, GI risk, muscle spasm,
opioid monitoring, the conditions the medication sections name, and the words behind each fact."""
from __future__ import annotations

from engine.letters.extract import letter_to_case
from engine.cases.facts import Case
from engine.letters.reader import parse_letter


def letter(summary: str, *titles: str) -> Case:
    items = "".join(
        f"{title}: Upheld\nClaims Administrator guideline: Decision based on MTUS.\n"
        "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.\n"
        "Decision rationale: Not necessary.\n" for title in titles)
    text = (
        "HOW THE IMR FINAL DETERMINATION WAS MADE\nThe expert reviewer was selected.\n"
        f"CLINICAL CASE SUMMARY\n{summary}\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "The Final Determination was based on decisions for the disputed items/services set forth below:\n"
        f"{items}"
    )
    return letter_to_case(parse_letter(text, "cases/meds.txt"))


def test_a_drug_of_the_current_list_is_continued_and_one_outside_it_is_new() -> None:
    case = letter(
        "The worker is a 44 year old man with low back pain. His current medications include "
        "meloxicam and tizanidine. The plan is to add ibuprofen.",
        "Meloxicam 15mg #30", "Ibuprofen 800mg #60")
    meloxicam, ibuprofen = case.requests
    assert (meloxicam.drug, meloxicam.continuing) == ("meloxicam", True)
    assert (ibuprofen.drug, ibuprofen.continuing) == ("ibuprofen", False)
    assert case.evidence["requests[0].continuing"].quote == "meloxicam"
    assert "current medications include" in case.evidence["requests[1].continuing"].quote


def test_unknown_medications_leave_the_course_unknown() -> None:
    case = letter("She has neck pain. Her medication regimen was not provided for review.", "Naproxen 500mg #60")
    assert case.requests[0].continuing is None
    first = letter("She has neck pain. She reports taking no medications at this time.", "Naproxen 500mg #60")
    assert first.requests[0].continuing is False


def test_refills_and_a_continued_regimen() -> None:
    case = letter(
        "He has shoulder pain. Medications have included diclofenac. He was told to continue the "
        "current medications.", "Two refills of diclofenac 75mg #60")
    assert case.requests[0].continuing is True


def test_a_prescription_never_filled_is_a_first_prescription() -> None:
    case = letter("She has jaw pain. The clonazepam could not be started; it was not filled by the pharmacy.",
                  "Clonazepam 0.5mg #20")
    assert case.requests[0].continuing is False


def test_length_of_use_pain_and_function() -> None:
    case = letter(
        "The worker has taken cyclobenzaprine for 6 weeks. The medication helps with his pain. "
        "There was no functional improvement with the medication.", "Cyclobenzaprine 10mg #30")
    r = case.requests[0]
    assert (r.continuing, r.use_weeks, r.pain_response.value, r.function_response.value) == (True, 6.0, "documented", "none")


def test_gi_risk_complaints_and_spasm() -> None:
    case = letter(
        "The 70 year old woman has a history of a bleeding ulcer and is currently taking warfarin and "
        "naproxen. She reports heartburn. Examination showed paraspinal muscle spasm.", "Omeprazole 20mg #30")
    assert case.gastrointestinal.symptoms is True
    assert [r.value for r in case.gastrointestinal.risk_factors or []] == ["gi_bleeding_history", "anticoagulant"]
    assert case.exam.muscle_spasm is True
    assert case.evidence["gastrointestinal.symptoms"].quote == "heartburn"


def test_denied_findings_are_documented_absent() -> None:
    case = letter("He has low back pain. He denies any GI complaints. There was no spasm on examination.",
                  "Pantoprazole 20mg #60")
    assert case.gastrointestinal.symptoms is False
    assert case.gastrointestinal.risk_factors is None  # none found is not "none documented"
    assert case.exam.muscle_spasm is False


def test_opioid_monitoring_done_and_planned() -> None:
    done = letter("She has knee pain. A urine drug screen on 11/2/2016 was consistent. The CURES report was reviewed.",
                  "Tramadol 50mg #60")
    assert (done.opioid_monitoring.urine_drug_screen, done.opioid_monitoring.cures_checked) == (True, True)
    planned = letter("She has knee pain. The treatment plan includes a urine drug screen.", "Tramadol 50mg #60")
    assert planned.opioid_monitoring.urine_drug_screen is None  # planned is not done


def test_failed_first_line_treatment() -> None:
    case = letter("He has low back pain. Acetaminophen and ibuprofen failed to control his pain.", "Tramadol 50mg #60")
    assert case.requests[0].first_line_failed is True


def test_conditions_the_medication_sections_name() -> None:
    case = letter("He sustained a fracture of the left radius. He reports difficulty sleeping. "
                  "X-rays of the knee showed osteoarthritis.", "Tramadol 50mg #60")
    assert {"fracture", "insomnia", "osteoarthritis"} <= {c.value for c in case.conditions}
    ruled_out = letter("X-rays showed no fracture.", "Tramadol 50mg #60")
    assert "fracture" not in {c.value for c in ruled_out.conditions}


def test_compounded_kits() -> None:
    case = letter("She has low back pain.", "Synapryn 10mg/ml oral suspension 500ml", "Tramadol 50mg #60")
    assert [r.compounded for r in case.requests] == [True, None]
    assert case.requests[0].drug == "tramadol"


def test_quoted_sentences_are_read_apart() -> None:
    case = letter('She has neck pain. "She may return to work next week." Current medication is ibuprofen. '
                  '"Valium was not filled per insurance."', "Diazepam 5mg #10")
    r = case.requests[0]
    assert r.continuing is False and r.function_response.value == "unknown"


def test_a_reviews_reasons_find_no_complaint() -> None:
    case = letter("She has wrist pain. The request for lansoprazole was denied as the records did not show "
                  "stomach issues or any reflux disease.", "Lansoprazole 15mg #30")
    assert case.gastrointestinal.symptoms is not True
