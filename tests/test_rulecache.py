"""The rulebook cache across runs: a hit gives the same rulebook, any change of a rule file is a
miss, and a damaged entry or an unwritable directory falls back to reading the files."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.rules import rulecache
from engine.errors import InputError
from engine.rules.rulebook import load_rulebook

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IMR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("IMR_NO_CACHE", raising=False)
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return tmp_path / "rules"


def entries(rules: Path) -> list[Path]:
    return sorted((rules.parent / "cache").glob("rulebook-*.pickle"))


def shape(book) -> list[tuple]:
    return [(rs.key, rs.in_force_from, rs.in_force_to, [(r.id, r.when, r.because) for r in rs.rules])
            for rs in book.rulesets]


def test_a_second_load_reads_the_entry_written_by_the_first(rules: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_rulebook([rules])
    assert len(entries(rules)) == 1
    calls = []
    monkeypatch.setattr("engine.rules.rulebook.lint", lambda paths: calls.append(paths))
    second = load_rulebook([rules])
    assert calls == []  # no file was read again
    assert shape(second) == shape(first)


def test_a_changed_rule_file_is_read_again(rules: Path) -> None:
    load_rulebook([rules])
    target = sorted(rules.rglob("*.yaml"))[0]
    target.write_text(target.read_text() + "\n# a comment changes the content\n")
    load_rulebook([rules])
    assert len(entries(rules)) == 2


def test_a_rulebook_with_problems_is_not_kept_and_still_refused(rules: Path) -> None:
    target = sorted(rules.rglob("*.yaml"))[0]
    target.write_text(target.read_text().replace("rules:", "rulez:", 1))
    for _ in range(2):
        with pytest.raises(InputError):
            load_rulebook([rules])
    assert entries(rules) == []


@pytest.mark.parametrize("damage", [b"", b"not a cache entry", None])
def test_a_damaged_entry_falls_back_to_the_files(rules: Path, damage: bytes | None) -> None:
    expected = shape(load_rulebook([rules]))
    [entry] = entries(rules)
    data = entry.read_bytes()
    # None: one byte of the pickle flipped, so the digest no longer matches.
    entry.write_bytes(damage if damage is not None else data[:-1] + bytes([data[-1] ^ 1]))
    assert shape(load_rulebook([rules])) == expected


def test_an_unwritable_cache_directory_is_no_error(rules: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = rules.parent / "file"
    blocker.write_text("")
    monkeypatch.setenv("IMR_CACHE_DIR", str(blocker / "below-a-file"))
    assert load_rulebook([rules]).rulesets


def test_the_key_follows_the_limits_and_the_engine(rules: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(rules.rglob("*.yaml"))
    base = rulecache.key(files)
    monkeypatch.setenv("IMR_MAX_ITEMS", "7")
    assert rulecache.key(files) != base
    monkeypatch.delenv("IMR_MAX_ITEMS")
    monkeypatch.setattr(rulecache, "__version__", "0.0.0-other")
    assert rulecache.key(files) != base


def test_no_cache_when_turned_off(rules: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMR_NO_CACHE", "1")
    load_rulebook([rules])
    assert entries(rules) == []


def test_a_cached_rulebook_reads_a_rule_set_only_when_it_is_selected(rules: Path) -> None:
    files = load_rulebook([rules])
    cached = load_rulebook([rules])
    services = sorted({s for rs in files.rulesets for s in rs.services})
    day = min(rs.in_force_from for rs in files.rulesets)
    service = next(s for s in services if files.in_force(s, day))
    picked = cached.in_force(service, day)
    assert [rs.key for rs in picked] == [rs.key for rs in files.in_force(service, day)]
    assert "rulesets" not in cached.__dict__ and 0 < len(cached.__dict__["_read"]) < len(files.rulesets)
    for s in services:  # the same selection, read one by one, as from the whole list
        assert cached.for_service(s) == files.for_service(s)
    assert cached.rulesets == files.rulesets
    assert all(a is b for a, b in zip(picked, cached.in_force(service, day)))  # read once, the same objects


def test_the_key_follows_pydantic_whose_models_the_entry_holds(rules: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pydantic

    files = sorted(rules.rglob("*.yaml"))
    base = rulecache.key(files)
    monkeypatch.setattr(pydantic, "VERSION", "0.0.0-other")
    assert rulecache.key(files) != base
