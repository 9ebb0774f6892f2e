"""Proof that a PDF is intact, cheaply, before its text is trusted to pdfium.

pdfium reads a damaged file without a word: a content stream that no longer inflates is drawn as far
as it goes, a broken object is skipped, and the letter loses items silently. ``intact`` says yes only
when the whole file is accounted for and every stream that can carry text decodes completely:

* the file is a header, then top-level objects, then one cross-reference section (a table or a
  stream), ``startxref`` pointing at it and ``%%EOF``; nothing else but whitespace and comments;
* every object parses, every stream's ``/Length`` is a number that ends exactly at ``endstream``;
* the cross-reference lists exactly the objects found, at their offsets, and every compressed object
  at its index in an object stream that holds it;
* encryption, when present, is the standard AES-128 handler with the empty user password (every
  letter the DWC publishes), and every encrypted stream decrypts with valid padding;
* every FlateDecode stream inflates to its end (zlib's adler32 checked) with nothing left over; an
  image's data is not decoded (it carries no text); a stream without a filter is XML metadata;
* every key of a plain (not compressed) dictionary is one letters use (or a resource name such as
  /F1), every /Type and /Subtype value a known one, every reference names an object of the file;
* a font's /Widths, when a plain array (in the font's dictionary or an object of its own), has one
  width for each code from /FirstChar to /LastChar: a width split or merged shifts the others.

Anything else (incremental updates, other filters or encryption, indirect lengths, streams larger
than ``MAX_PDF_INFLATED_BYTES`` together) is not proven intact: the caller reads such a file the slow
way, which reports damage. Random damage hits the encrypted, compressed data almost always (it is
nearly the whole file), and garbles what it hits; in the plain dictionaries it breaks their syntax, a
length, an offset, a name or a reference, or the key (``/ID``, ``/O``, ``/P``), which garbles every
stream. Not caught: a number changed into another plausible one (a glyph width, a reference to
another existing object) in a plain dictionary; the compressed objects (pages, fonts, text maps of
the published letters) are covered by the inflate check.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from hashlib import md5

from engine.limits import MAX_PDF_INFLATED_BYTES


class NotProven(Exception):
    """The file is not shown to be intact (why, for tests; never shown to the user)."""


@dataclass(frozen=True)
class Name:
    value: bytes


@dataclass(frozen=True)
class Ref:
    number: int
    generation: int


@dataclass
class _Object:
    number: int
    generation: int
    offset: int
    value: object
    stream: bytes | None = None
    end: int = 0


@dataclass
class Evidence:
    """What the file says of itself, to hold pdfium's reading against."""

    pages: int = 0


