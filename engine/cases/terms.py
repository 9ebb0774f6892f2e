"""What the words of a letter or request name: services, medications, body regions.

Two vocabularies. ``find_services`` finds the treatments of the encoded kind (therapies,
injections, programs) anywhere in text, such as a clinical summary's earlier treatment.
``classify`` names the service of a disputed item's title across the whole taxonomy
(``engine.cases.vocab.Category``): it also knows medications (by generic, brand and compounded-kit name,
from ``engine/data/medications.yaml``), tests, imaging of every region, surgery, visits, equipment,
home health. In both the earliest mention wins, the longest on a tie.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from engine.cases import prefilter
from engine.cases.vocab import BodyRegion, DrugClass, Service

Span = tuple[int, int]

_SERVICE_TERMS: list[tuple[Service, str, int]] = [
    # (service, pattern, flags); the earliest mention in a title wins, the longest on a tie.
    (Service.electroacupuncture,
     r"electro[- ]?acupuncture|acupuncture with (?:electrical|electric|e-?)\s*stim\w*", re.I),
    (Service.acupuncture, r"acupuncture|acupunture|accupuncture|acupunct\w*", re.I),
    (Service.massage_therapy, r"massage(?: therapy)?|myotherapy", re.I),
    (Service.chiropractic,
     r"chiropractic(?: care| treatments?| therapy| manipulation| sessions?| visits?)?|chiropractor"
     r"|(?:spinal |osteopathic |manual )?manipulation|manipulative therapy|manual therapy", re.I),
    (Service.chiropractic, r"\bCMT\b", 0),
    (Service.physical_therapy, r"physical therap(?:y|ies|ist)|physiotherapy", re.I),
    (Service.physical_therapy, r"\bPT\b(?!/PTT|/INR)", 0),
    (Service.occupational_therapy, r"occupational therap(?:y|ies)", re.I),
    (Service.occupational_therapy, r"\bOT\b", 0),
    (Service.aquatic_therapy,
     r"aqua(?:tic)?[- ]?therap(?:y|ies)|aquatherapy|aquatic (?:exercise|program)|pool therapy", re.I),
    (Service.psychotherapy,
     r"bio[- ]?behavio(?:u)?ral(?: (?:pain )?(?:therapy|treatment|management))?"
     r"|cognitive[- ]behavio(?:u)?ral(?: therapy)?|behavio(?:u)?ral (?:therapy|treatment|pain \w+)"
     r"|psychotherapy|psychological (?:treatment|therapy|sessions?|counsel\w*|intervention)"
     r"|\bCBT\b", re.I),
    (Service.biofeedback, r"bio-?feedback", re.I),
    (Service.functional_restoration_program, r"functional restoration(?: program)?", re.I),
    (Service.functional_restoration_program, r"\bFRP\b", 0),
    (Service.tens, r"transcutaneous electrical nerve stimulat\w*", re.I),
    (Service.tens, r"\bTENS\b(?: unit)?", 0),
    (Service.epidural_steroid_injection,
     r"(?:transforaminal |interlaminar |caudal )?epidural(?: steroid)? injections?"
     r"|transforaminal(?: epidural)?(?: steroid)? injections?", re.I),
    (Service.epidural_steroid_injection, r"\b(?:TF)?ESIs?\b", 0),
    (Service.trigger_point_injection, r"trigger point injections?", re.I),
    (Service.trigger_point_injection, r"\bTPIs?\b", 0),
]
_SERVICE_RES = [(s, prefilter.compile(rf"\b(?:{p})", f)) for s, p, f in _SERVICE_TERMS]
_MRI = prefilter.compile(r"\bMRI'?s?\b|\bMR imaging\b|magnetic resonance(?: imaging)?", re.I)


def without_overlaps(hits: Iterable[tuple[Any, Span]]) -> list[tuple[Any, Span]]:
    """Mentions in text order, the earliest winning and the longest on a tie; overlapped ones dropped."""
    out: list[tuple[Any, Span]] = []
    last_end = -1
    for what, (start, end) in sorted(hits, key=lambda h: (h[1][0], -(h[1][1] - h[1][0]))):
        if start >= last_end:
            out.append((what, (start, end)))
            last_end = end
    return out


def find_services(text: str) -> list[tuple[Service, Span]]:
    """Service mentions in ``text``, in order, without overlaps (MRIs not included)."""
    # The same sentence or title is asked about several times (classify, then its first mention;
    # the extractor's modality readers): each text is scanned once.
    return list(_services_in(text))


@lru_cache(maxsize=2048)
def _services_in(text: str) -> tuple[tuple[Service, Span], ...]:
    return tuple(without_overlaps((_SERVICE_RES[i][0], m.span()) for i, m in _service_group().finditer(text)))


@lru_cache(maxsize=None)
def _service_group() -> prefilter.Group:
    return prefilter.Group(regex for _, regex in _SERVICE_RES)


def classify_service(title: str) -> Service:
    """The treatment (or MRI) an item's wording names; `other` when it names none of them.

    Only the treatments of ``find_services`` and MRIs; ``classify`` knows the whole taxonomy."""
    services = find_services(title)
    mri = _MRI.search(title)
    if mri and (not services or mri.start() < services[0][1][0]):
        spines = [r for r in find_body_regions(title, ordered=True)
                  if r in (BodyRegion.lumbar_spine, BodyRegion.cervical_spine)]
        if spines:
            return Service.mri_lumbar if spines[0] is BodyRegion.lumbar_spine else Service.mri_cervical
        return Service.mri_other
    return services[0][0] if services else Service.other


def mentions_mri(text: str) -> bool:
    return _MRI.search(text) is not None


_REGION_TERMS: list[tuple[BodyRegion, str, int]] = [
    (BodyRegion.lumbar_spine,
     r"lumbar|lumbosacral|low(?:er)? back|L-spine|L/S\b|sacroiliac|SI joints?", re.I),
    (BodyRegion.lumbar_spine, r"\bL[1-5](?:\s*-\s*(?:L?[1-5]|S1))?\b", 0),
    (BodyRegion.cervical_spine, r"cervical|neck|C-spine", re.I),
    (BodyRegion.cervical_spine, r"\bC[1-7](?:\s*-\s*C?[1-7])\b", 0),
    (BodyRegion.thoracic_spine, r"thoracic|mid[- ]back|upper back|T-spine|dorsal spine", re.I),
    (BodyRegion.shoulder, r"shoulders?|rotator cuff", re.I),
    (BodyRegion.elbow, r"elbows?|epicondyl\w*", re.I),
    (BodyRegion.forearm, r"forearms?", re.I),
    (BodyRegion.wrist_hand, r"wrists?|hands?|fingers?|thumbs?|carpal", re.I),
    (BodyRegion.upper_extremity, r"upper extremit(?:y|ies)|arms?", re.I),
    (BodyRegion.hip, r"hips?", re.I),
    (BodyRegion.knee, r"knees?|menisc\w*|menisectomy|patell\w*", re.I),
    (BodyRegion.ankle_foot, r"ankles?|foot|feet|heels?|toes?|plantar|achilles", re.I),
    (BodyRegion.lower_extremity, r"lower extremit(?:y|ies)|legs?", re.I),
    (BodyRegion.head, r"head", re.I),
]
_REGION_RES = [(r, prefilter.compile(rf"\b(?:{p})\b", f)) for r, p, f in _REGION_TERMS]


def find_body_regions(text: str, ordered: bool = False) -> list[BodyRegion]:
    """Body regions named in ``text`` (vocabulary order, or order of first mention)."""
    firsts: dict[BodyRegion, int] = {}
    for region, regex in _REGION_RES:
        m = regex.search(text)
        if m and (region not in firsts or m.start() < firsts[region]):
            firsts[region] = m.start()
    if ordered:
        return sorted(firsts, key=lambda r: firsts[r])
    return [r for r in BodyRegion if r in firsts]


def region_mentions(text: str) -> Iterable[tuple[BodyRegion, Span]]:
    return _region_mentions_in(text)


@lru_cache(maxsize=2048)
def _region_mentions_in(text: str) -> tuple[tuple[BodyRegion, Span], ...]:
    # A sentence is asked about by the region readers of several facts: it is read once.
    return tuple((_REGION_RES[i][0], m.span()) for i, m in _region_group().finditer(text))


@lru_cache(maxsize=None)
def _region_group() -> prefilter.Group:
    return prefilter.Group(regex for _, regex in _REGION_RES)


# -------------------------------------------------------------------------- the whole taxonomy

# Item titles name more than treatments. Each (service, pattern, flags) below is tried together
# with the treatment terms above; prefixes that say when or why, not what, are set aside first.
_ITEM_TERMS: list[tuple[Service, str, int]] = [
    (Service.tens, r"electrical (?:muscle |nerve )?stimulation|e-?stim\w*|\bEMS\b|interferential", re.I),
    (Service.rehabilitation_other,
     r"(?:extracorporeal )?shock ?wave therapy|\bESWT\b|infrared therapy|ultrasound(?: therapy)? \d|"
     r"ultrasound(?=\s+\d|\s*$| therapy)|therapeutic exercises?|traction|spinolator|neurostimulation"
     r"|paraffin|home exercise (?:kit|program)|work (?:hardening|conditioning)|hot/cold therapy(?! \w*(?:unit|wrap|pad))"
     r"|physio\w*|modalities|kinesio", re.I),
    (Service.chiropractic, r"chiro\w*", re.I),
    (Service.electrodiagnostic,
     r"\bEMGs?\b|\bNCVs?\b|\bNCSs?\b|electromyograph\w*|nerve conduction(?: velocity)?(?: stud(?:y|ies)| tests?)?"
     r"|electrodiagnostic\w*|\bSSEPs?\b|somatosensory evoked", re.I),
    (Service.ct_scan, r"\bCT\b(?: scans?)?|computed tomography|\bCAT scan", re.I),
    (Service.x_ray, r"x-?rays?|radiographs?", re.I),
    (Service.lab_test,
     r"\blabs?\b|laboratory|\bPT/PTT\b|\bCBC\b|\bBMP\b|\bCMP\b|chem(?:istry)? panel|urinalysis|\bUA\b"
     r"|urine (?:drug )?(?:screen\w*|test\w*|toxicology)|drug (?:screen\w*|test\w*)|blood (?:work|tests?)"
     r"|\bPT/INR\b|hemoglobin|\bA1C\b|genetic test\w*", re.I),
    (Service.functional_capacity_evaluation, r"functional capacity evaluation|\bFCE\b", re.I),
    (Service.diagnostic_other,
     r"\bEKG\b|\bECG\b|electrocardiogra\w*|electroencephalogra\w*|\bEEG\b|bone scan|ultrasound"
     r"|sonogra\w*|\bDEXA\b|range of motion (?:of )?test\w*|grip (?:strength )?test|\bJamar\b"
     r"|impedance imaging|\bTPII\b|discogra\w*|myelogra\w*|sleep study|polysomnogra\w*"
     r"|(?:computerized )?(?:muscle|strength) testing|\bqualitative functional\b|diagnostic", re.I),
    (Service.joint_injection,
     r"platelet[- ]rich plasma|\bPRP\b|(?:intra-?articular|joint|knee|shoulder|hip|cortisone|steroid)"
     r" injections?|viscosupplement\w*|hyaluron\w*|synvisc|orthovisc|euflexxa|supartz"
     r"|injection (?:of )?\d+ ?cc", re.I),
    (Service.injection_other,
     r"(?:facet|medial branch|sacroiliac|SI joint|nerve|occipital|stellate|sympathetic) (?:joint )?"
     r"(?:blocks?|injections?)|radiofrequency|rhizotomy|neurolytic|\bblocks?\b|injections?|botox", re.I),
    (Service.surgical_assistant, r"assistant(?: surgeon)?|\bPA[- ]assist\w*|co-?surgeon", re.I),
    (Service.preoperative_evaluation,
     r"(?:pre-?op\w*\s+)?(?:medical )?clearance|pre-?operative (?:medical )?evaluation|\bH&P\b", re.I),
    (Service.surgery,
     r"arthroscop\w*|arthroplast\w*|surgery|surgical|\w+ectomy|\w+otomy|\w*plasty|repair|fusion"
     r"|decompression|release|\bORIF\b|fixation|tenodesis|debridement|reconstruction|replacement"
     r"|implant\w*|excision|removal|revision|neuroplasty|capsul\w+|\bRCR\b|\bSLAP\b|\bACDF\b"
     r"|acromioplasty|manipulation under anesthesia|\bMUA\b|spinal cord stimulator|\bSCS\b", re.I),
    (Service.office_visit,
     r"(?:follow[- ]?up |office |clinic |return )(?:office )?visits?|follow[- ]?ups?|office visits?"
     r"|(?:initial |re-?)?exam(?:ination)?s?\b|re-?evaluation|progress visits?|\bE&M\b"
     r"|medication management(?! consult)", re.I),
    (Service.consultation,
     r"consult\w*|referral|specialist|evaluation|(?:pain management|orthopedic|neurolog\w*|neurosurg\w*"
     r"|psychiatri\w*|internal medicine|podiatr\w*|rheumatolog\w*|urolog\w*|gastroenterolog\w*)"
     r" (?:visit|evaluation|referral|consult\w*)", re.I),
    (Service.psychological_evaluation,
     r"psycholog\w* (?:evaluation|assessment|testing|consult\w*)|psychiatric (?:evaluation|assessment)"
     r"|neuropsycholog\w*", re.I),
    (Service.inpatient_rehabilitation,
     r"(?:acute )?(?:inpatient|in-patient) rehab\w*|acute rehabilitation unit|skilled nursing"
     r"|\bSNF\b|rehabilitation (?:hospital|facility|unit)", re.I),
    (Service.program_other,
     r"weight (?:loss|reduction|management) program|gym membership|\bpool membership|\bYMCA\b"
     r"|(?:multidisciplinary|interdisciplinary) (?:pain )?program|detox\w*|\bHELP\b program"
     r"|pain (?:management )?program|work (?:hardening|conditioning) program", re.I),
    (Service.home_health,
     r"home (?:health|care|aide|nursing|assistance|attendant|help)\w*|\bRN\b|nurse|nursing"
     r"|caregiver|in-?home|housekeep\w*|homemaker", re.I),
    (Service.durable_medical_equipment,
     r"braces?|splints?|supports?|orthos[ie]s|orthotics?|slings?|ultrasling|slingshot|wraps?|pillows?"
     r"|wheelchair|walker|cane|crutch\w*|scooter|commode|shower chair|bath\w*|hospital bed|bed\b|chair"
     r"|mattress|cold (?:therapy|compression)\w*(?: unit)?|cryotherapy|vascutherm|game ready"
     r"|(?:hot|heat|ice)(?:/\w+)? (?:therapy )?(?:pads?|packs?|wraps?|units?)|heat therapy|\bpads?\b"
     r"|\bunit\b|gloves?|wipes|collar|cushion|workstation|\bdesk\b|keyboard|tens unit|stimulator unit"
     r"|compression (?:stockings|garments?|device)|\bDVT\b|lift\b|reacher|grabber|raised toilet"
     r"|equipment|\bDME\b|back support|lumbar support|inversion table", re.I),
    (Service.transportation, r"transport\w*|\btaxi\b|mileage|travel", re.I),
    (Service.medication_other,
     r"\bmedications?\b(?! management)|\bmg\b|\d\s*mg\b|tablets?|capsules?|refills?|oral suspension|\btabs?\b", re.I),
]
_ITEM_RES = [(s, prefilter.compile(rf"\b(?:{p})", f)) for s, p, f in _ITEM_TERMS]

_PREFIXES = re.compile(
    r"^(?:(?:associated surgical services?|retrospective(?: request)?(?: for)?|post-?op(?:erative)?"
    r"|pre-?op(?:erative)?(?=\s+(?!\w*\s*clearance|medical clearance|evaluation))"
    r"|prospective|(?:one|1|a|an|the)(?= )|purchase of(?: a| an)?|rental of(?: a| an)?|request(?:ed)? for)"
    r"\s*:?\s*)+",
    re.I,
)
_TOPICAL = prefilter.compile(
    r"\b(?:creams?|gels?|ointments?|lotions?|patch(?:es)?|topical\w*|transdermal|liniment|rub|spray"
    r"|compound(?:ed)?|in (?:a )?(?:cream|lipoderm|base)|\d+(?:\.\d+)?\s*%)",
    re.I,
)
_DRUG_CLASS_SERVICE: dict[DrugClass, Service] = {
    DrugClass.opioid: Service.opioid,
    DrugClass.nsaid: Service.nsaid,
    DrugClass.proton_pump_inhibitor: Service.gi_protective,
    DrugClass.h2_blocker: Service.gi_protective,
    DrugClass.muscle_relaxant: Service.muscle_relaxant,
    DrugClass.benzodiazepine: Service.benzodiazepine,
    DrugClass.anti_epilepsy_drug: Service.anti_epilepsy_drug,
    DrugClass.antidepressant: Service.antidepressant,
    DrugClass.topical_analgesic: Service.topical_analgesic,
    DrugClass.compound: Service.topical_analgesic,
    DrugClass.sleep_aid: Service.sleep_aid,
    DrugClass.antiemetic: Service.medication_other,
    DrugClass.other: Service.medication_other,
}


@dataclass(frozen=True)
class Drug:
    name: str  # the generic name (the class's name when only the class is named)
    drug_class: DrugClass
    class_only: bool = False  # "anti-inflammatory medications": no drug named


@dataclass(frozen=True)
class Named:
    """What an item's title names: its service and, for a medication, the drug and its class."""

    service: Service
    drug: str | None = None
    drug_class: DrugClass | None = None


