"""OCR repair against the Swedish lexicon: the damage seen in seed 004, and clean text alone."""

from __future__ import annotations

import time

import pytest

from ingest.ocr_repair import OcrRepairer, default_repairer, unknown_token_share
from tests.utils.documents import seed_text


@pytest.fixture(scope="module")
def repairer() -> OcrRepairer:
    return default_repairer()


@pytest.mark.parametrize(
    ("damaged", "expected"),
    [
        ("frén", "från"),
        ("&r", "är"),
        ("dr", "är"),
        ("behdver", "behöver"),
        ("6nskemal", "önskemål"),
        ("anvdnda", "använda"),
        ("stirka", "stärka"),
        ("frimja", "främja"),
        ("kénslor", "känslor"),
        ("socialtjanst", "socialtjänst"),
        ("Géteborgs", "Göteborgs"),
        ("Goteborgs", "Göteborgs"),
        ("Aven", "Även"),
        ("16pande", "löpande"),
    ],
)
def test_seen_ocr_damage_is_repaired(repairer: OcrRepairer, damaged: str, expected: str) -> None:
    assert repairer.repair_word(damaged) == expected


@pytest.mark.parametrize(
    "word",
    ["från", "är", "idé", "sa", "Larzon", "U11", "P4", "FoU", "kunskapsbaserad", "stod", "bara"],
)
def test_known_words_names_and_codes_are_kept(repairer: OcrRepairer, word: str) -> None:
    assert repairer.repair_word(word) == word


def test_lone_one_becomes_i_except_after_numbered_nouns(repairer: OcrRepairer) -> None:
    text, stats = repairer.repair_text(
        "socialarbetare &r aktivt engagerade 1 systematisk uppfoljning"
    )
    assert text == "socialarbetare är aktivt engagerade i systematisk uppföljning"
    assert stats["repaired"] == 3
    assert repairer.repair_text("enligt steg 1 innebär det")[0] == "enligt steg 1 innebär det"


def test_a_lone_one_before_a_month_is_a_day(repairer: OcrRepairer) -> None:
    # Seed 004: "Ny lag beräknas träda i kraft 1 juli 2025" lost its date as "i juli".
    text, _ = repairer.repair_text("Ny lag beréknas trdda i kraft 1 juli 2025.")
    assert text == "Ny lag beräknas träda i kraft 1 juli 2025."
    assert repairer.repair_text("etablerades 1 oktober 2023")[0] == "etablerades 1 oktober 2023"
    # The month must be a whole word: "1 majoritet" is not a date.
    assert repairer.repair_text("finns 1 majoriteten av")[0] == "finns i majoriteten av"


def test_repair_counts(repairer: OcrRepairer) -> None:
    _, stats = repairer.repair_text("Socialtjansten behdver darfor f6lja kunskapsutvecklingen.")
    assert stats["tokens"] == 5
    assert stats["unknown_before"] >= 3
    assert stats["unknown_after"] == 0
    assert stats["repaired"] == 4


def test_seed_004_looks_damaged_and_improves_fast(repairer: OcrRepairer) -> None:
    text = seed_text("004")
    assert repairer.looks_damaged(text)
    started = time.perf_counter()
    fixed, stats = OcrRepairer(repairer.lexicon).repair_text(text)  # cold per-token cache
    assert time.perf_counter() - started < 5
    before, after = unknown_token_share(text), unknown_token_share(fixed)
    assert before > 0.12 and after < 0.04
    assert stats["unknown_after"] < stats["unknown_before"] / 4


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_clean_seeds_do_not_look_damaged(repairer: OcrRepairer, prefix: str) -> None:
    text = seed_text(prefix)
    assert not repairer.looks_damaged(text)
    assert unknown_token_share(text) < 0.04


def test_empty_text(repairer: OcrRepairer) -> None:
    assert unknown_token_share("") == 0.0
    assert repairer.repair_text("") == ("", {"tokens": 0, "unknown_before": 0, "unknown_after": 0,
                                              "repaired": 0})  # fmt: skip