_WS = b"\x00\t\n\x0c\r "
# A white-space byte, and the end of a token (no regular character follows): PDF 1.7, 7.2.2.
_W = rb"[\x00\t\n\x0c\r ]"
_END = rb"(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"
_WS_RE = re.compile(rb"(?:" + _W + rb"|%[^\r\n]*)*")
_OBJ_RE = re.compile(rb"(\d{1,10})" + _W + rb"+(\d{1,5})" + _W + rb"+obj" + _END)
_TOKEN_RE = re.compile(rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]+")
_NUMBER_RE = re.compile(rb"[+-]?+(?:\d++(?:\.\d*+)?+|\.\d++)\Z")
_INT_RE = re.compile(rb"[+-]?+\d++\Z")
_REF_RE = re.compile(_W + rb"+(\d{1,10})" + _W + rb"+R" + _END)
_STARTXREF_RE = re.compile(rb"startxref" + _W + rb"+(\d{1,10})" + _W + rb"+%%EOF" + _W + rb"*\Z")
_XREF_ENTRY_RE = re.compile(rb"(\d{10}) (\d{5}) ([nf])(?:\r\n| \r| \n)")
_PAGE_RE = re.compile(rb"/Type" + _W + rb"*/Page(?![A-Za-z0-9_#.-])")
# Numbers up to a bracket: no reference ("1 0 R") among them.
_NUMBER_RUN_RE = re.compile(rb"(?:[+-]?+(?:\d++(?:\.\d*+)?+|\.\d++)(?![\d.])" + _W + rb"*+)++(?=[\[\]])")
_WIDTHS_REF_RE = re.compile(rb"/Widths" + _W + rb"*(\d{1,10})" + _W + rb"+(\d{1,5})" + _W + rb"+R" + _END)
_FIRST_CHAR_RE = re.compile(rb"/FirstChar" + _W + rb"*(\d{1,10})" + _END)
_LAST_CHAR_RE = re.compile(rb"/LastChar" + _W + rb"*(\d{1,10})" + _END)
_STRING_MARK_RE = re.compile(rb"\\.|[()]", re.S)  # an escaped byte, or a parenthesis
_MAX_DEPTH = 32
# PDF objects (numbers, names, ...) the check parses outside streams: real letters have under 1,000;
# a file with more is read the slow way.
_MAX_TOKENS = 100_000
_PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")
# Streams pdfium may read text from; an image's pixels are left as they are.
_IMAGE = Name(b"Image")
# Dictionary keys a letter's plain (not compressed) objects may have. Damage to a key's name (a
# /Filter no longer named so) leaves the syntax whole but changes what pdfium reads: an unknown key
# is not proven. Resource names (/F1, /GS0, /Im3) are free-form: letters then digits.
_KEYS = frozenset(b"""
AA AIS AcroForm Alternate Annots ArtBox Ascent AuthEvent Author AvgWidth BBox BM BaseEncoding
BaseFont BitsPerComponent BleedBox CA CF CFM CIDSet CIDSystemInfo CIDToGIDMap CS CapHeight CharSet
ColorSpace Colors Columns Contents Count CreationDate Creator CropBox D DW DW2 Decode DecodeParms
Descent DescendantFonts Dest DestOutputProfile Dests Differences EarlyChange Encoding Encrypt
EncryptMetadata Extends ExtGState F FirstChar First Filter Flags Font FontBBox FontDescriptor
FontFamily FontFile FontFile2 FontFile3 FontName FontStretch FontWeight FormType Group Height ID
Identity ImageMask Index Info Intent Interpolate ItalicAngle K Keywords Kids LC LJ LW Lang LastChar
LastModified Leading Length Length1 Length2 Length3 Limits ML Mask MarkInfo Marked Matrix MaxWidth
MediaBox Metadata MissingWidth ModDate N Names Nums O OE OP OPM OpenAction Ordering OutputCondition
OutputConditionIdentifier OutputIntents P PageLabels PageLayout PageMode Pages Parent ParentTree
Pattern Perms PieceInfo Predictor Prev ProcSet Producer Properties R RI Range Registry RegistryName
Resources RoleMap Root Rotate S SA SM SMask Shading Size StdCF StemH StemV StmF StrF StructParents
StructTreeRoot Style Subject Subtype Supplement Tabs Title ToUnicode Trapped TrimBox Type U UE URI
UserUnit V Version ViewerPreferences W W2 Width Widths XHeight XObject XRefStm ca op
""".split())
# Values of /Type and /Subtype: a damaged one (/Subtype /Forn) makes pdfium skip what it names.
_TYPES = frozenset(b"""
Action Annot CIDFontType0 CIDFontType0C CIDFontType2 CMap Catalog CryptFilter Encoding ExtGState
Filespec Font FontDescriptor Form Group Image Link MMType1 Mask Metadata ObjStm OpenType OutputIntent
Outlines Page Pages Pattern StructElem StructTreeRoot Transparency TrueType Type0 Type1 Type1C Type3
Widget XML XObject XRef
""".split())
_RESOURCE_NAME = re.compile(rb"[A-Za-z]{1,4}\d{1,4}")


_ws = _WS_RE.match  # inlined in the parser's loops: a call less for every value


def _skip(data: bytes, pos: int) -> int:
    return _WS_RE.match(data, pos).end()