class _Lexicon:
    def __init__(self, drugs: dict[str, Drug]):
        self.by_name = drugs

    @cached_property
    def regex(self) -> prefilter.Prefiltered | re.Pattern[str]:
        # Compiled on first use: the fact space needs only the names, and `imr check` of a case file
        # never searches text.
        names = sorted(self.by_name, key=len, reverse=True)
        return prefilter.compile(
            r"(?<![\w-])(?:" + "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names) + r")(?![\w-])",
            re.I,
        )


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    path = Path(__file__).parent.parent / "data" / "medications.yaml"
    # The C safe loader where PyYAML has it (the same data, a tenth of the time: this runs at every
    # start of `imr check`, since the fact table lists the drug names); safe either way.
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    drugs: dict[str, Drug] = {}
    for cls, words in raw.get("classes", {}).items():
        for word in words:
            drugs[word.lower()] = Drug(cls, DrugClass(cls), class_only=True)
    for generic, entry in raw["drugs"].items():
        drug = Drug(generic, DrugClass(entry["class"]))
        for name in [generic, *entry.get("names", [])]:
            drugs[name.lower()] = drug
    for product, entry in (raw.get("products") or {}).items():
        # A topical product is its ingredients: "methyl salicylate/menthol", applied to the skin.
        drugs[product.lower()] = Drug("/".join(entry["ingredients"]), DrugClass.topical_analgesic)
    return _Lexicon(drugs)


