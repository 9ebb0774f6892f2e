"""Shared fixtures for the letter tests: where the five seed letters live."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEED_STEMS = (
    "000_bf7d8071a34f0d43",
    "001_ad367bf2306aa9ab",
    "002_d543fff3a6401260",
    "003_2edf4c89594e4f56",
    "004_455a604ddc9a446c",
)


def seed_dir() -> Path:
    """cases/letters/ once the seeds are copied into the repo; ../shared/seeds/ until then."""
    for candidate in (REPO / "cases" / "letters", REPO.parent / "shared" / "seeds"):
        if all((candidate / f"{stem}.txt").is_file() for stem in SEED_STEMS):
            return candidate
    raise FileNotFoundError("seed letters not found in cases/letters/ nor ../shared/seeds/")


@pytest.fixture(scope="session")
def seeds() -> dict[str, Path]:
    """'000' -> path of seed letter 000, and so on."""
    directory = seed_dir()
    return {stem[:3]: directory / f"{stem}.txt" for stem in SEED_STEMS}


@pytest.fixture(scope="session")
def seed_texts(seeds: dict[str, Path]) -> dict[str, str]:
    return {key: path.read_text(encoding="utf-8") for key, path in seeds.items()}