def _value(data: bytes, pos: int, tokens: list[int], depth: int = 0) -> tuple[object, int]:
    """(the PDF object at ``pos``, where it ends); NotProven on anything malformed."""
    tokens[0] -= 1
    if depth > _MAX_DEPTH or tokens[0] < 0:
        raise NotProven("nesting or size")
    pos = _ws(data, pos).end()
    c = data[pos:pos + 1]
    if c == b"<":
        if data[pos + 1:pos + 2] == b"<":
            out: dict[bytes, object] = {}
            pos += 2
            while True:
                pos = _ws(data, pos).end()
                if data.startswith(b">>", pos):
                    return out, pos + 2
                # A key is a name: read here, not by a call of its own (half the values are keys),
                # counted and bounded as that call would.
                tokens[0] -= 1
                if depth >= _MAX_DEPTH or tokens[0] < 0:
                    raise NotProven("nesting or size")
                if data[pos:pos + 1] != b"/":
                    raise NotProven("dictionary key")
                m = _TOKEN_RE.match(data, pos + 1)
                end = m.end() if m else pos + 1
                key = data[pos + 1:end]
                if key in out:
                    raise NotProven("dictionary key")
                out[key], pos = _value(data, end, tokens, depth + 1)
        end = data.find(b">", pos)
        digits = re.sub(rb"[\x00\t\n\x0c\r ]", b"", data[pos + 1:end]) if end > 0 else b"x"
        if not re.fullmatch(rb"[0-9A-Fa-f]*", digits):
            raise NotProven("hex string")
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()), end + 1
    if c == b"[":
        items: list[object] = []
        pos, runs = pos + 1, True
        while True:
            pos = _ws(data, pos).end()
            if data[pos:pos + 1] == b"]":
                return items, pos + 1
            run = runs and _NUMBER_RUN_RE.match(data, pos)  # a font's widths: thousands of numbers
            runs = False  # tried once an array, so that a long array costs linear time
            if run:
                numbers = run.group(0)
                if b"." in numbers:
                    items.extend(float(t) if b"." in t else int(t) for t in numbers.split())
                else:
                    items.extend(map(int, numbers.split()))
                pos = run.end()
                continue
            item, pos = _value(data, pos, tokens, depth + 1)
            items.append(item)
    if c == b"(":
        return _literal(data, pos)
    if c == b"/":
        m = _TOKEN_RE.match(data, pos + 1)
        end = m.end() if m else pos + 1
        return Name(data[pos + 1:end]), end
    m = _TOKEN_RE.match(data, pos)
    if not m:
        raise NotProven("token")
    token = m.group(0)
    if _INT_RE.match(token):
        ref = _REF_RE.match(data, m.end())
        if ref and int(token) >= 0:
            return Ref(int(token), int(ref.group(1))), ref.end()
        return int(token), m.end()
    if _NUMBER_RE.match(token):
        return float(token), m.end()
    if token in (b"true", b"false", b"null"):
        return {b"true": True, b"false": False, b"null": None}[token], m.end()
    raise NotProven("keyword")


def _literal(data: bytes, pos: int) -> tuple[bytes, int]:
    depth = 0
    for m in _STRING_MARK_RE.finditer(data, pos):
        if m.group(0) == b"(":
            depth += 1
        elif m.group(0) == b")":
            depth -= 1
            if depth == 0:
                return data[pos + 1:m.start()], m.end()
    raise NotProven("string")


def _object(data: bytes, pos: int, tokens: list[int]) -> _Object:
    """The indirect object whose header starts exactly at ``pos``, with its stream's raw bytes."""
    m = _OBJ_RE.match(data, pos)
    if not m:
        raise NotProven("object header")
    value, end = _value(data, m.end(), tokens)
    end = _skip(data, end)
    stream = None
    if data.startswith(b"stream", end):
        if not isinstance(value, dict):
            raise NotProven("stream without dictionary")
        start = end + 6
        if data.startswith(b"\r\n", start):
            start += 2
        elif data.startswith(b"\n", start):
            start += 1
        else:
            raise NotProven("stream keyword")
        length = value.get(b"Length")
        if type(length) is not int or length < 0 or start + length > len(data):
            raise NotProven("stream length")
        stream = data[start:start + length]
        end = start + length
        if data.startswith(b"\r\n", end):
            end += 2
        elif data[end:end + 1] in (b"\r", b"\n"):
            end += 1
        if not data.startswith(b"endstream", end):
            raise NotProven("stream length")
        end = _skip(data, end + 9)
    if not data.startswith(b"endobj", end):
        raise NotProven("endobj")
    return _Object(int(m.group(1)), int(m.group(2)), pos, value, stream, end + 6)