def generic_names() -> tuple[str, ...]:
    """Every generic drug name the lexicon knows (the vocabulary of a request's ingredients)."""
    return tuple(sorted({part for d in _lexicon().by_name.values() if not d.class_only
                         for part in d.name.split("/")}))


def drug_named(text: str) -> Drug | None:
    """The drug ``text`` names as a whole (one generic, brand or kit name in any case and spacing),
    else None. Where it is not None, it is the drug ``find_drugs(text)`` finds first (and only): the
    names are ASCII, tried longest first, so the match at the text's start is the whole name. A case
    file's medication is usually one name, and this look-up spares compiling the pattern of every name."""
    return _lexicon().by_name.get(" ".join(text.lower().split()))


def find_drugs(text: str) -> list[tuple[Drug, Span]]:
    """Medications named in ``text`` (generic, brand or kit names), in order."""
    # Asked of the same sentence by several readers (medications, improvement, a request's course).
    return list(_drugs_in(text))


@lru_cache(maxsize=2048)
def _drugs_in(text: str) -> tuple[tuple[Drug, Span], ...]:
    lex = _lexicon()
    return tuple((lex.by_name[" ".join(m.group(0).lower().split())], m.span()) for m in lex.regex.finditer(text))


def classify(title: str) -> Named:
    """The service (and drug) a disputed item's title names; ``other`` when it names nothing known."""
    text = _PREFIXES.sub("", title.strip()) or title
    drugs = find_drugs(text)
    first_drug = drugs[0][1][0] if drugs else None
    treatment = classify_service(text)
    hits = [(m.start(), -(m.end() - m.start()), s) for s, regex in _ITEM_RES if (m := regex.search(text))]
    if treatment is not Service.other:
        at = _first_mention(text, treatment)
        hits.append((at, -1000, treatment))
    if first_drug is not None and (not hits or first_drug <= min(h[0] for h in hits) or _only_drug_words(hits)):
        return _medication(text, drugs)
    if not hits:
        return Named(Service.other)
    return Named(min(hits)[2])


