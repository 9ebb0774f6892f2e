"""The header of a determination letter: case number, the dates of the review, priority.

Letters of 2014 on open with a table ("Case Number:", "Date Assigned:", "Date of Injury:",
"Decision Date:", "UR Denial Date:", "Priority:", "Application Received:"), which PDF text breaks
over lines in any order ("Priority: Standard Application Received: 12/01/2016" once the lines are
joined). Letters of 2013 give the decision date in their first line ("Notice of Independent Medical
Review Determination Dated: 9/26/2013") and the others in sentences ("The application for IMR was
received on ...", "... Utilization Review (UR) denial ... dated ...", "... assigned to ... on ...").
Each value keeps the span it was read from (offsets into ``Letter.body``).
"""
from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field

from engine.letters.dates import DATE_PATTERN, parse_date
from engine.cases.vocab import StrEnum

Span = tuple[int, int]


class Priority(StrEnum):
    standard = "standard"
    expedited = "expedited"


class Header(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    case_number: str | None = None
    date_assigned: dt.date | None = None
    date_of_injury: dt.date | None = None
    decision_date: dt.date | None = Field(None, description="the date the expert reviewer decided")
    ur_denial_date: dt.date | None = None
    application_received: dt.date | None = None
    priority: Priority | None = None
    spans: dict[str, Span] = Field(default_factory=dict, description="where each value was read")


_D = rf"(?P<date>{DATE_PATTERN})"
_SP = r"\s*"
_CASE = re.compile(r"(?:IMR\s*)?Case\s*(?:Number|No\.?|#)\s*:?\s*(?P<value>CM\d{2}-\d{4,8})", re.I)
_TABLE: dict[str, re.Pattern[str]] = {
    "date_assigned": re.compile(rf"Date\s*Assigned\s*:\s*{_D}", re.I),
    "date_of_injury": re.compile(rf"Date\s*of\s*Injury\s*:\s*{_D}", re.I),
    "decision_date": re.compile(
        rf"Decision\s*Date\s*:\s*{_D}|Notice\s*of\s*Independent\s*Medical\s*Review\s*Determination"
        rf"\s*Dated\s*:?\s*{_D.replace('date', 'date2')}", re.I),
    "ur_denial_date": re.compile(rf"UR\s*Denial\s*Date\s*:\s*{_D}", re.I),
    # The table's "Application Received:" often loses its line break: "Application \n Received:".
    "application_received": re.compile(rf"Application\s*Received\s*:\s*{_D}", re.I),
}
# 2013 letters say it in sentences; a sentence is read only where the table gave no value.
_SENTENCES: dict[str, re.Pattern[str]] = {
    "application_received": re.compile(
        rf"application\s*for\s*(?:independent\s*medical\s*review|IMR)[^.]{{0,40}}?received\s*(?:on\s*)?{_D}",
        re.I),
    "ur_denial_date": re.compile(
        rf"(?:Utilization\s*Review\s*(?:\(UR\)\s*)?|UR\s*)(?:denial|decision|determination)"
        rf"[^.]{{0,40}}?(?:dated|issued\s*on|of|on)\s*{_D}", re.I),
    "date_assigned": re.compile(rf"assigned\s*to\s*.{{0,80}}?\s*on\s*{_D}", re.I | re.S),
}
_PRIORITY = re.compile(r"Priority\s*:\s*(?P<value>Standard|Expedited|Regular|Urgent)", re.I)


def read_header(body: str, end: int) -> Header:
    """The header values found in ``body[:end]`` (the part before the letter's first section)."""
    values: dict[str, object] = {}
    spans: dict[str, Span] = {}
    m = _CASE.search(body, 0, end)
    if m:
        values["case_number"] = m.group("value").upper()
        spans["case_number"] = m.span("value")
    for name, regex in _TABLE.items():
        _first_date(regex, body, 0, end, name, values, spans)
    for name, regex in _SENTENCES.items():
        if name not in values:
            _first_date(regex, body, 0, len(body), name, values, spans)
    m = _PRIORITY.search(body, 0, end)
    if m:
        word = m.group("value").lower()
        values["priority"] = Priority.expedited if word in ("expedited", "urgent") else Priority.standard
        spans["priority"] = m.span("value")
    return Header(**values, spans=spans)  # type: ignore[arg-type]


def _first_date(regex: re.Pattern[str], body: str, start: int, end: int, name: str,
                values: dict[str, object], spans: dict[str, Span]) -> None:
    for m in regex.finditer(body, start, end):
        group = "date" if m.group("date") else "date2"
        if group == "date2" and "date2" not in regex.groupindex:
            continue
        d = parse_date(m.group(group))
        if d is not None:
            values[name] = d
            spans[name] = m.span(group)
            return
