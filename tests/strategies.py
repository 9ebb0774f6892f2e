"""Hypothesis strategies for valid case files (plain dicts, validated by the Case model)."""
from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from engine.cases.vocab import (
    MODALITIES, AdlChange, BodyRegion, Condition, MedicationChange, Neurologic, RedFlag,
    RestrictionChange, Service, TestResult,
)


def values(enum) -> list[str]:
    return [m.value for m in enum]


SERVICES = values(Service)
dates = st.dates(dt.date(2009, 7, 18), dt.date(2016, 7, 28))
maybe_int = st.one_of(st.none(), st.integers(0, 40))

treatment = st.fixed_dictionaries(
    {"modality": st.sampled_from(MODALITIES)},
    optional={
        "sessions": maybe_int,
        "functional_improvement": st.sampled_from(["documented", "none", "unknown"]),
        "ongoing": st.booleans(),
        "failed": st.one_of(st.none(), st.booleans()),
        "approved": maybe_int,
        "relief_percent": st.one_of(st.none(), st.integers(0, 100)),
        "relief_weeks": st.one_of(st.none(), st.integers(0, 20)),
    },
)
functional_status = st.fixed_dictionaries({}, optional={
    "adl": st.sampled_from(values(AdlChange)),
    "work_restrictions": st.sampled_from(values(RestrictionChange)),
    "medication_use": st.sampled_from(values(MedicationChange)),
})
exam = st.fixed_dictionaries({}, optional={
    "neurologic": st.sampled_from(values(Neurologic)),
    "red_flags": st.one_of(st.none(), st.lists(st.sampled_from(values(RedFlag)), max_size=2, unique=True)),
    "electrodiagnostic": st.sampled_from(values(TestResult)),
    "imaging": st.sampled_from(values(TestResult)),
    "trigger_points": st.one_of(st.none(), st.booleans()),
})


def request(services=SERVICES):
    return st.fixed_dictionaries(
        {"text": st.just("request"), "service": st.sampled_from(services)},
        optional={
            "quantity": st.one_of(st.none(), st.integers(1, 40)),
            "frequency_per_week": st.one_of(st.none(), st.sampled_from([0.5, 1, 2, 3, 3.5, 4, 5])),
            "duration_weeks": st.one_of(st.none(), st.integers(1, 20)),
            "body_regions": st.lists(st.sampled_from(values(BodyRegion)), max_size=3, unique=True),
            "date": dates.map(dt.date.isoformat),
            "purpose": st.sampled_from(["therapeutic", "maintenance", "flare_up", "unknown"]),
            "employer_authorized": st.one_of(st.none(), st.booleans()),
        },
    )


def case(services=SERVICES, max_requests=3):
    return st.fixed_dictionaries(
        {"requests": st.lists(request(services), min_size=1, max_size=max_requests)},
        optional={
            "claimant": st.fixed_dictionaries({}, optional={
                "age": st.one_of(st.none(), st.integers(16, 90)),
                "date_of_injury": st.dates(dt.date(2000, 1, 1), dt.date(2009, 1, 1)).map(dt.date.isoformat),
                "work_status": st.sampled_from(["full_duty", "modified_duty", "off_work", "unknown"]),
                "permanent_restrictions": st.one_of(st.none(), st.booleans()),
            }),
            "conditions": st.lists(st.sampled_from(values(Condition)), max_size=3, unique=True),
            "treatments": st.lists(treatment, max_size=5),
            "medications": st.lists(st.fixed_dictionaries(
                {"name": st.sampled_from(["OxyContin", "Soma", "ibuprofen"])},
                optional={"opioid": st.one_of(st.none(), st.booleans())}), max_size=3),
            "functional_status": functional_status,
            "exam": exam,
            "surgery": st.lists(st.fixed_dictionaries({"procedure": st.just("lumbar decompression")},
                                                      optional={"date": dates.map(dt.date.isoformat)}), max_size=2),
            "planned_procedures": st.lists(st.just("lumbar surgery"), max_size=1),
        },
    )