def _only_drug_words(hits: list[tuple[int, int, Service]]) -> bool:
    # "Lidocaine patch": the word "patch" or "mg" is part of how a medication is written.
    return all(s in (Service.medication_other, Service.durable_medical_equipment) for _, _, s in hits)


def drug_service(drug: Drug) -> Service:
    """The service a drug taken by mouth (or injected) is requested as: its class's."""
    return _DRUG_CLASS_SERVICE[drug.drug_class]


def _medication(text: str, drugs: list[tuple[Drug, Span]]) -> Named:
    distinct = list(dict.fromkeys(d for d, _ in drugs if d.drug_class is not DrugClass.other) or
                    dict.fromkeys(d for d, _ in drugs))
    first = distinct[0]
    if first.class_only:
        return Named(_DRUG_CLASS_SERVICE[first.drug_class], None, first.drug_class)
    if _TOPICAL.search(text) or first.drug_class is DrugClass.topical_analgesic:
        # Every drug a topical names is an ingredient (dextromethorphan in a compound too), each once
        # however it is named (a product and its ingredients).
        ingredients = list(dict.fromkeys(
            part for d, _ in drugs if not d.class_only for part in d.name.split("/")))
        cls = DrugClass.compound if len(ingredients) > 1 else DrugClass.topical_analgesic
        return Named(Service.topical_analgesic, "/".join(ingredients), cls)
    return Named(_DRUG_CLASS_SERVICE[first.drug_class], first.name, first.drug_class)


def _first_mention(text: str, service: Service) -> int:
    if service in (Service.mri_lumbar, Service.mri_cervical, Service.mri_other):
        m = _MRI.search(text)
        return m.start() if m else 0
    for found, (start, _) in find_services(text):
        if found is service:
            return start
    return 0