def _top_level(data: bytes, tokens: list[int]) -> tuple[dict[int, _Object], int]:
    """Every top-level object, walking the file from its header; (objects, where the xref begins)."""
    if not data.startswith(b"%PDF-"):
        raise NotProven("header")
    pos = data.find(b"\n", 0, 1024)
    cr = data.find(b"\r", 0, 1024)
    pos = min(p for p in (pos, cr) if p >= 0) if max(pos, cr) >= 0 else -1
    if pos < 0:
        raise NotProven("header")
    objects: dict[int, _Object] = {}
    while True:
        pos = _skip(data, pos)
        if data.startswith(b"xref", pos) or data.startswith(b"startxref", pos):
            return objects, pos
        obj = _object(data, pos, tokens)
        if obj.number in objects:
            raise NotProven("object number twice")
        objects[obj.number] = obj
        pos = obj.end
        if isinstance(obj.value, dict) and obj.value.get(b"Type") == Name(b"XRef"):
            pos = _skip(data, pos)
            if not data.startswith(b"startxref", pos):
                raise NotProven("data after the xref stream")
            return objects, obj.offset


def _inflate(raw: bytes, budget: list[int]) -> bytes:
    z = zlib.decompressobj()
    try:
        out = z.decompress(raw, budget[0] + 1)
    except zlib.error:
        raise NotProven("inflate") from None
    if len(out) > budget[0] or not z.eof or z.unused_data.strip(_WS) or z.unconsumed_tail:
        raise NotProven("inflate incomplete")
    budget[0] -= len(out)
    return out


def _rows(raw: bytes, columns: int, predicted: bool) -> list[int]:
    """Each cross-reference row as one big-endian number, PNG-Up prediction (the one predictor
    cross-reference streams use) undone: whole rows at a time, not byte by byte."""
    width = columns + predicted
    if columns <= 0 or len(raw) % width:
        raise NotProven("xref rows")
    if not predicted:
        return [int.from_bytes(raw[i:i + width], "big") for i in range(0, len(raw), width)]
    # Bytewise sum modulo 256 of two rows held as numbers: the low seven bits of each byte add
    # without carrying into the next byte, and the top bit is the exclusive or of both and that carry.
    high = int.from_bytes(b"\x80" * columns, "big")
    low = int.from_bytes(b"\x7f" * columns, "big")
    rows, previous = [], 0
    for i in range(0, len(raw), width):
        kind, row = raw[i], int.from_bytes(raw[i + 1:i + width], "big")
        if kind == 2:
            row = ((row & low) + (previous & low)) ^ ((row ^ previous) & high)
        elif kind != 0:
            raise NotProven("xref predictor")
        rows.append(row)
        previous = row
    return rows


