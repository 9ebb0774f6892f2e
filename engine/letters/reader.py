"""Reading IMR determination letters (text or PDF) into a typed ``Letter``.

A letter is cleaned once, then read by section and by disputed item:

* The text as read is kept (``Letter.text``). Its *body* (``Letter.body``) is the same text with page
  furniture removed and every run of whitespace collapsed to one space; every offset in the models
  points into the body. Where furniture was removed the body records a *cut*, so a quote that spans a
  page break comes back as the fragments on each side (see ``Letter.quote``): every fragment is an
  exact substring of the text as read, whitespace collapsed.
* Page furniture: lines such as "Page 2 of 4", "- 2 -", "Final Determination Letter for IMR Case
  Number CM14-...", and, when pages are known (form feeds, or a PDF), the lines that repeat at the
  top or bottom of two or more pages.
* Sections are found by their headings (a heading is a whole line, or an upper-case line start).

Layouts. The seed layout ("HOW THE IMR FINAL DETERMINATION WAS MADE", "The Expert Reviewer has the
following credentials:", "CLINICAL CASE SUMMARY", "IMR ISSUES, DECISIONS AND RATIONALES"; items as
"<title>: Upheld", then "Claims Administrator guideline:", "MAXIMUS guideline:", "Decision
rationale:") is handled completely. The two other layouts are reconstructions, not yet checked on
real letters; what is assumed:

* 2013 ("Notice of Independent Medical Review Determination"): a cover page with fields such as
  "Date of Injury:" and "UR Denial Date:", then the seed headings; items may be numbered and worded
  "1. <title> is not medically necessary and appropriate." (Upheld) or "... is medically necessary
  and appropriate." (Overturned), followed by "The Claims Administrator based its decision on ...",
  "The Expert Reviewer based his/her decision on ..." and "Rationale for the Decision:" (or "The
  Expert Reviewer's decision rationale:"). Every page may carry "Final Determination Letter for IMR
  Case Number ...".
* Later: a "DOCUMENTS REVIEWED" section, and "IMR DECISION(S) AND RATIONALE(S)" in place of the
  issues heading, with items worded as in either of the above.

Quantities: ``parse_amount`` reads the notations of item titles ("x12", "1xWk x 6Wks", "2x3",
"twice a week for six weeks", "ONE SESSION", ...). A range ("2-3 times per week") counts as its upper
bound, since that is what would be authorized. An MRI item that states no count is one study
(``quantity_implied``).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from engine.errors import InputError
from engine.letters.dates import _MONTH_DATE, DATE_PATTERN, find_dates, parse_date
from engine.letters.header import Header, read_header
from engine.cases.citations import Citation, parse_citations
from engine.letters.pdf import pdf_text as _pdf_text
from engine.cases.terms import classify, classify_service, find_body_regions, find_services, mentions_mri, region_mentions
from engine.cases.vocab import BodyRegion, Category, DrugClass, Outcome, Service, StrEnum, category

Span = tuple[int, int]


class LetterError(InputError):
    """A letter that cannot be read: names the file and what was missing, in one line."""

    def __init__(self, source: str, message: str):
        super().__init__(source, message)


# --------------------------------------------------------------------------------------- models


class Layout(StrEnum):
    notice_2013 = "notice_2013"
    final_determination = "final_determination"
    decisions_rationales = "decisions_rationales"
    unknown = "unknown"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Section(_Model):
    heading: str
    start: int = Field(description="offset of the section's text in Letter.body")
    end: int
    text: str = Field(repr=False)

    @property
    def span(self) -> Span:
        return (self.start, self.end)


class Credentials(_Model):
    licensure_states: list[str] = Field(default_factory=list)
    specialties: list[str] = Field(default_factory=list)
    board_certified: bool | None = Field(
        None, description="True: 'Board Certified in ...'; False: 'licensed in ...'; null: not said"
    )
    statement: str | None = Field(None, description="the 'The expert reviewer is ...' sentence")


class Item(_Model):
    """One disputed item/service and its decision."""

    number: Annotated[int, Field(ge=1)]
    title: Annotated[str, Field(min_length=1)]
    outcome: Outcome
    category: Category
    service: Service
    drug: str | None = Field(None, description="a medication's generic name ('/'-joined for a compound)")
    drug_class: DrugClass | None = None
    original_request: str | None = Field(
        None, description="partial approval: the request as first made (the title is the disputed remainder)")
    authorized: str | None = Field(None, description="partial approval: what the claims administrator authorized")
    authorized_quantity: Annotated[int, Field(ge=1)] | None = None
    quantity: Annotated[int, Field(ge=1)] | None = None
    quantity_implied: bool = Field(False, description="no count stated; one study (MRI)")
    frequency_per_week: Annotated[float, Field(gt=0)] | None = None
    duration_weeks: Annotated[float, Field(gt=0)] | None = None
    body_regions: list[BodyRegion] = Field(default_factory=list)
    dates: list[dt.date] = Field(default_factory=list)
    claims_administrator_guideline: str | None = None
    maximus_guideline: str | None = None
    claims_administrator_citations: list[Citation] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list, description="the expert reviewer's")
    rationale: str | None = Field(None, repr=False)
    # Offsets into Letter.body, for quoting (Letter.quote).
    title_span: Span
    heading_span: Span = Field(description="title through the outcome word")
    claims_administrator_span: Span | None = Field(None, description="the label and its line")
    maximus_span: Span | None = Field(None, description="the label and its line")
    rationale_span: Span | None = Field(None, description="the rationale's words, without the label")


class Letter(_Model):
    source: str
    layout: Layout
    text: str = Field(repr=False, description="the text as read")
    body: str = Field(repr=False, description="furniture removed, whitespace collapsed")
    cuts: list[int] = Field(default_factory=list, description="body offsets where furniture was cut")
    furniture_lines: int = 0
    cover: Section | None = None
    method: Section | None = None
    reviewer: Section | None = None
    summary: Section | None = None
    documents_reviewed: Section | None = None
    issues: Section | None = None
    header: Header = Field(default_factory=Header)
    credentials: Credentials = Field(default_factory=Credentials)
    items: Annotated[list[Item], Field(min_length=1)]

    def quote(self, span: Span) -> str | list[str]:
        """The words of ``span``, split where page furniture was cut out (each piece is verbatim)."""
        start, end = span
        pieces, cursor = [], start
        for cut in self.cuts:
            if start < cut < end:
                pieces.append(self.body[cursor:cut])
                cursor = cut
        pieces.append(self.body[cursor:end])
        pieces = [p.strip() for p in pieces if p.strip()]
        return pieces[0] if len(pieces) == 1 else pieces


# ------------------------------------------------------------------------------ public reading


def collapse(text: str) -> str:
    """Runs of whitespace to one space, ends stripped (how quotes are compared with the letter)."""
    return " ".join(text.split())


def read_letter(path: str) -> Letter:
    """Read a letter from a PDF or a plain-text file."""
    p = Path(path)
    source = str(p)
    data = _read_bytes(p, source)
    if not data.strip():
        raise LetterError(source, "empty file")
    if b"%PDF-" in data[:1024]:
        text = _pdf_text(data, source)
    elif p.suffix.lower() == ".pdf":
        raise LetterError(source, "named .pdf but is not a PDF (no %PDF- header)")
    else:
        text = _decode_text(data, source)
    return parse_letter(text, source)


def parse_letter(text: str, source: str) -> Letter:
    """Parse the text of a determination letter; raise LetterError if it has no disputed item."""
    if not isinstance(text, str):
        raise LetterError(source, "expected the letter's text")
    if not text.strip():
        raise LetterError(source, "empty letter (no text)")
    clean = _clean(text)
    sections = _sections(clean)
    issues = sections.get("issues")
    items = _items(clean, sections)
    summary = sections.get("summary")
    if issues is None and items and summary is not None and summary.start < items[0].title_span[0] < summary.end:
        # Without an issues heading the summary ends where the first item begins.
        end = items[0].title_span[0] - 1
        sections["summary"] = Section(
            heading=summary.heading, start=summary.start, end=end, text=clean.body[summary.start:end]
        )
    if not items:
        if issues is None:
            raise LetterError(
                source, "no 'IMR ISSUES, DECISIONS AND RATIONALES' section and no disputed item found"
            )
        raise LetterError(
            source, f"no disputed item with an outcome (Upheld/Overturned) in the '{issues.heading}' section"
        )
    return Letter(
        source=source,
        layout=_layout(sections, clean.body),
        text=text,
        body=clean.body,
        cuts=clean.cuts,
        furniture_lines=clean.removed,
        cover=sections.get("cover"),
        method=sections.get("method"),
        reviewer=sections.get("reviewer"),
        summary=sections.get("summary"),
        documents_reviewed=sections.get("documents"),
        issues=issues,
        header=read_header(clean.body, _header_end(clean.body, sections)),
        credentials=_credentials(sections),
        items=items,
    )


def _header_end(body: str, sections: dict[str, Section]) -> int:
    """The header stands before the first section (the 2013 cover heading is part of it)."""
    starts = [sec.start for kind, sec in sections.items() if kind != "cover"]
    return min(starts, default=len(body))


def _read_bytes(p: Path, source: str) -> bytes:
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise LetterError(source, "no such file") from None
    except IsADirectoryError:
        raise LetterError(source, "is a directory, expected a letter file") from None
    except (OSError, ValueError) as e:
        raise LetterError(source, f"cannot read: {getattr(e, 'strerror', None) or type(e).__name__}") from None


def _decode_text(data: bytes, source: str) -> str:
    if b"\x00" in data:
        raise LetterError(source, "not a PDF or text file")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise LetterError(source, "not a PDF or text file")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(2, len(text) // 50):
        raise LetterError(source, "not a PDF or text file")
    return text


# ------------------------------------------------------------------------------------ cleaning

_FURNITURE = re.compile(
    r"(?:(?:CM\d{2}-\d+\s*)?Page\s+\d{1,3}(?:\s+of\s+\d{1,3})?"
    r"|-\s*\d{1,3}\s*-"
    r"|Final Determination Letter for IMR Case Number\b.{0,40}"
    r"|IMR Case Number:?\s*CM\d{2}-\d+\s*(?:Page\s+\d{1,3}(?:\s+of\s+\d{1,3})?)?)",
    re.I,
)
_EDGE = 2  # lines at the top and at the bottom of a page that may be a running header or footer


@dataclass
class _Clean:
    body: str
    lines: list[Span]
    cuts: list[int] = field(default_factory=list)
    removed: int = 0


def _clean(text: str) -> _Clean:
    pages = [page.split("\n") for page in text.replace("\r\n", "\n").replace("\r", "\n").split("\f")]
    # Each page's lines, whitespace collapsed and blank ones dropped, once for both passes below.
    contents = [[line for line in map(collapse, page) if line] for page in pages]
    running = _running_lines(contents)
    parts: list[str] = []
    lines: list[Span] = []
    cuts: list[int] = []
    removed, pos, cut_pending = 0, 0, False
    for content in contents:
        for i, line in enumerate(content):
            at_edge = i < _EDGE or i >= len(content) - _EDGE
            if _FURNITURE.fullmatch(line) or (at_edge and _shape(line) in running and not _keep(line)):
                removed += 1
                cut_pending = True
                continue
            if parts:
                pos += 1
                if cut_pending:
                    cuts.append(pos)
            cut_pending = False
            parts.append(line)
            lines.append((pos, pos + len(line)))
            pos += len(line)
    return _Clean(" ".join(parts), lines, cuts, removed)


# Lines that are the letter's own words wherever they stand: an item heading ("<title>: Upheld",
# "<title> is not medically necessary") and the labels of an item's block. Two items' titles may
# differ only in digits ("ACUPUNCTURE X 12: Upheld", "ACUPUNCTURE X 6: Upheld") and both stand at a
# page edge; a running header never says this.
_NEVER_FURNITURE = re.compile(
    r":\s*(?:Upheld|Overturned)\b"
    r"|\b(?:is|are)\s+(?:not\s+)?medically\s+necessary"
    r"|^(?:\d{1,2}[.)]\s+)?(?:Claims Administrator guideline|MAXIMUS guideline|Decision rationale"
    r"|The Claims Administrator based|The Expert Reviewer based|The Expert Reviewer'?s decision rationale"
    r"|Rationale for the Decision)\b",
    re.I,
)


def _keep(line: str) -> bool:
    return bool(_NEVER_FURNITURE.search(line))


_DIGITS = re.compile(r"\d+")


def _shape(line: str) -> str:
    return _DIGITS.sub("#", line.lower())


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Running headers and footers: lines (digits ignored) at the same edge of most pages (each page
    given as its non-blank lines, whitespace collapsed).

    Real letters have few running lines (the numbered ones are caught by ``_FURNITURE``), while the
    end of a rationale ("necessary.") or a guideline label often lands at a page edge on two pages
    by chance; removing those loses words or whole items. So a running line must stand at the same
    edge of at least two pages and of most of them, must not begin in lower case (prose carried over
    from the line before), and must not be a part of the letter's structure (an item heading or an
    item's labels: ``_keep``).
    """
    if len(pages) < 2:
        return set()
    seen: dict[tuple[str, str], int] = {}
    for content in pages:
        for edge, lines in (("top", content[:_EDGE]), ("bottom", content[-_EDGE:])):
            for shape in {_shape(line) for line in lines if _may_run(line)}:
                seen[(edge, shape)] = seen.get((edge, shape), 0) + 1
    needed = max(2, -(-len(pages) * 3 // 5))
    return {shape for (_, shape), n in seen.items() if n >= needed and len(shape) <= 120}


def _may_run(line: str) -> bool:
    return not line[:1].islower() and not _keep(line) and not (
        _OUTCOME_AFTER_COLON.search(line) or _BLOCK_MARK.match(line) or _NECESSITY.search(line)
    )


# ------------------------------------------------------------------------------------ sections

_HEADINGS: list[tuple[str, str, bool]] = [
    # (kind, pattern, whether the heading may begin a line that goes on with text in any case)
    ("cover", r"Notice of Independent Medical Review Determination", True),
    ("method", r"HOW THE (?:IMR )?FINAL DETERMINATION WAS MADE", False),
    ("reviewer", r"The Expert Reviewer has the following credentials"
                 r"|Medical\s*Qualifications\s*of\s*the\s*Expert\s*Reviewer", True),
    ("summary", r"CLINICAL CASE SUMMARY|Case\s*Summary(?=\s*:)", False),
    ("documents", r"(?:IMR )?DOCUMENTS REVIEWED", False),
    (
        "issues",
        r"IMR ISSUES,? DECISIONS,? AND RATIONALES?|IMR DECISION\(?S?\)? AND RATIONALE\(?S?\)?"
        r"|INDEPENDENT\s*MEDICAL\s*REVIEW\s*DECISION\s*AND\s*RATIONALE",
        False,
    ),
]
_HEADING_RES = [(kind, re.compile(rf"(?:{pat})\s*:?", re.I), loose) for kind, pat, loose in _HEADINGS]
# Any heading at all: one match per line rules out the lines (nearly all) that begin with none.
_ANY_HEADING = re.compile("|".join(f"(?:{pat})" for _, pat, _ in _HEADINGS), re.I)


def _sections(clean: _Clean) -> dict[str, Section]:
    found: list[tuple[int, int, str, str]] = []  # (heading start, text start, kind, heading)
    kinds: set[str] = set()
    for start, end in clean.lines:
        line = clean.body[start:end]
        if not _ANY_HEADING.match(line):
            continue
        for kind, regex, loose in _HEADING_RES:
            m = regex.match(line)
            if not m or kind in kinds:
                continue
            rest = line[m.end():]
            if rest.strip() and not (loose or line[: m.end()].isupper()):
                continue
            heading = line[: m.end()].rstrip(" :")
            text_start = start + m.end()
            while text_start < len(clean.body) and clean.body[text_start] == " ":
                text_start += 1
            found.append((start, text_start, kind, heading))
            kinds.add(kind)
            break
    found.sort()
    sections: dict[str, Section] = {}
    for i, (_, text_start, kind, heading) in enumerate(found):
        end = found[i + 1][0] - 1 if i + 1 < len(found) else len(clean.body)
        end = max(end, text_start)
        sections[kind] = Section(
            heading=heading, start=text_start, end=end, text=clean.body[text_start:end]
        )
    return sections


def _layout(sections: dict[str, Section], body: str) -> Layout:
    if "cover" in sections or _determined(body) or _NOTICE_LINE.search(body, 0, 400):
        return Layout.notice_2013
    issues = sections.get("issues")
    if "documents" in sections or (issues is not None and "DECISION(" in issues.heading.upper()):
        return Layout.decisions_rationales
    if sections.keys() & {"method", "summary", "issues"}:
        return Layout.final_determination
    return Layout.unknown


# --------------------------------------------------------------------------------- credentials


def _credentials(sections: dict[str, Section]) -> Credentials:
    text = " ".join(s.text for k in ("method", "reviewer") if (s := sections.get(k)) is not None)
    states: list[str] = []
    specialties: list[str] = []
    m = re.search(r"State\(s\) of Licensure\s*:\s*(.+?)(?=\s*Certification\(s\)|\s*$)", text, re.I)
    if m:
        states += _split_list(m.group(1))
    m = re.search(r"Certification\(s\)\s*/\s*Specialty\s*:\s*(.+?)\s*$", text, re.I)
    if m:
        specialties += _split_list(m.group(1)[:300], keep_and=True)
    statement, board = None, None
    m = re.search(r"The expert reviewer is [^.]{0,300}?(?:licensed|certified)[^.]{0,300}\.", text, re.I)
    if m:
        statement = m.group(0)
        board_m = re.search(r"Board[- ]Certified in (.+?)(?=,| and (?:is|has)\b|\.)", statement, re.I)
        licensed_m = re.search(r"\blicensed in (.+?)(?=,| and (?:is|has)\b|\.)", statement, re.I)
        sub_m = re.search(r"subspecialty in (.+?)(?=,| and (?:is|has)\b|\.)", statement, re.I)
        for match in (board_m, licensed_m, sub_m):
            if match and match.group(1).strip() not in specialties:
                specialties.append(match.group(1).strip())
        board = True if board_m else (False if licensed_m else None)
        practice = re.search(r"licensed to practice in (.+?)(?=\.|,| and (?:is|has)\b)", statement, re.I)
        if practice:
            states += [s for s in _split_list(practice.group(1)) if s not in states]
    return Credentials(
        licensure_states=states, specialties=specialties, board_certified=board, statement=statement
    )


def _split_list(text: str, keep_and: bool = False) -> list[str]:
    parts = re.split(r"\s*[,;]\s*" if keep_and else r"\s*[,;]\s*|\s+and\s+", text.strip().rstrip("."))
    return [p.strip() for p in (re.sub(r"^and\s+", "", p) for p in parts) if p.strip()]


# ----------------------------------------------------------------------------------------- items

_OUTCOME_AFTER_COLON = re.compile(r":\s*(Upheld|Overturned)\b", re.I)
_NECESSITY = re.compile(
    r"\s+(?:is|are)\s+(not\s+)?medically\s+necessary(?:\s+and\s+appropriate)?\.?", re.I
)
_CA_MARK = re.compile(
    r"Claims Administrator guideline\s*:|The Claims Administrator based its decision on"
    r"|Medical\s*Treatment\s*Guideline\(?s?\)?\s*used\s*by\s*the\s*Claims\s*Administrator\s*:"
    r"(?:\s*The\s*Claims\s*Administrator\s*based\s*its\s*decision\s*on)?", re.I
)
_MAX_MARK = re.compile(
    r"MAXIMUS guideline\s*:|The Expert Reviewer based (?:his/her|his or her|his|her) decision on"
    r"|Medical\s*Treatment\s*Guideline\(?s?\)?\s*used\s*by\s*the\s*Expert\s*Reviewer\s*:"
    r"(?:\s*The\s*Expert\s*Reviewer\s*based\s*(?:his/her|his or her|his|her)\s*decision\s*on)?", re.I
)
_RAT_MARK = re.compile(
    r"Decision rationale\s*:|The Expert Reviewer'?s decision rationale\s*:|Rationale for the Decision\s*:",
    re.I,
)
_SENTENCE_END = re.compile(r"\.(?:\s|$)")
# One scan for the nearest label of any kind (the leftmost match of an alternation is the earliest
# of its alternatives' matches), where a label's value ends.
_ANY_MARK = re.compile("|".join(f"(?:{mark.pattern})" for mark in (_CA_MARK, _MAX_MARK, _RAT_MARK)), re.I)
_BLOCK_MARK = re.compile(
    rf"{_CA_MARK.pattern}|{_MAX_MARK.pattern}|{_RAT_MARK.pattern}|set forth below\s*:", re.I
)


@dataclass
class _Heading:
    title: Span
    heading: Span
    outcome: Outcome
    original: str | None = None  # a partial approval's original request
    authorized: str | None = None  # and what of it was authorized


def _items(clean: _Clean, sections: dict[str, Section]) -> list[Item]:
    issues = sections.get("issues")
    if issues is not None:
        region = issues.span
    else:
        # No issues heading: look for items anywhere but in the clinical summary.
        summary = sections.get("summary")
        region = (summary.end, len(clean.body)) if summary else (0, len(clean.body))
    determined = _determined_items(clean)
    if determined:
        return determined
    headings = _colon_headings(clean, region) or _necessity_headings(clean, region)
    if issues is None and not headings and region[0] > 0:
        # The summary ran on to the end: the items may be inside it, after its heading.
        region = (0, len(clean.body))
        headings = _colon_headings(clean, region) or _necessity_headings(clean, region)
    items = []
    for i, head in enumerate(headings):
        block_end = headings[i + 1].title[0] if i + 1 < len(headings) else region[1]
        items.append(_item(clean.body, i + 1, head, block_end))
    return items


# The 2013 letters list their decisions as sentences, once after the greeting and again under
# "INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE", and give each item's guideline lines and
# rationale in a block "1) Regarding the request for <X>:". Their PDF text often loses spaces
# ("hasdetermined", "notmedically"), so every space in these patterns is optional.
_DETERMINED = re.compile(
    r"(?<![\w)])(?P<n>\d{1,2})\s*[.)]\s*(?:MAXIMUS\s*Federal\s*Services,?\s*Inc\.?,?\s*)?has\s*determined"
    r"\s*(?:that\s*)?the\s*requests?\s*for\s*(?P<title>.{1,400}?)\s*(?:is|are)\s*(?P<not>not\s*)?"
    r"medically\s*necessary(?:\s*and\s*appropriate)?\s*\.?", re.I | re.S)
_NOTICE_LINE = re.compile(r"Notice\s*of\s*Independent\s*Medical\s*Review\s*Determination", re.I)
_REGARDING = re.compile(r"(?<![\w)])(?P<n>\d{1,2})\s*[.)]\s*Regarding\s*the\s*requests?\s*for\b", re.I)


@lru_cache(maxsize=1)
def _determined(body: str) -> tuple[re.Match[str], ...]:
    """The 2013 layout's "N) ... has determined that the request for ... is (not) medically
    necessary" sentences of a body (asked by the layout and by the item reader)."""
    # Every one contains the word "determined": a body without it is not scanned (an ASCII body's
    # lower case is the case folding the pattern matches with).
    if body.isascii() and "determined" not in body.lower():
        return ()
    return tuple(_DETERMINED.finditer(body))


def _determined_items(clean: _Clean) -> list[Item]:
    body = clean.body
    found = list(_determined(body))
    if not found:
        return []
    firsts: dict[int, re.Match[str]] = {}
    lasts: dict[int, re.Match[str]] = {}
    for m in found:
        n = int(m.group("n"))
        firsts.setdefault(n, m)
        lasts[n] = m
    blocks = {int(m.group("n")): m for m in _REGARDING.finditer(body)}
    stops = sorted({m.start() for m in found} | {m.start() for m in blocks.values()} | {len(body)})
    items = []
    for number, n in enumerate(sorted(firsts), start=1):
        m = lasts[n]
        head = _Heading(m.span("title"), m.span(), Outcome.upheld if m.group("not") else Outcome.overturned)
        # The item's block: its "N) Regarding the request for" section, else what follows its decision.
        start = blocks[n].end() if n in blocks else m.end()
        end = next(stop for stop in stops if stop >= start)
        items.append(_item(body, number, head, end, block_start=start))
    return items


def _line_index(clean: _Clean, pos: int) -> int:
    lo, hi = 0, len(clean.lines) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if clean.lines[mid][0] <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _title_start(clean: _Clean, region: Span, colon: int) -> int:
    """Where an item title ending at ``colon`` begins: at a line start after a finished sentence."""
    k = _line_index(clean, colon)
    j = k
    while j > 0 and k - j < 3:
        prev_start, prev_end = clean.lines[j - 1]
        if prev_end <= region[0] or clean.body[prev_start:prev_end].rstrip()[-1:] in ".:;?!":
            break
        j -= 1
    start = max(clean.lines[j][0], region[0])
    candidate = clean.body[start:colon]
    # A line that ran a rationale and the next title together: keep what follows the last sentence.
    marks = list(_BLOCK_MARK.finditer(candidate))
    if marks:
        tail_from = marks[-1].end()
        ends = list(re.finditer(r"[.:]\s+", candidate[tail_from:]))
        start += tail_from + (ends[-1].end() if ends else 0)
        candidate = clean.body[start:colon]
    # The last sentence of a rationale on the title's line ("... not medically necessary. 12 ...").
    ends = list(_SENTENCE_END.finditer(candidate))
    if ends:
        start += ends[-1].end()
    return start


_SENTENCE_END = re.compile(r"(?<=[a-z]{3}[.!?])\s+(?=[A-Z0-9(])")


def _colon_headings(clean: _Clean, region: Span) -> list[_Heading]:
    body = clean.body
    out: list[_Heading] = []
    floor = region[0]
    for m in _OUTCOME_AFTER_COLON.finditer(body, region[0], region[1]):
        start = max(_title_start(clean, region, m.start()), floor)
        while start < m.start() and body[start] == " ":
            start += 1
        title_end = m.start()
        while title_end > start and body[title_end - 1] == " ":
            title_end -= 1
        if title_end <= start:
            continue
        outcome = Outcome.upheld if m.group(1).lower() == "upheld" else Outcome.overturned
        out.append(_partial(body, floor, _Heading((start, title_end), (start, m.end()), outcome)))
        floor = m.end()
    return out


_REMAINDER = re.compile(
    r"(?:The\s*remaining\s*IMR\s*eligible\s*portion\s*of\s*the\s*original\s*request|The\s*original\s*request)"
    r"\s*,?\s*(?P<rest>.+?)\s*,?(?:\s*(?:is|are))?\s*$", re.I | re.S)
_ORIGINAL = re.compile(r"\s*was\s*the\s*original\s*request\s*\.", re.I)
_AUTHORIZED = re.compile(
    r"(?P<a>.+?)\s*(?:was|were)\s*authorized\s*by\s*the\s*Claims\s*Administrator"
    r"|The\s*Claims\s*Administrator\s*authorized\s*(?P<b>.+?)(?=\s*,\s*leaving|\.\s|\.$)", re.I | re.S)
_SENTENCE_STOP = re.compile(r"[.!?:]\s+(?=[A-Z0-9(])")


def _partial(body: str, floor: int, head: _Heading) -> _Heading:
    """A partial approval's heading: the disputed remainder is the title; the original request and
    what was authorized are kept ("X was the original request. Y was authorized by the Claims
    Administrator. The remaining IMR eligible portion of the original request, Z is: Upheld")."""
    start, end = head.title
    m = _REMAINDER.match(body, start, end)
    if not m:
        return head
    title = (m.start("rest"), m.end("rest"))
    before = body[floor:start]
    originals = list(_ORIGINAL.finditer(before))
    if not originals:
        return _Heading(title, head.heading, head.outcome)
    said = originals[-1]
    stops = list(_SENTENCE_STOP.finditer(before, 0, said.start()))
    x_start = stops[-1].end() if stops else 0
    original = " ".join(before[x_start:said.start()].split()) or None
    granted = _AUTHORIZED.search(before, said.end())
    authorized = " ".join((granted.group("a") or granted.group("b")).split()) if granted else None
    return _Heading(title, (floor + x_start, head.heading[1]), head.outcome, original, authorized)


def _necessity_headings(clean: _Clean, region: Span) -> list[_Heading]:
    """2013 wording: "1. <title> is (not) medically necessary and appropriate." at a line start."""
    body = clean.body
    out: list[_Heading] = []
    floor = region[0]
    for line_start, _ in clean.lines:
        if line_start < max(region[0], floor) or line_start >= region[1]:
            continue
        window = body[line_start : min(region[1], line_start + 600)]
        number = re.match(r"\d{1,2}[.)]\s+", window)
        m = _NECESSITY.search(window)
        if not m or "." in window[: m.start()].replace(number.group(0) if number else "", "", 1):
            continue
        title_start = line_start + (number.end() if number else 0)
        title_end = line_start + m.start()
        after = body[line_start + m.end() : line_start + m.end() + 200].lstrip()
        # Unnumbered, the sentence could be a rationale's closing words: insist on the guideline lines.
        if not number and not (_CA_MARK.match(after) or _MAX_MARK.match(after) or _RAT_MARK.match(after)):
            continue
        if title_end <= title_start:
            continue
        outcome = Outcome.upheld if m.group(1) else Outcome.overturned
        out.append(_Heading((title_start, title_end), (title_start, line_start + m.end()), outcome))
        floor = line_start + m.end()
    return out


def _item(body: str, number: int, head: _Heading, block_end: int, block_start: int | None = None) -> Item:
    title = body[head.title[0] : head.title[1]]
    block_start = head.heading[1] if block_start is None else block_start
    ca = _field(body, _CA_MARK, block_start, block_end)
    mx = _field(body, _MAX_MARK, block_start, block_end)
    rat = _field(body, _RAT_MARK, block_start, block_end, to_end=True)
    amount = parse_amount(title)
    named = classify(title)
    quantity, implied = amount.quantity, False
    if quantity is None and mentions_mri(title):
        quantity, implied = 1, True
    authorized_quantity = parse_amount(head.authorized).quantity if head.authorized else None
    return Item(
        number=number,
        title=title,
        outcome=head.outcome,
        category=category(named.service),
        service=named.service,
        drug=named.drug,
        drug_class=named.drug_class,
        original_request=head.original,
        authorized=head.authorized,
        authorized_quantity=authorized_quantity,
        claims_administrator_citations=parse_citations(ca[0] if ca else None),
        citations=parse_citations(mx[0] if mx else None),
        quantity=quantity,
        quantity_implied=implied,
        frequency_per_week=amount.frequency_per_week,
        duration_weeks=amount.duration_weeks,
        body_regions=find_body_regions(title),
        dates=[d for d, _ in find_dates(title)],
        claims_administrator_guideline=ca[0] if ca else None,
        maximus_guideline=mx[0] if mx else None,
        rationale=rat[0] if rat else None,
        title_span=head.title,
        heading_span=head.heading,
        claims_administrator_span=ca[1] if ca else None,
        maximus_span=mx[1] if mx else None,
        rationale_span=rat[2] if rat else None,
    )


def _field(
    body: str, marker: re.Pattern[str], start: int, end: int, to_end: bool = False
) -> tuple[str, Span, Span] | None:
    """(value, span of label and value, span of value) for a labelled part of an item block."""
    m = marker.search(body, start, end)
    if not m:
        return None
    stop = end
    if not to_end:
        following = _ANY_MARK.search(body, m.end(), end)  # the first of the three labels after this one
        if following:
            stop = following.start()
        else:
            # No label follows: a guideline is one sentence, not the rest of the block.
            sentence = _SENTENCE_END.search(body, m.end(), end)  # within the block, not a copy of it
            stop = sentence.end() if sentence else end
    value_start = m.end()
    while value_start < stop and body[value_start] == " ":
        value_start += 1
    value_end = stop
    while value_end > value_start and body[value_end - 1] == " ":
        value_end -= 1
    if value_end <= value_start:
        return None
    return body[value_start:value_end], (m.start(), value_end), (value_start, value_end)


# ---------------------------------------------------------------------- words: numbers, amounts

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60}
_WORD_NUMBER = (
    rf"(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(k for k in _UNITS if _UNITS[k] < 10)}))?"
    rf"|{'|'.join(sorted(_UNITS, key=len, reverse=True))}|a dozen|dozen|a single|single)"
)
_ONE = rf"(?:\d{{1,4}}|{_WORD_NUMBER})"
NUMBER = rf"(?:{_ONE}(?:\s*(?:-|to|or)\s*{_ONE})?)"


def number_value(words: str) -> int | None:
    """'12' -> 12, 'six' -> 6, 'twenty-four' -> 24, '2-3' -> 3 (a range counts as its upper bound)."""
    text = " ".join(words.lower().split())
    whole = _one_value(text)
    if whole is not None:
        return whole
    parts = re.split(r"\s*(?:-|\bto\b|\bor\b)\s*", text)
    known = [v for v in (_one_value(p) for p in parts) if v is not None]
    return max(known) if known else None


def _one_value(word: str) -> int | None:
    word = word.strip()
    if word.isdigit():
        return int(word)
    if word in ("a dozen", "dozen"):
        return 12
    if word in ("a single", "single"):
        return 1
    if word in _UNITS:
        return _UNITS[word]
    m = re.fullmatch(rf"({'|'.join(_TENS)})(?:[- ]({'|'.join(_UNITS)}))?", word)
    if m:
        return _TENS[m.group(1)] + (_UNITS[m.group(2)] if m.group(2) else 0)
    return None


class Amount(_Model):
    quantity: int | None = None
    frequency_per_week: float | None = None
    duration_weeks: float | None = None


_N = rf"(?P<n>{NUMBER})"
_FREQ_WORD = r"(?P<fw>once|twice|thrice)"
_PER_WEEK = r"\s*(?:x|×|times)?\s*(?:/|a|an|per|each|every)?\s*(?:wk|week|weekly)s?\b\.?"
_WEEKS = r"\s*(?:wks?|weeks?)\b\.?"
_AMOUNT_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "freq",
        re.compile(
            rf"(?<![\w/])(?:(?P<f>{NUMBER})\s*(?:x|×|times|/)|{_FREQ_WORD}){_PER_WEEK}", re.I
        ),
    ),
    ("grid", re.compile(r"(?<![\w/.])(?P<f>\d{1,2})\s*[x×]\s*(?P<d>\d{1,2})(?![\d/.%])", re.I)),
    ("dur", re.compile(rf"(?:\b(?:for|over|times)|(?<![A-Za-z0-9])[x×])\s*(?P<d>{NUMBER}){_WEEKS}", re.I)),
    ("dur", re.compile(rf"(?<![\w/])(?P<d>{NUMBER}){_WEEKS}\s+of\b", re.I)),
    (
        "count",
        re.compile(
            rf"(?<![\w/])\(?(?P<n>{NUMBER})\)?\s+(?:\(\d{{1,4}}\)\s+)?(?:[A-Za-z][\w/-]*\s+){{0,3}}?"
            r"(?:sessions?|visits?|treatments?|appointments?|tx)\b",
            re.I,
        ),
    ),
    ("count", re.compile(rf"\b(?:trial|course|series|total)\s+of\s+(?P<n>{NUMBER})\b", re.I)),
    (
        "count",
        re.compile(rf"(?:\btimes|(?<![A-Za-z0-9])[x×]|\b(?:sessions?|visits?|qty|quantity))\s*[:#]?\s*(?P<n>{NUMBER})\b", re.I),
    ),
    ("count", re.compile(r"#\s*(?P<n>\d{1,4})\b")),
    ("count", re.compile(r"\((?P<n>\d{1,3})\)")),
    # A bare number opening or closing the wording ("12 acupuncture", "Acupuncture twelve").
    ("count", re.compile(rf"^\s*(?P<n>{NUMBER})\b(?!\s*(?:years?|months?|days?|weeks?|wks?|hours?)\b)", re.I)),
    ("count", re.compile(rf"(?<![\w/#.-])(?P<n>{NUMBER})\s*$", re.I)),
]
_MASK = re.compile(
    r"\b\d{1,2}[/-]\d{1,2}[/-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b"                   # dates
    r"|\b[CTLS]\d{1,2}(?:\s*-\s*[CTLS]?\d{1,2})?\b"                              # spinal levels
    r"|\b\d+(?:\.\d+)?\s*(?:mg|mcg|ml|cc|%)"                                     # doses
    r"|\b\d+\s*/\s*\d+\b"                                                        # 10/325, 9/10
    r"|\b\d{1,3}[- ]years?[- ]old\b",
    re.I,
)


