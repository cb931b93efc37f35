"""The scorer for needs found in documents, on a tiny synthetic labelled set written here
(never the blind set evals/datasets/needs_mining/, which nobody tuning the finder reads)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.mining_eval import (
    DATASETS,
    _in_chapters,
    measure_mining,
    measure_set,
    miner,
    quotes_match,
    score_mining,
)


def test_quotes_match_by_containment_or_token_overlap() -> None:
    assert quotes_match("Barnområdet saknar data", "  barnområdet SAKNAR data att analysera ")
    # 3 of the 4 tokens of the shorter one are shared: 0.75 ≥ 0.6
    assert quotes_match("det saknas forskning om insatser", "saknas forskning om effekter")
    # 2 of 3: 0.67 ≥ 0.6; 2 of 5: 0.4
    assert quotes_match("brist på tolkar", "brist på data om barn")
    assert not quotes_match("brist på tolkar i kommunen", "brist på data om barn")
    assert not quotes_match("", "något")


LABELLED = [
    {
        "doc_id": "a", "scope": "", "complete": True,
        "needs": [
            {"id": "nm-001", "quote": "Barnområdet saknar data att analysera", "page": 1,
             "formulation": "Data om barn", "kind": "data", "area": "barn_och_unga"},
            {"id": "nm-002", "quote": "Det saknas forskning om insatser för äldre", "page": 2,
             "formulation": "Forskning om insatser", "kind": "kunskap", "area": "aldre"},
        ],
        "not_needs": [{"quote": "Behöver man utbildning?", "why": "checklista"}],
    },
    {
        "doc_id": "b", "scope": "kapitel 6", "complete": True,
        "needs": [
            {"id": "nm-003", "quote": "Det finns inget sätt att samla in kunskapsbehov", "page": 32,
             "formulation": "Sätt att samla in behov", "kind": "metod", "area": "overgripande"},
            {"id": "nm-004", "quote": "Utvecklingsarbete skulle behöva göras", "page": 33,
             "formulation": "Utvecklingsarbete", "kind": "metod", "area": "overgripande"},
        ],
        "not_needs": [],
    },
]  # fmt: skip


def test_precision_recall_and_non_needs_proposed() -> None:
    candidates = [
        {"doc_id": "a", "quote": "Barnområdet saknar data att analysera och jobba med", "page": 1},
        {"doc_id": "a", "quote": "Barnområdet saknar data", "page": 1},  # the same need again
        {"doc_id": "a", "quote": "Behöver man utbildning?", "page": 3},  # a labelled non-need
        {"doc_id": "a", "quote": "Mötet avslutades med fika", "page": 3},  # wrong
        {"doc_id": "b", "quote": "det finns inget sätt att samla in kunskapsbehov", "page": 32},
        {"doc_id": "b", "quote": "Tidsbrist i kapitel 6", "page": 33},  # wrong, in scope
        {"doc_id": "b", "quote": "Tidsbrist i kapitel 5", "page": 20},  # outside the scope
        {"doc_id": "c", "quote": "Ett omärkt dokument", "page": 1},  # not labelled: ignored
    ]
    got = score_mining(LABELLED, candidates)
    assert got == {
        "documents": 2,
        "labelled_needs": 4,
        "candidates_judged": 6,
        "precision": round(3 / 6, 4),
        "recall": 0.5,  # nm-001, nm-003 of four
        "labelled_not_needs": 1,
        "not_needs_proposed": 1,
    }


def test_no_candidates_gives_no_precision_and_zero_recall() -> None:
    got = score_mining(LABELLED, [])
    assert got["precision"] is None and got["recall"] == 0.0


def test_measure_mining_runs_the_finder_on_the_labelled_documents(tmp_path: Path) -> None:
    assert measure_mining(tmp_path / "absent.jsonl") is None
    (tmp_path / "notes.txt").write_text(
        "Anteckningar\n\n"
        "- Barnområdet saknar data att analysera och jobba med.\n"
        "- Vad kostar det?\n"
        "- Det saknas forskning om vilka insatser som ger vilka effekter.\n",
        encoding="utf-8",
    )
    (tmp_path / "manifest.yaml").write_text(
        "sources:\n  - id: notes\n    title: Anteckningar\n    path: notes.txt\n"
        "    doc_type: minnesanteckningar\n    publisher: Test\n    areas: [overgripande]\n",
        encoding="utf-8",
    )
    labelled = {
        "doc_id": "notes", "scope": "", "complete": True,
        "needs": [{"id": "nm-001", "quote": "Barnområdet saknar data att analysera", "page": None,
                   "formulation": "Data om barn", "kind": "data", "area": "barn_och_unga"},
                  {"id": "nm-002", "quote": "Vi saknar tolkar", "page": None,
                   "formulation": "Tolkar", "kind": "stöd", "area": "overgripande"}],
        "not_needs": [{"quote": "Vad kostar det?", "why": "checklista"}],
    }  # fmt: skip
    path = tmp_path / "needs_mining.jsonl"
    path.write_text(json.dumps(labelled, ensure_ascii=False) + "\n", encoding="utf-8")
    got = measure_mining(path, tmp_path / "manifest.yaml")
    assert got is not None
    # Two candidates (the two lacks), one of them labelled; one of two needs found.
    assert (got["candidates_judged"], got["precision"], got["recall"]) == (2, 0.5, 0.5)
    assert got["not_needs_proposed"] == 0 and got["documents_not_mined"] == []


def test_a_located_candidate_is_judged_by_its_chapter_not_by_pages() -> None:
    # Document b is labelled in part; its needs carry no pages (a text source), so only the
    # caller, who knows where the quote stands, can say whether a candidate is in scope.
    unpaged = [{**LABELLED[1], "needs": [{**n, "page": None} for n in LABELLED[1]["needs"]]}]
    candidates = [
        {"doc_id": "b", "quote": "Det finns inget sätt att samla in kunskapsbehov", "page": None},
        {"doc_id": "b", "quote": "Tidsbrist i kapitlet", "page": None, "in_scope": True},
        {"doc_id": "b", "quote": "Tidsbrist i ett annat kapitel", "page": None, "in_scope": False},
        {"doc_id": "b", "quote": "Tidsbrist utan plats", "page": None},  # unlocated: not judged
    ]
    got = score_mining(unpaged, candidates)
    assert got["candidates_judged"] == 2 and got["precision"] == 0.5


def test_in_chapters_finds_a_quote_between_two_headings() -> None:
    text = "1 Inledning\nSaknas A.\n\n2 Analys\nSaknas B.\n\n3 Slut\nSaknas C.\n"
    chapter = [{"chapter": "2", "starts": "2 Analys", "ends_before": "3 Slut"}]
    assert _in_chapters(text, "Saknas B.", chapter)
    assert not _in_chapters(text, "Saknas A.", chapter)
    assert not _in_chapters(text, "Saknas C.", chapter)


@pytest.mark.usefixtures("seeded_store")  # the learned scorer's vectors, not the model's pace
def test_the_development_set_is_mined_whole_and_scored() -> None:
    # Its chapters are found in the loaded report and its invented documents are read
    # through their own manifest: every labelled document is mined.
    got = measure_set(DATASETS / "needs_mining_dev")
    assert got is not None
    assert got["documents"] == 4 and got["labelled_needs"] == 56
    assert got["documents_not_mined"] == []
    assert got["candidates_judged"] > 0


def test_the_miner_reads_each_manifest_once(tmp_path: Path) -> None:
    # The sets share the corpus manifest: it is mined once for all of them.
    (tmp_path / "notes.txt").write_text(
        "Anteckningar\n\n- Barnområdet saknar data att analysera.\n", encoding="utf-8"
    )
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(
        "sources:\n  - id: notes\n    title: Anteckningar\n    path: notes.txt\n"
        "    doc_type: minnesanteckningar\n    publisher: Test\n    areas: [overgripande]\n",
        encoding="utf-8",
    )
    mine = miner()
    first = mine(manifest)
    assert [c.doc_id for c in first.candidates] == ["notes"]
    assert mine(tmp_path / "." / "manifest.yaml") is first
