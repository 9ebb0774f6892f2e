"""The drug lexicon's data file: read with the C safe loader where PyYAML has it, the same data."""
from __future__ import annotations

from pathlib import Path

import yaml

import engine.cases.terms as terms

DATA = Path(terms.__file__).parent.parent / "data" / "medications.yaml"


def test_the_lexicon_file_reads_the_same_with_either_safe_loader():
    text = DATA.read_text(encoding="utf-8")
    assert yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) == yaml.safe_load(text)


def test_a_tag_that_would_build_an_object_is_refused_by_the_loader_used():
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        yaml.load("!!python/object/apply:os.system ['true']", Loader=loader)
    except yaml.YAMLError:
        return
    raise AssertionError("the loader built a Python object")


def test_a_whole_name_is_the_drug_the_pattern_finds_first():
    # drug_named spares `imr check` the pattern of every name; it must agree with that pattern,
    # which it can only do while every name is ASCII (str.lower and the pattern's case rules agree).
    names = terms._lexicon().by_name
    assert all(n.isascii() and n == " ".join(n.lower().split()) for n in names)
    for name in names:
        for text in (name, name.upper(), name.title(), f"  {name.replace(' ', chr(9) + ' ')} \n"):
            found = terms.find_drugs(text)
            assert terms.drug_named(text) == found[0][0], text
            assert len(found) == 1
    for text in ("meloxicam 15 mg", "Tylenol with codeine #3", "no drug", "", "ibuprofen and naproxen"):
        whole = terms.drug_named(text)
        assert whole is None or whole == terms.find_drugs(text)[0][0]
