"""Chainlit ships no Swedish; ours must cover every key of the installed en-US file."""

from __future__ import annotations

import json
from pathlib import Path

import chainlit

from tests.conftest import REPO_ROOT

SWEDISH = REPO_ROOT / ".chainlit" / "translations" / "sv-SE.json"
ENGLISH = Path(chainlit.__file__).parent / "translations" / "en-US.json"


def _keys(tree: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out |= _keys(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_swedish_translation_has_exactly_the_english_keys() -> None:
    english = _keys(json.loads(ENGLISH.read_text(encoding="utf-8")))
    swedish = _keys(json.loads(SWEDISH.read_text(encoding="utf-8")))
    assert sorted(set(english) - set(swedish)) == []
    assert sorted(set(swedish) - set(english)) == []


def test_swedish_translation_is_translated() -> None:
    english = _keys(json.loads(ENGLISH.read_text(encoding="utf-8")))
    swedish = _keys(json.loads(SWEDISH.read_text(encoding="utf-8")))
    # Words that are the same in both languages.
    same_ok = {"alerts.beta", "chat.fileUpload.sizeLimit"}
    untranslated = [k for k in english if english[k] == swedish[k] and k not in same_ok]
    assert untranslated == []
    # Placeholders survive translation.
    assert "{{provider}}" in swedish["auth.provider.continue"]


def test_config_forces_swedish_and_keeps_the_page_local() -> None:
    import tomllib

    config = tomllib.loads((REPO_ROOT / ".chainlit" / "config.toml").read_text("utf-8"))
    assert config["UI"]["language"] == "sv-SE"
    assert config["project"]["enable_telemetry"] is False
    assert config["features"]["spontaneous_file_upload"]["enabled"] is False
    assert config["features"]["latex"] is False
    theme = json.loads((REPO_ROOT / "public" / "theme.json").read_text("utf-8"))
    assert theme["custom_fonts"] == []
