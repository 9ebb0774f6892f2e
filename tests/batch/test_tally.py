"""The streamed summary (Tally) gives the metrics summarize gives over the same items."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from engine.reports.audit import AuditItem, Tally, summarize

item = st.builds(
    AuditItem, request=st.just("r"), service=st.sampled_from(["acupuncture", "tens", "other"]),
    cited_guideline=st.sampled_from([None, "MTUS Chronic Pain 2016", "MTUS Acupuncture 2007", "ODG"]),
    actual=st.sampled_from(["Upheld", "Overturned"]), predicted=st.sampled_from([None, "Upheld", "Overturned"]),
)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(item, max_size=30))
def test_tally_equals_summarize(items):
    tally = Tally()
    for i in items:
        tally.add(i)
    expected = summarize(items).model_dump(exclude={"items", "disagreements"})
    assert tally.summary().model_dump(exclude={"items", "disagreements"}) == expected
