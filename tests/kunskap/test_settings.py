from pathlib import Path

import pytest
from pydantic import ValidationError

from kunskap.settings import Settings, settings_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_nested_settings_read_from_one_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUNSKAP_QDRANT_URL", "http://qdrant:6333")
    monkeypatch.setenv("KUNSKAP_LLM_BASE_URL", "http://llm:8000/v1")
    monkeypatch.setenv("KUNSKAP_LLM_MODEL", "gpt-sw3")
    monkeypatch.setenv("KUNSKAP_DATA_DIR", "/srv/kunskap")
    settings = Settings(_env_file=None)
    assert settings.qdrant.url == "http://qdrant:6333"
    assert settings.llm.enabled
    assert settings.data_dir == Path("/srv/kunskap")


def test_unknown_setting_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, not_a_setting=1)


def test_placeholder_secret_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUNSKAP_LLM_API_KEY", "changeme")
    with pytest.raises(ValidationError, match="KUNSKAP_LLM_API_KEY is a placeholder"):
        Settings(_env_file=None)


def test_collection_name_follows_what_shapes_the_vectors() -> None:
    base = Settings(_env_file=None)
    assert base.collection_name() == Settings(_env_file=None).collection_name()
    other_chunks = Settings(_env_file=None, chunking={"chunk_tokens": 300})
    other_model = Settings(_env_file=None, embedding={"backend": "openai", "model": "bge-m3"})
    names = {base.collection_name(), other_chunks.collection_name(), other_model.collection_name()}
    assert len(names) == 3
    # Retrieval knobs do not shape vectors, so they must not force a re-index.
    tuned = Settings(_env_file=None, retrieval={"top_k": 9})
    assert tuned.collection_name() == base.collection_name()


def test_readme_settings_table_matches_settings() -> None:
    assert settings_table() in README.read_text(encoding="utf-8"), (
        "README.md's settings table is out of date: paste kunskap.settings.settings_table()"
    )