def parse_amount(text: str) -> Amount:
    """Quantity, frequency per week and duration in weeks stated by an item's wording.

    "1xWk x 6Wks" -> 6 (1/week, 6 weeks); "2x3" -> 6 (2/week, 3 weeks); "x12", "X 12", "times 12",
    "12 sessions", "twelve visits", "ONE SESSION" -> that count. Dates, spinal levels (L4-5) and doses
    are not counts. A stated count wins over frequency x duration.
    """
    masked = _mask_month_dates(_MASK.sub(lambda m: " " * len(m.group(0)), text))
    freq = dur = count = None
    for kind, regex in _AMOUNT_PATTERNS:
        for m in regex.finditer(masked):
            if kind == "freq" and freq is None:
                freq = _FREQ_WORDS.get((m.group("fw") or "").lower()) or _value(m.group("f"))
            elif kind == "dur" and dur is None:
                dur = _value(m.group("d"))
            elif kind == "grid" and freq is None and dur is None:
                freq, dur = _value(m.group("f")), _value(m.group("d"))
            elif kind == "count" and count is None:
                count = _value(m.group("n"))
            else:
                continue
            masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end():]
    quantity = _with_refills(text, count)
    if quantity is None and freq and dur:
        quantity = int(freq * dur)
    return Amount(
        quantity=quantity if quantity and 1 <= quantity <= 9999 else None,
        frequency_per_week=float(freq) if freq else None,
        duration_weeks=float(dur) if dur else None,
    )


