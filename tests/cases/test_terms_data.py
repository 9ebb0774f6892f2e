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