def _xref_stream(obj: _Object, budget: list[int]) -> tuple[dict, dict[int, tuple[int, int, int]]]:
    d = obj.value
    assert isinstance(d, dict) and obj.stream is not None
    if b"Prev" in d or d.get(b"Filter") not in (Name(b"FlateDecode"), None):
        raise NotProven("xref stream form")
    raw = _inflate(obj.stream, budget) if d.get(b"Filter") else obj.stream
    widths, size = d.get(b"W"), d.get(b"Size")
    if not (isinstance(widths, list) and len(widths) == 3 and all(type(w) is int and 0 <= w <= 8 for w in widths)
            and type(size) is int):
        raise NotProven("xref W")
    columns = sum(widths)
    parms = d.get(b"DecodeParms")
    if parms is None:
        rows = _rows(raw, columns, False)
    elif (isinstance(parms, dict) and parms.get(b"Predictor") == 12 and parms.get(b"Columns") == columns
          and set(parms) <= {b"Predictor", b"Columns"}):
        rows = _rows(raw, columns, True)
    else:
        raise NotProven("xref predictor")
    index = d.get(b"Index", [0, size])
    if not (isinstance(index, list) and len(index) % 2 == 0 and all(type(i) is int for i in index)):
        raise NotProven("xref Index")
    numbers = [n for a, c in zip(index[::2], index[1::2]) for n in range(a, a + c)]
    if len(numbers) != len(rows):
        raise NotProven("xref count")
    # A row's three fields by shifts; a field of width 0 is its default (type 1, else 0).
    kind_at, second_at = 8 * (widths[1] + widths[2]), 8 * widths[2]
    second_mask, third_mask = (1 << 8 * widths[1]) - 1, (1 << second_at) - 1
    entries = {}
    for number, row in zip(numbers, rows):
        entries[number] = (row >> kind_at if widths[0] else 1, (row >> second_at) & second_mask, row & third_mask)
    return d, entries


def _xref_table(data: bytes, pos: int, tokens: list[int]) -> tuple[dict, dict[int, tuple[int, int, int]], int]:
    pos = _skip(data, pos + 4)
    entries: dict[int, tuple[int, int, int]] = {}
    while True:
        m = re.compile(rb"(\d{1,10}) (\d{1,10})[\x00\t\n\x0c\r ]+").match(data, pos)
        if not m:
            break
        first, count = int(m.group(1)), int(m.group(2))
        pos = m.end()
        for n in range(first, first + count):
            e = _XREF_ENTRY_RE.match(data, pos)
            if not e:
                raise NotProven("xref entry")
            entries[n] = (1 if e.group(3) == b"n" else 0, int(e.group(1)), int(e.group(2)))
            pos = e.end()
        pos = _skip(data, pos)
    if not data.startswith(b"trailer", pos):
        raise NotProven("trailer")
    trailer, pos = _value(data, pos + 7, tokens)
    if not isinstance(trailer, dict) or b"Prev" in trailer or b"XRefStm" in trailer:
        raise NotProven("trailer form")
    pos = _skip(data, pos)
    return trailer, entries, pos


def _file_key(encrypt: dict, trailer: dict) -> tuple[bytes, bool]:
    """The standard handler's AES-128 file key for the empty user password (PDF 1.7, 7.6.3.3), and
    whether metadata streams are encrypted too."""
    cf = encrypt.get(b"CF")
    std = cf.get(b"StdCF") if isinstance(cf, dict) else None
    if not (encrypt.get(b"Filter") == Name(b"Standard") and encrypt.get(b"V") == 4 and encrypt.get(b"R") == 4
            and isinstance(std, dict) and std.get(b"CFM") == Name(b"AESV2")
            and encrypt.get(b"StmF") == Name(b"StdCF") and encrypt.get(b"StrF") == Name(b"StdCF")
            and encrypt.get(b"EncryptMetadata", True) in (True, False) and encrypt.get(b"Length", 128) == 128):
        raise NotProven("encryption other than AES-128")
    owner, permissions, ids = encrypt.get(b"O"), encrypt.get(b"P"), trailer.get(b"ID")
    if not (isinstance(owner, bytes) and len(owner) == 32 and type(permissions) is int
            and isinstance(ids, list) and ids and isinstance(ids[0], bytes)):
        raise NotProven("encryption dictionary")
    metadata = encrypt.get(b"EncryptMetadata", True)
    digest = md5(_PAD + owner + (permissions & 0xFFFFFFFF).to_bytes(4, "little") + ids[0]
                 + (b"" if metadata else b"\xff" * 4)).digest()
    for _ in range(50):
        digest = md5(digest).digest()
    return digest, metadata


