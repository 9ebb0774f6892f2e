"""engine.letters.measure's comparison rules that need no corpus."""
from __future__ import annotations

from engine.letters.measure import _ingredients


def test_a_compounds_ingredients_compare_as_a_set() -> None:
    assert _ingredients("Lidocaine/menthol") == _ingredients("menthol/lidocaine") == ["lidocaine", "menthol"]
    assert _ingredients("methyl  salicylate") == ["methyl salicylate"]
    assert _ingredients(None) is None and _ingredients("") is None
