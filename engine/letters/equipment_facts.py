"""What a letter says about equipment, home health and laboratory requests, and whether the injured
worker is homebound.

From an item's title: the kind of device a durable medical equipment request names (a lumbar support,
hot or cold packs, a cold therapy unit, a wrist splint), what a home health request provides (skilled
care, personal care, domestic care) and how many hours a week, and the kind of laboratory test (a drug
screen, a blood test). From the clinical case summary: whether the worker is confined to the home.
Only what the words state; anything else stays unknown.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from engine.cases import prefilter
from engine.letters.context import context
from engine.cases.vocab import Equipment, HomeCare, LabTest, Service

if TYPE_CHECKING:  # the collector lives in engine.letters.extract, which calls this module
    from engine.letters.extract import _Facts
    from engine.letters.reader import Item, Letter, Span


def _words(pattern: str) -> re.Pattern[str]:
    return prefilter.compile(rf"\b(?:{pattern})\b", re.I)


# A cold therapy unit is a machine (continuous flow, compression); packs and pads are applied by hand.
_COLD_UNIT = _words(r"(?:cold|cryo\w*|ice)\s+(?:therapy\s+|compression\s+)?(?:units?|machines?|devices?|systems?)"
                    r"|cold\s+compression|cryotherapy|cryo[- ]?cuff|continuous[- ]flow|vascutherm|game\s*ready"
                    r"|polar\s*care|thermocool")
_HEAT_COLD = _words(r"(?:hot|heat|heating|ice|cold|thermal)(?:\s*(?:/|and|&)\s*(?:hot|heat|ice|cold))?\s+"
                    r"(?:(?:therapy|gel|touch|back|custom)\s+){0,3}(?:packs?|pads?|wraps?|therapy|applications?)"
                    r"|(?:hot|heat|ice|cold)/(?:hot|heat|ice|cold)")
_COLD = _words(r"cold|ice|cryo\w*")
_LUMBAR_SUPPORT = _words(r"(?:lumbar|back|lumbosacral|lumbo-sacral|LS|sacroiliac|SI)\s+"
                         r"(?:supports?|braces?|belts?|corsets?|orthos[ie]s|binders?)|LSO")
_WRIST_SPLINT = _words(r"(?:wrist|thumb|hand|carpal\s+tunnel|cock[- ]up)\s+(?:(?:and|/)\s*(?:wrist|thumb|hand)\s+)?"
                       r"(?:braces?|splints?|supports?|orthos[ie]s)|thumb\s+spica")

_SKILLED = _words(r"RN|LVN|LPN|nurs\w*|wound\s+care|skilled|intravenous|IV|infusions?|dressing\s+changes?"
                  r"|physical\s+therap\w*|occupational\s+therap\w*|speech\s+therap\w*")
_PERSONAL = _words(r"aides?|attendants?|caregivers?|personal\s+care|ADL'?s?|activities\s+of\s+daily\s+living"
                   r"|bathing|dressing|transfers?|toileting|feeding")
_DOMESTIC = _words(r"homemaker|housekeep\w*|chores?|cleaning|shopping|laundry|meal\s+preparation")
_HOURS_DAY = prefilter.compile(r"\b(\d{1,2})\s*(?:hours?|hrs?)\s*(?:per|a|/)\s*day\b[^.;]{0,20}?\b(\d)\s*"
                        r"(?:times|days|x)\s*(?:per|a|/)\s*week\b", re.I)
_HOURS_WEEK = prefilter.compile(r"\b(\d{1,3})\s*(?:hours?|hrs?)\s*(?:per|a|/)\s*week\b", re.I)

_DRUG_SCREEN = _words(r"drug\s+(?:screens?|screening|tests?|testing|panels?)|UDS|UDT|toxicology\w*"
                      r"|urine\s+tox\w*")
_BLOOD = _words(r"CBC|BMP|CMP|chem(?:istry)?(?:\s*\d+)?\s+panel|PT/PTT|PT/INR|INR|blood|h(?:a)?emoglobin|metabolic\s+panel"
                r"|lipid\s+panel|liver\s+function|LFTs?|A1c|coagulation|electrolytes|sed\s+rate|ESR|CRP")

_HOMEBOUND = _words(r"home[- ]?bound|confined\s+to\s+(?:the|his|her)\s+(?:home|house|bed)|bed[- ]?bound"
                    r"|unable\s+to\s+leave\s+(?:the|his|her)\s+(?:home|house)")


def item_details(item: Item, details: dict[str, Any]) -> dict[str, Any]:
    """The kind of device, home care or test an item's title names (``details``: what the title
    already gave, e.g. that the item is post-surgical care)."""
    title, out = item.title, {}
    if item.service is Service.durable_medical_equipment:
        out["equipment"] = _equipment(title, bool(details.get("post_surgical"))).value
    elif item.service is Service.home_health:
        care = _home_care(title)
        if care is not HomeCare.unknown:
            out["home_care"] = care.value
        hours = _hours_per_week(title)
        if hours is not None:
            out["hours_per_week"] = hours
    elif item.service is Service.lab_test:
        lab = LabTest.drug_screen if _DRUG_SCREEN.search(title) else (
            LabTest.blood_test if _BLOOD.search(title) else LabTest.other)
        out["lab"] = lab.value
    return out


def _equipment(title: str, post_surgical: bool) -> Equipment:
    if _COLD_UNIT.search(title):
        return Equipment.cold_therapy_unit
    if _HEAT_COLD.search(title):
        # Cold therapy requested with a surgery is the post-operative cold therapy unit, not packs.
        if post_surgical and _COLD.search(title):
            return Equipment.cold_therapy_unit
        return Equipment.heat_cold
    if _LUMBAR_SUPPORT.search(title):
        return Equipment.lumbar_support
    if _WRIST_SPLINT.search(title):
        return Equipment.wrist_splint
    return Equipment.other


def _home_care(title: str) -> HomeCare:
    # Skilled care decides: an aide beside a nurse does not make the request personal care only.
    for care, regex in ((HomeCare.skilled, _SKILLED), (HomeCare.personal_care, _PERSONAL),
                        (HomeCare.domestic, _DOMESTIC)):
        if regex.search(title):
            return care
    return HomeCare.unknown


def _hours_per_week(title: str) -> float | None:
    if m := _HOURS_DAY.search(title):
        return float(int(m.group(1)) * int(m.group(2))) or None
    if m := _HOURS_WEEK.search(title):
        return float(m.group(1)) or None
    return None


def read_homebound(f: _Facts, letter: Letter, span: Span) -> None:
    """Whether the summary says the worker is confined to the home: asserted is true, negated
    ("not homebound") false; uncertain or hypothetical words say nothing."""
    text = letter.body[span[0]:span[1]]
    for m in _HOMEBOUND.finditer(text):
        ctx = context(text, m.start(), m.end())
        if "negated" in {flag.value for flag in ctx.flags}:
            value = False
        elif ctx.asserted:
            value = True
        else:
            continue
        begin = text.rfind(". ", 0, m.start())
        end = text.find(".", m.end())
        sentence = (span[0] + (begin + 2 if begin >= 0 else 0), span[0] + (end + 1 if end >= 0 else len(text)))
        f.put(f.claimant, "homebound", "claimant.homebound", value, sentence)
        return