def _decrypt(raw: bytes, key: bytes, obj: _Object) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    if len(raw) < 32 or len(raw) % 16:
        raise NotProven("AES length")
    object_key = md5(key + obj.number.to_bytes(3, "little") + obj.generation.to_bytes(2, "little")
                     + b"sAlT").digest()
    decryptor = Cipher(algorithms.AES(object_key), modes.CBC(raw[:16])).decryptor()
    plain = decryptor.update(raw[16:]) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= 16 or plain[-pad:] != bytes([pad]) * pad:
        raise NotProven("AES padding")
    return plain[:-pad]


def _decoded(obj: _Object, key: bytes | None, metadata: bool, budget: list[int]) -> bytes | None:
    """A stream's decoded bytes; None for an image's (not decoded: no text in it)."""
    d = obj.value
    assert isinstance(d, dict) and obj.stream is not None
    raw = obj.stream
    if key is not None and (metadata or d.get(b"Type") != Name(b"Metadata")):
        raw = _decrypt(raw, key, obj)
    if d.get(b"Subtype") == _IMAGE and d.get(b"Type", Name(b"XObject")) == Name(b"XObject"):
        return None
    f = d.get(b"Filter")
    if f is None:
        # Unfiltered is how a /Filter whose name was damaged looks: trusted only for XML metadata.
        if d.get(b"Type") == Name(b"Metadata"):
            return raw
        raise NotProven("unfiltered stream")
    if f in (Name(b"FlateDecode"), [Name(b"FlateDecode")]) and d.get(b"DecodeParms") is None:
        return _inflate(raw, budget)
    raise NotProven("filter")


_LEAVES = frozenset({int, float, bytes, bool, type(None), Name})


def _plain_keys_and_refs(value: object, entries: dict[int, tuple[int, int, int]]) -> None:
    """Every key known (or a resource name), every reference to an object the file has."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in _KEYS and not _RESOURCE_NAME.fullmatch(k):
                raise NotProven("unknown key")
            if k in (b"Type", b"Subtype") and isinstance(v, Name) and v.value not in _TYPES:
                raise NotProven("unknown type")
            _plain_keys_and_refs(v, entries)
    elif isinstance(value, list):
        for v in value:
            if type(v) not in _LEAVES:  # a font's widths: thousands of numbers, nothing to check
                _plain_keys_and_refs(v, entries)
    elif isinstance(value, Ref):
        entry = entries.get(value.number)
        if entry is None or entry[0] not in (1, 2) or (entry[0] == 1 and entry[2] != value.generation):
            raise NotProven("reference")


def _widths_counted(first: object, last: object, widths: object, objects: dict[int, _Object]) -> None:
    """A simple font's /Widths, when a plain array, has one width for each code from /FirstChar to
    /LastChar. A byte of a width turned into a space (or a space into a digit) shifts every width
    after it, and pdfium then spaces the words differently: the count shows it."""
    if isinstance(widths, Ref):
        target = objects.get(widths.number)
        if target is None:
            return  # a compressed array: the inflate check covers it
        widths = target.value
    if not isinstance(widths, list):
        raise NotProven("widths")
    if type(first) is not int or type(last) is not int or len(widths) != last - first + 1:
        raise NotProven("widths count")


def _compressed_fonts_widths(content: bytes, spans: list[tuple[int, int]], objects: dict[int, _Object]) -> None:
    """The widths count of each font in an object stream whose /Widths is a plain array elsewhere."""
    if b"/Widths" not in content:
        return
    for start, end in spans:
        m = _WIDTHS_REF_RE.search(content, start, end)
        if m is None:
            continue
        firsts = _FIRST_CHAR_RE.findall(content, start, end)
        lasts = _LAST_CHAR_RE.findall(content, start, end)
        if len(firsts) != 1 or len(lasts) != 1 or len(_WIDTHS_REF_RE.findall(content, start, end)) != 1:
            raise NotProven("widths count")
        _widths_counted(int(firsts[0]), int(lasts[0]), Ref(int(m.group(1)), int(m.group(2))), objects)


def _object_stream(obj: _Object, content: bytes) -> tuple[list[int], list[tuple[int, int]]]:
    """The object numbers an object stream holds, in order, and where each lies in ``content``,
    after checking its header."""
    d = obj.value
    assert isinstance(d, dict)
    count, first = d.get(b"N"), d.get(b"First")
    if type(count) is not int or type(first) is not int or not 0 <= first <= len(content) or count < 0:
        raise NotProven("object stream header")
    numbers = content[:first].split()
    if len(numbers) != 2 * count or not all(n.isdigit() for n in numbers):
        raise NotProven("object stream header")
    offsets = [int(n) for n in numbers[1::2]]
    if offsets != sorted(offsets) or (offsets and first + offsets[-1] > len(content)):
        raise NotProven("object stream offsets")
    bounds = [first + o for o in offsets] + [len(content)]
    return [int(n) for n in numbers[::2]], list(zip(bounds, bounds[1:]))


def intact(data: bytes) -> Evidence:
    """The file's own evidence when it is proven intact; NotProven otherwise."""
    try:
        return _intact(data)
    except NotProven:
        raise
    except Exception:  # noqa: BLE001 - whatever trips the check on a malformed file, it is not proven whole
        raise NotProven("malformed") from None