_FREQ_WORDS = {"once": 1, "twice": 2, "thrice": 3}


def _value(words: str | None) -> int | None:
    if not words:
        return None
    value = number_value(words)
    return value if value and value <= 9999 else None


# Refills of a dispensed count: "#60 with 2 refills" is 180 tablets, "Three refills of X #60" is 180.
_REFILLS_AFTER = re.compile(rf"#\s*\d{{1,4}}\b[^#]{{0,30}}?\bwith\s+(?P<n>{NUMBER})\s+refills?\b", re.I)
_REFILLS_OF = re.compile(rf"^\W*(?:retrospective\s+)?(?P<n>{NUMBER})\s+refills?\s+of\b[^#]{{0,60}}#\s*\d", re.I)


def _with_refills(text: str, count: int | None) -> int | None:
    if count is None:
        return None
    if (m := _REFILLS_AFTER.search(text)) and (n := _value(m.group("n"))) is not None and n <= 12:
        return count * (1 + n)
    if (m := _REFILLS_OF.search(text)) and (n := _value(m.group("n"))) is not None and n <= 12:
        return count * n
    return count


def _mask_month_dates(text: str) -> str:
    for m in _MONTH_DATE.finditer(text):
        text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    return text


__all__ = [
    "DATE_PATTERN", "NUMBER", "Amount", "Credentials", "Item", "Layout", "Letter", "LetterError",
    "Section", "Span", "classify_service", "collapse", "find_body_regions", "find_dates",
    "find_services", "mentions_mri", "number_value", "parse_amount", "parse_date", "parse_letter",
    "read_letter", "region_mentions",
]
