"""Audit metrics on small hand-computed examples, plus properties over random item sets."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.reports.audit import (
    ACOEM,
    ACUPUNCTURE,
    CHRONIC_PAIN,
    OTHER,
    AuditItem,
    cohen_kappa,
    confusion_matrix,
    guideline_family,
    summarize,
)

U, O = "Upheld", "Overturned"


def item(actual: str, predicted: str | None, service: str = "acupuncture",
         guideline: str | None = "MTUS Acupuncture Treatment Guidelines.", n: int = 0) -> AuditItem:
    return AuditItem(case_id=f"case-{n}", request=f"request {n}", service=service,
                     cited_guideline=guideline, actual=actual, predicted=predicted)


def items_from_table(uu: int, uo: int, ou: int, oo: int) -> list[AuditItem]:
    """Items whose (actual, predicted) counts are the given 2x2 table."""
    pairs = [(U, U)] * uu + [(U, O)] * uo + [(O, U)] * ou + [(O, O)] * oo
    return [item(a, p, n=i) for i, (a, p) in enumerate(pairs)]


# --- AuditItem -------------------------------------------------------------------------------------

def test_agree_is_computed_and_none_without_prediction() -> None:
    assert item(U, U).agree is True
    assert item(U, O).agree is False
    assert item(O, None).agree is None


def test_item_round_trips_through_its_dump() -> None:
    original = AuditItem(case_id="c", request="r", service="mri_lumbar", cited_guideline=None,
                         actual=O, predicted=U, rules=["mri.no_indication"],
                         citations=["ACOEM ch. 12 pp. 303-305"], rationale="why")
    dumped = original.model_dump()
    assert dumped["agree"] is False
    assert AuditItem.model_validate(dumped) == original


def test_labels_are_checked() -> None:
    with pytest.raises(ValueError):
        AuditItem(request="r", service="acupuncture", actual="upheld", predicted=U)


# --- kappa and agreement on hand-computed tables ------------------------------------------------------

def test_kappa_for_a_two_by_two_table() -> None:
    # UU=6 UO=1 OU=1 OO=2, n=10: po = 8/10; actual marginals 7/3, predicted 7/3;
    # pe = .7*.7 + .3*.3 = .58; kappa = (.8 - .58) / (1 - .58) = .22/.42 = 11/21.
    s = summarize(items_from_table(6, 1, 1, 2))
    assert s.agreement == pytest.approx(0.8)
    assert s.cohen_kappa == pytest.approx(11 / 21)
    assert s.confusion == {U: {U: 6, O: 1}, O: {U: 1, O: 2}}


def test_kappa_with_unequal_marginals() -> None:
    # UU=5 UO=3 OU=0 OO=2, n=10: po = .7; actual 8/2, predicted 5/5;
    # pe = .8*.5 + .2*.5 = .5; kappa = (.7 - .5)/.5 = .4.
    assert summarize(items_from_table(5, 3, 0, 2)).cohen_kappa == pytest.approx(0.4)


def test_perfect_agreement_is_kappa_one() -> None:
    s = summarize(items_from_table(3, 0, 0, 2))
    assert s.agreement == 1.0
    assert s.cohen_kappa == pytest.approx(1.0)


def test_agreement_at_chance_is_kappa_zero() -> None:
    # po = .5, pe = .5*.5 + .5*.5 = .5.
    s = summarize(items_from_table(1, 1, 1, 1))
    assert s.agreement == 0.5
    assert s.cohen_kappa == pytest.approx(0.0)


def test_total_disagreement_with_balanced_marginals_is_kappa_minus_one() -> None:
    assert summarize(items_from_table(0, 2, 2, 0)).cohen_kappa == pytest.approx(-1.0)


def test_all_upheld_on_both_sides_is_undefined_kappa() -> None:
    # pe = 1*1 + 0*0 = 1: kappa is 0/0, reported as None; agreement is still 1.
    s = summarize(items_from_table(4, 0, 0, 0))
    assert s.agreement == 1.0
    assert s.cohen_kappa is None


def test_one_class_on_one_side_only_is_kappa_zero() -> None:
    # Actual all Upheld, predictions mixed: pe = 1*.75 + 0*.25 = .75 = po.
    assert summarize(items_from_table(3, 1, 0, 0)).cohen_kappa == pytest.approx(0.0)


def test_cohen_kappa_of_an_empty_table_is_none() -> None:
    assert cohen_kappa(confusion_matrix([])) is None


def test_confusion_matrix_has_both_labels_even_when_empty() -> None:
    assert confusion_matrix([]) == {U: {U: 0, O: 0}, O: {U: 0, O: 0}}


# --- the majority-class baseline -----------------------------------------------------------------

def test_baseline_always_says_upheld() -> None:
    # 3 of 4 actuals Upheld: the baseline agrees on 3; its kappa is 0 by definition.
    s = summarize([item(U, O), item(U, O), item(U, O), item(O, O)])
    assert s.baseline_agreement == 0.75
    assert s.baseline_kappa == 0.0
    assert s.agreement == 0.25


def test_baseline_kappa_is_none_when_every_actual_is_upheld() -> None:
    s = summarize([item(U, U), item(U, O)])
    assert s.baseline_agreement == 1.0
    assert s.baseline_kappa is None


def test_baseline_is_scored_on_the_evaluated_items_only() -> None:
    s = summarize([item(U, U), item(O, O), item(O, None), item(O, None)])
    assert s.baseline_agreement == 0.5


def test_the_seed_outcomes_against_an_always_upheld_predictor() -> None:
    # 7 Upheld and 1 Overturned, as in the seed letters: agreement 7/8, kappa 0 (po == pe = 7/8).
    s = summarize(items_from_table(7, 0, 1, 0))
    assert s.agreement == pytest.approx(7 / 8)
    assert s.cohen_kappa == pytest.approx(0.0)
    assert s.baseline_agreement == s.agreement


# --- items with no prediction -----------------------------------------------------------------------

def test_items_without_prediction_are_counted_but_not_scored() -> None:
    s = summarize([item(U, U, n=1), item(O, U, n=2), item(U, None, n=3), item(O, None, n=4)])
    assert s.total == 4
    assert s.evaluated == 2
    assert s.no_prediction == 2
    assert s.agreement == 0.5
    assert sum(sum(row.values()) for row in s.confusion.values()) == 2
    assert [i.case_id for i in s.disagreements] == ["case-2"]
    assert len(s.items) == 4


def test_nothing_evaluated_gives_none_rates() -> None:
    s = summarize([item(U, None), item(O, None)])
    assert (s.evaluated, s.no_prediction) == (0, 2)
    assert s.agreement is None
    assert s.cohen_kappa is None
    assert s.baseline_agreement is None
    assert s.baseline_kappa is None
    assert s.disagreements == []


def test_empty_input() -> None:
    s = summarize([])
    assert (s.total, s.evaluated, s.no_prediction) == (0, 0, 0)
    assert s.agreement is None and s.cohen_kappa is None
    assert s.by_service == {} and s.by_guideline == {}


# --- breakdowns -----------------------------------------------------------------------------------

def test_breakdowns_by_service_and_by_guideline_family() -> None:
    acu = "MTUS Acupuncture Treatment Guidelines."
    massage = ("MTUS Chronic Pain Treatment Guidelines : CHRONIC PAIN MEDICAL TREATMENT GUIDELINES, "
               "MASSAGE THERAPY, Page(s): 60.")
    psych = "MTUS Chronic Pain Treatment Guidelines psychological treatment Page(s): 101."
    mri = "MTUS ACOEM Chapter 12 Low Back Complaints Page(s): 303-304."
    s = summarize([
        item(U, U, "acupuncture", acu, 1),
        item(U, O, "acupuncture", acu, 2),
        item(U, None, "acupuncture", acu, 3),
        item(U, U, "massage_therapy", massage, 4),
        item(O, U, "psychotherapy", psych, 5),
        item(U, U, "mri_lumbar", mri, 6),
        item(U, U, "tens", None, 7),
    ])
    acupuncture = s.by_service["acupuncture"]
    assert (acupuncture.items, acupuncture.evaluated, acupuncture.agree) == (3, 2, 1)
    assert acupuncture.agreement == 0.5
    assert s.by_service["psychotherapy"].agreement == 0.0
    assert s.by_service["mri_lumbar"].agreement == 1.0
    assert list(s.by_service) == sorted(s.by_service)

    assert set(s.by_guideline) == {ACUPUNCTURE, CHRONIC_PAIN, ACOEM, OTHER}
    cp = s.by_guideline[CHRONIC_PAIN]
    assert (cp.items, cp.evaluated, cp.agree, cp.agreement) == (2, 2, 1, 0.5)
    assert s.by_guideline[ACUPUNCTURE].items == 3
    assert s.by_guideline[OTHER].agreement == 1.0


def test_breakdown_of_a_group_with_no_prediction_has_none_agreement() -> None:
    s = summarize([item(U, None, "tens", n=1), item(U, U, "acupuncture", n=2)])
    assert s.by_service["tens"].agreement is None
    assert (s.by_service["tens"].items, s.by_service["tens"].evaluated) == (1, 0)


def test_summary_serialises_to_json() -> None:
    s = summarize(items_from_table(1, 1, 0, 1))
    text = s.model_dump_json()
    assert '"agree":false' in text.replace(" ", "")


# --- guideline families ----------------------------------------------------------------------------

SEED_LINES = [
    ("MTUS Acupuncture Treatment Guidelines.", ACUPUNCTURE),  # 000
    ("MTUS Acupuncture Treatment Guidelines.", ACUPUNCTURE),  # 001
    ("MTUS Acupuncture Treatment Guidelines.", ACUPUNCTURE),  # 002 acupuncture
    ("MTUS Chronic Pain Treatment Guidelines : CHRONIC PAIN MEDICAL TREATMENT GUIDELINES, MASSAGE "
     "THERAPY, Page(s): 60.", CHRONIC_PAIN),  # 002 massage
    ("MTUS Chronic Pain Treatment Guidelines psychological treatment Page(s): 101.", CHRONIC_PAIN),  # 003
    ("MTUS Acupuncture Treatment Guidelines.", ACUPUNCTURE),  # 003 acupuncture
    ("MTUS ACOEM Chapter 12 Low Back Complaints Page(s): 303-304.", ACOEM),  # 004 MRI
    ("MTUS Chronic Pain Treatment Guidelines ACUPUNCTURE MEDICAL TREATMENT GUIDELINES, pages 8-9 "
     "Page(s): 8-9.", ACUPUNCTURE),  # 004 acupuncture: the acupuncture part of the CPMTG
]


@pytest.mark.parametrize("line,family", SEED_LINES)
def test_guideline_family_of_the_seed_lines(line: str, family: str) -> None:
    assert guideline_family(line) == family


@pytest.mark.parametrize("line,family", [
    (None, OTHER),
    ("", OTHER),
    ("   ", OTHER),
    ("Decision based on MTUS Acupuncture Treatment Guidelines.", ACUPUNCTURE),
    ("MTUS  Chronic Pain\nMedical Treatment Guidelines, Massage therapy, page 60", CHRONIC_PAIN),
    ("MTUS 9792.24.1", ACUPUNCTURE),
    ("Non-MTUS Official Disability Guidelines (ODG) Low Back", OTHER),
    ("Non-MTUS ACOEM Practice Guidelines, 3rd Edition", OTHER),
    ("Official Disability Guidelines (ODG)", OTHER),
    # The claims administrator's line in seed 003 names ACOEM chapters and the acupuncture
    # guidelines: the most specific guideline wins.
    ("MTUS ACOEM Chapter 8 Neck and Upper Back Complaints, Chapter 12 Low Back Complaints,"
     "Acupuncture Treatment Guidelines.", ACUPUNCTURE),
])
def test_guideline_family_edge_cases(line: str | None, family: str) -> None:
    assert guideline_family(line) == family


# --- properties -----------------------------------------------------------------------------------

LABEL = st.sampled_from([U, O])
ITEMS = st.lists(
    st.builds(
        AuditItem,
        case_id=st.just("c"),
        request=st.just("r"),
        service=st.sampled_from(["acupuncture", "massage_therapy", "mri_lumbar"]),
        cited_guideline=st.sampled_from([None, "MTUS Acupuncture Treatment Guidelines.",
                                         "MTUS ACOEM Chapter 12 Low Back Complaints"]),
        actual=LABEL,
        predicted=st.none() | LABEL,
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(ITEMS)
def test_summary_invariants(items: list[AuditItem]) -> None:
    s = summarize(items)
    assert s.total == len(items) == s.evaluated + s.no_prediction
    assert sum(sum(row.values()) for row in s.confusion.values()) == s.evaluated
    assert sum(b.items for b in s.by_service.values()) == s.total
    assert sum(b.items for b in s.by_guideline.values()) == s.total
    assert len(s.disagreements) == s.evaluated - sum(1 for i in items if i.agree)
    for rate in (s.agreement, s.baseline_agreement):
        assert rate is None or 0.0 <= rate <= 1.0
    assert (s.agreement is None) == (s.evaluated == 0)
    if s.cohen_kappa is not None:
        assert -1.0 - 1e-12 <= s.cohen_kappa <= 1.0 + 1e-12
    assert s.baseline_kappa is None or s.baseline_kappa == 0.0
    # kappa is undefined exactly when nothing is evaluated or both sides use one and the same label
    labels = {(i.actual, i.predicted) for i in items if i.predicted is not None}
    one_label = len(labels) == 1 and next(iter(labels))[0] == next(iter(labels))[1]
    assert (s.cohen_kappa is None) == (s.evaluated == 0 or one_label)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(LABEL, LABEL), max_size=40))
def test_kappa_is_symmetric_in_actual_and_predicted(pairs: list[tuple[str, str]]) -> None:
    forward = cohen_kappa(confusion_matrix(pairs))  # type: ignore[arg-type]
    backward = cohen_kappa(confusion_matrix((p, a) for a, p in pairs))  # type: ignore[arg-type]
    if forward is None or backward is None:
        assert forward is backward
    else:
        assert math.isclose(forward, backward, abs_tol=1e-12)


# --- coverage: by an encoded criterion, by default, and why not --------------------------------------

def test_coverage_counts_criterion_default_and_reasons_apart() -> None:
    items = [
        AuditItem(case_id="a", request="1", service="tens", actual=U, predicted=U, rules=["r.against"],
                  category="rehabilitation"),
        AuditItem(case_id="a", request="2", service="tens", actual=O, predicted=O, rules=["r.support"],
                  category="rehabilitation"),
        AuditItem(case_id="b", request="3", service="tens", actual=O, predicted=U, category="rehabilitation"),
        AuditItem(case_id="b", request="4", service="x_ray", actual=U, category="diagnostics",
                  no_prediction_reason="service_not_encoded"),
        AuditItem(case_id="c", request="5", service="x_ray", actual=U, category="diagnostics"),
    ]
    s = summarize(items)
    o = s.overall
    assert (o.items, o.evaluated, o.by_criterion, o.by_criterion_agree, o.by_criterion_baseline_agree,
            o.no_criterion_met) == (5, 3, 2, 2, 1, 1)
    assert o.no_prediction == {"service_not_encoded": 1, "unknown": 1}
    rehab = s.by_category["rehabilitation"]
    assert (rehab.items, rehab.by_criterion, rehab.agree, rehab.baseline_agree) == (3, 2, 2, 1)
    assert s.by_category["diagnostics"].evaluated == 0 and s.by_category["diagnostics"].kappa is None
    # Letters: a has two predictions, both agree (always-Upheld misses its Overturned); b's one
    # prediction disagrees (its actual is Overturned, so always-Upheld misses it too); c has none.
    assert s.letters.model_dump() == {"letters": 3, "predicted": 2, "all_agree": 1, "baseline_all_agree": 0}


def test_items_without_a_group_value_are_grouped_as_not_stated() -> None:
    s = summarize([item(U, U, n=1)])
    assert list(s.by_edition) == ["(not stated)"] and list(s.by_specialty) == ["(not stated)"]


def test_specialty_groups_by_the_first_specialty_listed() -> None:
    a = AuditItem(request="r", service="tens", actual=U, predicted=U, reviewer_specialty="Orthopedic Surgery, Sports Medicine")
    b = AuditItem(request="r", service="tens", actual=U, predicted=U, reviewer_specialty="Orthopedic Surgery")
    assert list(summarize([a, b]).by_specialty) == ["Orthopedic Surgery"]


@pytest.mark.parametrize("line,family", [
    ("Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies", ACOEM),
    ("Decision based on MTUS Acupuncture Treatment 2007", ACUPUNCTURE),
    ("Decision based on MTUS Opioid Treatment 2016, Section(s): 3.3.9", CHRONIC_PAIN),
    ("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Knee, MRIs", OTHER),
])
def test_guideline_family_of_the_published_lines(line: str, family: str) -> None:
    assert guideline_family(line) == family
