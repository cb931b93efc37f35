"""Sentence vectors are computed after ingest, and an English answer reads them instead of
embedding its candidate sentences again (assistant/sentence_vectors.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from assistant import answering, sentence_vectors
from assistant.services import build_services
from ingest import cli as ingest_cli
from ingest.embedding import build_embedding
from ingest.pipeline import run_ingest
from kunskap.settings import Settings
from tests.conftest import make_settings

TEXT = (
    "# Placering i familjehem\n\n"
    "Socialnämnden ska se till att barn som placeras i familjehem får god vård. "
    "Familjehemmet ska få utbildning och handledning av socialtjänsten varje månad. "
    "Vården ska följas upp regelbundet av den ansvariga socialsekreteraren.\n\n"
    "# Uppföljning\n\n"
    "Uppföljningen ska dokumenteras i barnets akt inom två veckor efter besöket."
)


def _settings(tmp_path: Path) -> Settings:
    (tmp_path / "a.md").write_text(TEXT, encoding="utf-8")
    (tmp_path / "manifest.yaml").write_text(
        "sources:\n  - id: a\n    title: Familjehem\n    path: a.md\n"
        "    doc_type: kunskapsstod\n    publisher: Socialstyrelsen\n"
        "    areas: [barn_och_unga]\n",
        encoding="utf-8",
    )
    return make_settings(tmp_path / "data", manifest=tmp_path / "manifest.yaml")


def _counting(embedding: Any, asked: list[str]) -> Any:
    """``embedding`` with every passage-side text it embeds appended to ``asked``."""
    real = embedding._get_text_embeddings

    def counting(batch: list[str]) -> list[list[float]]:
        asked.extend(batch)
        return real(batch)

    object.__setattr__(embedding, "_get_text_embeddings", counting)
    return embedding


def test_quotable_gives_the_sentences_the_composer_would_rank() -> None:
    texts = sentence_vectors.quotable(TEXT + " Och en mening som bryts mitt i")
    assert "Familjehemmet ska få utbildning och handledning av socialtjänsten varje månad." in (
        texts
    )
    assert not any("bryts mitt i" in t for t in texts)  # cut mid-sentence: never quoted


@pytest.fixture
def ingested(tmp_path: Path) -> Settings:
    settings = _settings(tmp_path)
    assert run_ingest(settings).ok
    return settings


def test_precompute_embeds_each_sentence_once(ingested: Settings) -> None:
    asked: list[str] = []
    embedding = _counting(build_embedding(ingested), asked)
    n = sentence_vectors.precompute(ingested, embedding)
    assert n == len(asked) >= 4
    assert sentence_vectors.precompute(ingested, embedding) == 0  # no new chunk
    assert len(asked) == n
    # Without the record of the chunks done, each is split again but nothing is embedded:
    # the vectors are in the store by content.
    (ingested.data_dir / sentence_vectors.FOLDER / "chunks.sqlite3").unlink()
    assert sentence_vectors.precompute(ingested, embedding) == n
    assert len(asked) == n


def test_an_english_answer_reads_the_precomputed_sentences(ingested: Settings) -> None:
    question = "How often should the foster family get supervision?"
    sentence_vectors.precompute(ingested)
    services = build_services(ingested, with_needs=False)
    asked: list[str] = []
    try:
        _counting(services.embedding, asked)
        stored = answering.answer(question, services=services)
        assert asked == []  # every candidate sentence's vector came from the store
        services.embedding.clear()  # type: ignore[attr-defined]  # the memory cache
        plain = answering.answer(question, services=dataclasses.replace(services, sentences=None))
        assert asked, "without the store the composer embeds its candidate sentences"
        assert stored.answer == plain.answer  # the same vectors, so the same answer
    finally:
        services.close()


def test_the_ingest_command_fills_the_store(tmp_path: Path, monkeypatch: Any) -> None:
    from kunskap.cli import app

    settings = _settings(tmp_path)
    monkeypatch.setenv("KUNSKAP_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("KUNSKAP_MANIFEST", str(tmp_path / "manifest.yaml"))
    assert sentence_vectors.after_ingest in ingest_cli.AFTER_INGEST
    result = CliRunner().invoke(app, ["ingest"])
    assert result.exit_code == 0, result.output
    asked: list[str] = []
    store = sentence_vectors.sentence_store(_counting(build_embedding(settings), asked), settings)
    texts = sentence_vectors.quotable(TEXT)
    vectors = np.asarray(store.get_text_embedding_batch(texts))
    assert asked == [] and vectors.shape == (len(texts), 384)