def _intact(data: bytes) -> Evidence:
    tail = _STARTXREF_RE.search(data, max(0, len(data) - 64))
    if not tail or data.count(b"startxref", max(0, len(data) - 1024)) != 1:
        raise NotProven("startxref")
    tokens = [_MAX_TOKENS]
    objects, xref_at = _top_level(data, tokens)
    budget = [MAX_PDF_INFLATED_BYTES]
    if data.startswith(b"xref", xref_at):
        trailer, entries, end = _xref_table(data, xref_at, tokens)
        if data.find(b"startxref", end) != end:
            raise NotProven("after trailer")
    else:
        xref_obj = next((o for o in objects.values() if o.offset == xref_at), None)
        if xref_obj is None:
            raise NotProven("xref")
        trailer, entries = _xref_stream(xref_obj, budget)
    if int(tail.group(1)) != xref_at:
        raise NotProven("startxref offset")
    size = trailer.get(b"Size")
    if type(size) is not int or size != max(entries, default=-1) + 1:
        raise NotProven("Size")
    in_use = {n: e for n, e in entries.items() if e[0] == 1}
    if {n: (e[1], e[2]) for n, e in in_use.items()} != {n: (o.offset, o.generation) for n, o in objects.items()}:
        raise NotProven("xref offsets")
    _plain_keys_and_refs(trailer, entries)
    for obj in objects.values():
        _plain_keys_and_refs(obj.value, entries)
        if isinstance(obj.value, dict) and b"Widths" in obj.value:
            d = obj.value
            _widths_counted(d.get(b"FirstChar"), d.get(b"LastChar"), d[b"Widths"], objects)
    key, metadata = None, True
    encrypt_ref = trailer.get(b"Encrypt")
    if encrypt_ref is not None:
        encrypt = objects.get(encrypt_ref.number) if isinstance(encrypt_ref, Ref) else None
        if encrypt is None or not isinstance(encrypt.value, dict) or encrypt.stream is not None:
            raise NotProven("Encrypt")
        key, metadata = _file_key(encrypt.value, trailer)
    evidence = Evidence()
    held: dict[int, tuple[int, int]] = {}
    for obj in objects.values():
        if obj.stream is None:
            if isinstance(obj.value, dict) and obj.value.get(b"Type") == Name(b"Page"):
                evidence.pages += 1
            continue
        if obj.value.get(b"Type") == Name(b"XRef"):
            continue  # inflated and read above
        content = _decoded(obj, key, metadata, budget)
        if content is not None and obj.value.get(b"Type") == Name(b"ObjStm"):
            numbers, spans = _object_stream(obj, content)
            for i, number in enumerate(numbers):
                held[number] = (obj.number, i)
            _compressed_fonts_widths(content, spans, objects)
            evidence.pages += len(_PAGE_RE.findall(content, int(obj.value[b"First"])))
    compressed = {n: (e[1], e[2]) for n, e in entries.items() if e[0] == 2}
    if compressed != {n: held[n] for n in compressed if n in held} or len(compressed) != len(held):
        raise NotProven("object streams")
    return evidence
