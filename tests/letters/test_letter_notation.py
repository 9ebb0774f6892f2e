"""Quantity/frequency/duration notation, number words, dates, services and body regions."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.letters.reader import (
    classify_service,
    find_body_regions,
    find_dates,
    number_value,
    parse_amount,
)
from engine.cases.vocab import BodyRegion as R
from engine.cases.vocab import Service as S

# wording -> (quantity, frequency per week, duration in weeks)
AMOUNTS = [
    ("ACUPUNCTURE X 12", (12, None, None)),
    ("Acupuncture 1xWk x 6Wks cervical spine and left upper extremity", (6, 1, 6)),
    ("acupuncture x12", (12, None, None)),
    ("Acupuncture X 12 for the lumbar", (12, None, None)),
    ("Acupuncture 2x3", (6, 2, 3)),
    ("physical therapy 2 x 6", (12, 2, 6)),
    ("Chiropractic 2x6 weeks", (12, 2, 6)),
    ("12 sessions of acupuncture", (12, None, None)),
    ("bio-behavioral therapy times 12, cervical lumbar", (12, None, None)),
    ("ONE SESSION OF ACUPUNCTURE BETWEEN 10/3/2013 AND 11/17/2013", (1, None, None)),
    ("six visits of massage", (6, None, None)),
    ("twelve", (12, None, None)),
    ("Acupuncture twelve", (12, None, None)),
    ("twelve visits exceeds", (12, None, None)),
    ("six (6) sessions of chiropractic", (6, None, None)),
    ("a single session of biofeedback", (1, None, None)),
    ("twenty-four sessions of physical therapy", (24, None, None)),
    ("12 additional sessions", (12, None, None)),
    ("8 acupuncture visits", (8, None, None)),
    ("Acupuncture (12)", (12, None, None)),
    ("Acupuncture 12", (12, None, None)),
    ("an initial trial of six acupuncture", (6, None, None)),
    ("twice a week for six weeks", (12, 2, 6)),
    ("Physical therapy 2 times a week for 6 weeks", (12, 2, 6)),
    ("Acupuncture 2x/week x 6 weeks", (12, 2, 6)),
    ("Acupuncture 2x week x 4 weeks", (8, 2, 4)),
    ("acupuncture 3x per wk for 4 wks", (12, 3, 4)),
    ("once weekly for 8 weeks", (8, 1, 8)),
    ("2-3 times per week for 4 weeks", (12, 3, 4)),  # a range counts as its upper bound
    ("Aquatic therapy 2/week x 6 weeks", (12, 2, 6)),
    ("12 sessions (2x6) of physical therapy", (12, 2, 6)),
    ("Acupuncture 2x6, 10 sessions", (10, 2, 6)),  # a stated count wins over frequency x weeks
    ("Acupuncture for 6 weeks", (None, None, 6)),
    ("6 weeks of acupuncture", (None, None, 6)),
    ("Acupuncture twice a week", (None, 2, None)),
    ("Norco 10/325mg #60", (60, None, None)),
    # Not counts: dates, spinal levels, doses, ages, page numbers of a pain scale.
    ("Magnetic Resonance Imaging (MRI) Of The Lumbar Spine 10/3/2013 and 11/17/2013", (None, None, None)),
    ("Lumbar epidural steroid injection at L4-5", (None, None, None)),
    ("Lidoderm 5% patch", (None, None, None)),
    ("MRI cervical spine dated January 1, 2014", (None, None, None)),
    ("Acupuncture for the lumbar spine", (None, None, None)),
    ("acupuncture x 0", (None, None, None)),
]


@pytest.mark.parametrize("text,expected", AMOUNTS, ids=[a for a, _ in AMOUNTS])
def test_parse_amount(text: str, expected: tuple[int | None, int | None, int | None]) -> None:
    amount = parse_amount(text)
    assert (amount.quantity, amount.frequency_per_week, amount.duration_weeks) == expected


@pytest.mark.parametrize("words,value", [
    ("12", 12), ("six", 6), ("SIX", 6), ("twelve", 12), ("twenty-four", 24), ("twenty four", 24),
    ("2-3", 3), ("3 to 6", 6), ("a dozen", 12), ("a single", 1), ("eighteen", 18), ("banana", None),
])
def test_number_value(words: str, value: int | None) -> None:
    assert number_value(words) == value


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_parse_amount_never_fails_and_stays_in_range(text: str) -> None:
    amount = parse_amount(text)
    assert amount.quantity is None or 1 <= amount.quantity <= 9999
    assert amount.frequency_per_week is None or amount.frequency_per_week > 0
    assert amount.duration_weeks is None or amount.duration_weeks > 0


SERVICES = [
    ("ACUPUNCTURE X 12", S.acupuncture),
    ("Acupunture 6 sessions", S.acupuncture),
    ("Electro-acupuncture x 6", S.electroacupuncture),
    ("Electroacupuncture 2x3", S.electroacupuncture),
    ("Acupuncture with electrical stimulation x 6", S.electroacupuncture),
    ("MASSAGE THERAPY X 12 ON THE LUMBAR", S.massage_therapy),
    ("Chiropractic treatment x 6", S.chiropractic),
    ("Chiropractic manipulation 2x4", S.chiropractic),
    ("Spinal manipulation x 6", S.chiropractic),
    ("Physical therapy 2x6 lumbar", S.physical_therapy),
    ("PT 2x4 for the knee", S.physical_therapy),
    ("Occupational therapy for the right hand x 8", S.occupational_therapy),
    ("Aquatic therapy x 12", S.aquatic_therapy),
    ("Aqua therapy 2x4", S.aquatic_therapy),
    ("12 sessions of Bio behavioral therapy for the cervical lumbar", S.psychotherapy),
    ("bio-behavioral pain management x 6", S.psychotherapy),
    ("Cognitive behavioral therapy x 10", S.psychotherapy),
    ("Behavioral therapy 6 sessions", S.psychotherapy),
    ("Psychotherapy x 6", S.psychotherapy),
    ("Psychological treatment 6 visits", S.psychotherapy),
    ("Biofeedback x 6", S.biofeedback),
    ("Magnetic Resonance Imaging (MRI) Of The Lumbar Spine 10/3/2013 and 11/17/2013", S.mri_lumbar),
    ("MRI lumbar spine", S.mri_lumbar),
    ("Lumbar MRI without contrast", S.mri_lumbar),
    ("MRI of the cervical spine", S.mri_cervical),
    ("MRI neck", S.mri_cervical),
    ("MRI of the right knee", S.mri_other),
    ("Functional restoration program x 80 hours", S.functional_restoration_program),
    ("TENS unit purchase", S.tens),
    ("Transcutaneous electrical nerve stimulation unit", S.tens),
    ("Lumbar epidural steroid injection at L4-5", S.epidural_steroid_injection),
    ("Transforaminal epidural injection L5-S1", S.epidural_steroid_injection),
    ("Trigger point injections x 4", S.trigger_point_injection),
    ("Norco 10/325mg #60", S.other),
    ("Ten sessions of something unheard of", S.other),
    ("", S.other),
]


@pytest.mark.parametrize("title,service", SERVICES, ids=[t or "(empty)" for t, _ in SERVICES])
def test_classify_service(title: str, service: S) -> None:
    assert classify_service(title) is service


@pytest.mark.parametrize("text,regions", [
    ("Acupuncture 1xWk x 6Wks cervical spine and left upper extremity", [R.cervical_spine, R.upper_extremity]),
    ("for the cervical lumbar", [R.lumbar_spine, R.cervical_spine]),
    ("low back and left knee pain", [R.lumbar_spine, R.knee]),
    ("pain in the right foot-ankle", [R.ankle_foot]),
    ("chronic neck, low back, and arm pain", [R.lumbar_spine, R.cervical_spine, R.upper_extremity]),
    ("radiates into the lower extremities", [R.lower_extremity]),
    ("right shoulder and wrist", [R.shoulder, R.wrist_hand]),
    ("ESI L4-5", [R.lumbar_spine]),
    ("thoracic spine", [R.thoracic_spine]),
    ("forearm", [R.forearm]),
    ("headaches", []),
    ("no region here", []),
])
def test_find_body_regions(text: str, regions: list[R]) -> None:
    assert find_body_regions(text) == regions


@pytest.mark.parametrize("text,dates", [
    ("injury on 1/19/2009", [dt.date(2009, 1, 19)]),
    ("dated 08/06/2012", [dt.date(2012, 8, 6)]),
    ("non-certified on 10/8/13", [dt.date(2013, 10, 8)]),
    ("of January 1, 2013", [dt.date(2013, 1, 1)]),
    ("dated December 25, 2014, the", [dt.date(2014, 12, 25)]),
    ("Dec. 5 2014", [dt.date(2014, 12, 5)]),
    ("on 2015-01-20", [dt.date(2015, 1, 20)]),
    ("between 10/3/2013 and 11/17/2013", [dt.date(2013, 10, 3), dt.date(2013, 11, 17)]),
    ("injured 2/28/95", [dt.date(1995, 2, 28)]),
    ("range 45/20/25/25/20/20 degrees", []),
    ("pain 9/10 and 7-9/10", []),
    ("13/45/2013", []),
    ("February 30, 2014", []),
])
def test_find_dates(text: str, dates: list[dt.date]) -> None:
    assert [d for d, _ in find_dates(text)] == dates


@pytest.mark.parametrize("text,quantity", [
    ("Naproxen 550mg #60 with 2 refills", 180),
    ("Omeprazole 20mg, one daily #30 with one refill", 60),
    ("Two refills of Tramadol 50mg #60", 120),
    ("Retrospective three refills of Voltaren 75mg #60", 180),
    ("Voltaren 75mg #60", 60),
    ("Refills of Norco #90", 90),  # no number of refills: only the count written
])
def test_refills_multiply_the_dispensed_count(text: str, quantity: int) -> None:
    assert parse_amount(text).quantity == quantity
